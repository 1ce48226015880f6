import DjobeaDomain
import DjobeaReplication
import Foundation
import GRDB

/// Messages to the client: quick-reply and question templates, their variables, and the `messages` row that the
/// notifier later sends (direction out, WhatsApp, queued).
enum ClientMessages {
    /// The confirmation sent when a provider accepts, unless the catalogue has an "acceptation" template.
    static let acceptanceTemplate =
        "Bonjour {client}, votre demande « {titre} » a été acceptée par {prestataire}. Votre prestataire vous contactera très bientôt."

    static let maxBody = 1_000

    /// Queues the acceptance confirmation; returns the message id.
    static func acceptance(_ context: ProviderRequestContext, in tx: SyncedTransaction) throws -> String {
        let template = try self.template(code: "acceptation", kind: "reply", providerId: context.providerId, in: tx.db) ?? acceptanceTemplate
        let body = try fill(template, context: context, extra: [:], in: tx.db)
        let providerName = try String.fetchOne(tx.db, sql: "SELECT name FROM providers WHERE id = ?", arguments: [context.providerId]) ?? ""
        return try queue(
            body, templateCode: "acceptation", context: context,
            template: (WhatsAppTemplates.acceptance.name, [ProviderRequestWording.firstName(context.clientName), context.title, providerName]),
            in: tx)
    }

    /// A template's body by code: the provider's own first, else the catalogue's; nil when neither exists.
    static func template(code: String, kind: String, providerId: String, in db: Database) throws -> String? {
        try String.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT body FROM message_templates WHERE code = ? AND kind = ? AND (provider_id = ? OR provider_id IS NULL)
                    ORDER BY provider_id IS NULL LIMIT 1
                    """), arguments: [code, kind, providerId])
    }

    /// Replaces `{name}` variables: `client` (first name), `prestataire`, `titre`, `service`, `zone`, then `extra`.
    ///
    /// - Throws: `invalid_parameter` (field `variables`) when a variable is left without a value or a value is too long.
    static func fill(_ template: String, context: ProviderRequestContext, extra: [String: String], in db: Database) throws -> String {
        let providerName = try String.fetchOne(db, sql: "SELECT name FROM providers WHERE id = ?", arguments: [context.providerId]) ?? ""
        var values: [String: String] = [
            "client": ProviderRequestWording.firstName(context.clientName), "prestataire": providerName, "titre": context.title,
            "service": context.service.name, "zone": context.zone.name,
        ]
        for (name, value) in extra {
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard name.count <= 30, !trimmed.isEmpty, trimmed.count <= 100 else {
                throw ProviderRequestError.invalid("variables", "Valeur invalide pour {\(name.prefix(30))} : 1 à 100 caractères")
            }
            values[name] = trimmed
        }
        var text = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            text += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else {
                text += rest[open...]
                rest = rest[rest.endIndex...]
                break
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard let value = values[name] else {
                throw ProviderRequestError.invalid("variables", "Valeur manquante pour {\(name.prefix(30))}")
            }
            text += value
            rest = rest[rest.index(after: close)...]
        }
        return text + rest
    }

    /// Inserts the outgoing message, queued for the gateway; returns its id.
    ///
    /// - Parameters:
    ///   - template: the approved WhatsApp template and its parameters for when the client's 24-hour window is closed;
    ///     nil sends `message_prestataire` with the body as its text.
    ///   - essential: whether the message matters to the job (it then goes by SMS to a client without WhatsApp, and
    ///     even to a client who answered STOP).
    static func queue(
        _ body: String, templateCode: String?, context: ProviderRequestContext, template: (name: String, params: [String])? = nil,
        essential: Bool = true, in tx: SyncedTransaction
    ) throws -> String {
        let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ProviderRequestError.invalid("body", "Message vide") }
        guard trimmed.count <= maxBody else { throw ProviderRequestError.invalid("body", "Message trop long : 1 000 caractères au plus") }
        let id = DjobeaID.v7(now: tx.now)
        try tx.insert(
            MessageRecord(
                id: id, requestId: context.requestId, providerId: context.providerId, clientId: context.clientId, direction: .outgoing,
                channel: .whatsapp, templateCode: templateCode, body: trimmed, sentAt: UTCTimestamp.format(tx.now), deliveryStatus: .queued,
                gatewayNode: try gatewayNode(in: tx.db), templateName: template?.name,
                templateParams: try template.map { String(decoding: try JSONEncoder().encode($0.params), as: UTF8.self) }, essential: essential,
                externalId: nil, statusReason: nil, statusAt: nil, intent: nil))
        return id
    }

    /// The node that sends this node's messages: the hub itself when it is its own gateway, else nil (central).
    static func gatewayNode(in connection: any ReplicaConnection) throws -> String? {
        try connection.firstText(gatewayNodeSQL)
    }

    /// The hub that is its own gateway, if this node is one.
    static let gatewayNodeSQL = "SELECT node_id FROM node_identity WHERE is_gateway = 1 AND role = \(NodeRole.hub.sqlLiteral)"

    /// `gatewayNode` on SQLite.
    static func gatewayNode(in db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: gatewayNodeSQL))
    }
}
