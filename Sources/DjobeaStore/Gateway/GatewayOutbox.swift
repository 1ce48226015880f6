import DjobeaDomain
import Foundation
import GRDB

/// One queued client message as the gateway needs it to send: the row, the client's number and flags, and whether
/// the client's 24-hour WhatsApp window is open.
public struct GatewayOutboundRow: Sendable, Equatable {
    public var id: String
    public var requestId: String?
    public var providerId: String
    public var clientId: String
    public var clientPhone: String
    public var channel: String
    public var body: String
    public var templateName: String?
    public var templateParams: [String]
    public var essential: Bool
    /// Attempts made before this one.
    public var attempts: Int
    public var optedOut: Bool
    public var noWhatsApp: Bool
    /// The client wrote to us on WhatsApp within the last 24 hours: free text may go on WhatsApp (an SMS from them does
    /// not open WhatsApp's window).
    public var windowOpen: Bool
    public var providerName: String
    public var requestTitle: String?
    /// When the action queued it (`messages.sent_at`).
    public var queuedAt: Date?
}

/// The gateway's side of the client messages: what is due, claims with a lease, and outcomes written back to the
/// synced `messages` row (DESIGN.md "Gateways").
///
/// The lease is committed before the outside service is called, and the outcome after it answers. A sender that dies
/// in between leaves the lease to run out; the message is then taken again. If the service had accepted the message
/// and its answer was lost, the status webhook, which carries our message id, marks the row first and nothing is sent
/// twice; only when the service accepted it, the answer was lost AND no status came back before the lease ran out is
/// the message sent a second time (the one window where a duplicate is possible).
public enum GatewayOutbox {
    /// How long a claimed message belongs to the sender that claimed it.
    public static let defaultLease: TimeInterval = 120
    /// A client's free-text window after their last message (WhatsApp's rule).
    public static let window: TimeInterval = 24 * 3_600

    /// Whether rows with no gateway named (`gateway_node` NULL) are this node's to send: central's, unless ops made a
    /// hub its own gateway (then that hub names itself on its rows).
    public static func isDefaultGateway(role: NodeRole) -> Bool { role == .central }

    /// The messages this node must send now, oldest first.
    public static func due(node: String, isDefault: Bool, now: Date, limit: Int, in db: Database) throws -> [GatewayOutboundRow] {
        let nowText = UTCTimestamp.format(now)
        let windowStart = UTCTimestamp.format(now.addingTimeInterval(-window))
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT m.id, m.request_id, m.provider_id, m.client_id, m.channel, m.body, m.template_name, m.template_params, m.sent_at,
                        m.essential, c.phone, c.opted_out_at, c.no_whatsapp_at, coalesce(w.attempts, 0) AS attempts,
                        p.name AS provider_name, r.title AS request_title,
                        EXISTS (SELECT 1 FROM messages i WHERE i.client_id = m.client_id AND i.direction = 'in' AND i.channel = 'whatsapp'
                            AND i.sent_at >= :window) AS window_open
                    FROM messages m
                    JOIN clients c ON c.id = m.client_id
                    JOIN providers p ON p.id = m.provider_id
                    LEFT JOIN service_requests r ON r.id = m.request_id
                    LEFT JOIN gateway_work w ON w.kind = 'message' AND w.work_key = m.id
                    WHERE m.direction = 'out' AND m.delivery_status = 'queued'
                        AND (m.gateway_node = :node OR (m.gateway_node IS NULL AND :isDefault))
                        AND (w.work_key IS NULL OR (w.done_at IS NULL AND (w.lease_until IS NULL OR w.lease_until <= :now)
                            AND (w.next_attempt_at IS NULL OR w.next_attempt_at <= :now)))
                    ORDER BY m.sent_at, m.id LIMIT :limit
                    """),
            arguments: ["node": node, "isDefault": isDefault, "now": nowText, "window": windowStart, "limit": limit])
        return rows.map { row in
            let params: String? = row["template_params"]
            return GatewayOutboundRow(
                id: row["id"], requestId: row["request_id"], providerId: row["provider_id"], clientId: row["client_id"],
                clientPhone: row["phone"], channel: row["channel"], body: row["body"], templateName: row["template_name"],
                templateParams: params.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? [],
                essential: row["essential"], attempts: row["attempts"], optedOut: (row["opted_out_at"] as String?) != nil,
                noWhatsApp: (row["no_whatsapp_at"] as String?) != nil, windowOpen: row["window_open"], providerName: row["provider_name"],
                requestTitle: row["request_title"], queuedAt: (row["sent_at"] as String?).flatMap(UTCTimestamp.parse))
        }
    }

    /// Takes a message for `lease` seconds; false when another sender holds it or it is done.
    public static func claim(id: String, now: Date, lease: TimeInterval, in db: Database) throws -> Bool {
        try db.execute(
            sql: """
                INSERT INTO gateway_work (kind, work_key, attempts, lease_until) VALUES ('message', :id, 1, :until)
                ON CONFLICT (kind, work_key) DO UPDATE SET attempts = attempts + 1, lease_until = :until
                    WHERE done_at IS NULL AND (lease_until IS NULL OR lease_until <= :now)
                """,
            arguments: ["id": id, "until": UTCTimestamp.format(now.addingTimeInterval(lease)), "now": UTCTimestamp.format(now)])
        return db.changesCount > 0
    }

    /// The service took the message: `sent`, with its id.
    public static func markSent(id: String, externalId: String, channel: String, in tx: SyncedTransaction) throws {
        // WhatsApp may have said "no account" (131026) by webhook before this send's answer came back: the row already
        // went on to SMS, which must still leave.
        let currentChannel = try String.fetchOne(tx.db, sql: "SELECT channel FROM messages WHERE id = ?", arguments: [id])
        if let currentChannel, currentChannel != channel { return }
        let status = try String.fetchOne(tx.db, sql: "SELECT delivery_status FROM messages WHERE id = ?", arguments: [id])
        var changes: ColumnValues = ["external_id": .text(externalId), "channel": .text(channel)]
        // A status webhook may have come first (the answer was slow): never move back.
        if status.flatMap(DeliveryStatus.init(rawValue:)).map({ $0.advanced(by: .sent) != nil }) ?? false {
            changes["delivery_status"] = "sent"
            changes["status_at"] = ColumnValue(tx.now)
        }
        try tx.update(.messages, key: id, changes)
        try finish(kind: "message", key: id, outcome: "sent", in: tx)
    }

    /// A transient failure: try again at `retryAt`.
    public static func retryLater(id: String, at retryAt: Date, error: String, in db: Database) throws {
        try db.execute(
            sql: "UPDATE gateway_work SET lease_until = NULL, next_attempt_at = ?, last_error = ? WHERE kind = 'message' AND work_key = ?",
            arguments: [UTCTimestamp.format(retryAt), String(error.prefix(500)), id])
    }

    /// The message will never go: `failed` with a French reason the provider sees.
    public static func markFailed(id: String, reason: String, in tx: SyncedTransaction) throws {
        try tx.update(
            .messages, key: id, ["delivery_status": "failed", "status_reason": .text(String(reason.prefix(500))), "status_at": ColumnValue(tx.now)])
        try finish(kind: "message", key: id, outcome: "failed", in: tx)
    }

    /// The client has no WhatsApp: remember it on the client, and send this message by SMS if it is essential
    /// (otherwise it fails with that reason). Returns whether it goes on by SMS.
    @discardableResult
    public static func fallBackToSMS(id: String, reason: String, in tx: SyncedTransaction) throws -> Bool {
        guard let row = try Row.fetchOne(tx.db, sql: "SELECT client_id, essential FROM messages WHERE id = ?", arguments: [id]) else {
            return false
        }
        let clientId: String = row["client_id"]
        let noWhatsApp = try String.fetchOne(tx.db, sql: "SELECT no_whatsapp_at FROM clients WHERE id = ?", arguments: [clientId])
        if noWhatsApp == nil { try tx.update(.clients, key: clientId, ["no_whatsapp_at": ColumnValue(tx.now)]) }
        guard row["essential"] as Bool else {
            try markFailed(id: id, reason: "Client sans WhatsApp ; message non essentiel, pas d'envoi par SMS", in: tx)
            return false
        }
        try tx.update(
            .messages, key: id,
            [
                "channel": "sms", "delivery_status": "queued", "status_reason": .text("Pas de WhatsApp : envoi par SMS"),
                "status_at": ColumnValue(tx.now),
            ])
        // Open again: a failure reported by the status webhook comes after the WhatsApp send was recorded as done.
        try tx.db.execute(
            sql: """
                UPDATE gateway_work SET lease_until = NULL, next_attempt_at = NULL, done_at = NULL, outcome = NULL, last_error = ?
                WHERE kind = 'message' AND work_key = ?
                """,
            arguments: [String(reason.prefix(500)), id])
        return true
    }

    static func finish(kind: String, key: String, outcome: String, in tx: SyncedTransaction) throws {
        try tx.db.execute(
            sql: """
                INSERT INTO gateway_work (kind, work_key, attempts, done_at, outcome) VALUES (?1, ?2, 0, ?3, ?4)
                ON CONFLICT (kind, work_key) DO UPDATE SET lease_until = NULL, next_attempt_at = NULL, done_at = ?3, outcome = ?4
                """, arguments: [kind, key, UTCTimestamp.format(tx.now), outcome])
    }

    // MARK: - Status reports

    /// What a status report did.
    public enum StatusOutcome: Equatable, Sendable {
        /// No outbound message of ours has that id.
        case unknown
        /// The row already said as much (or more).
        case unchanged
        case advanced(DeliveryStatus)
        /// WhatsApp said the client has no account: the message goes again by SMS (or fails if not essential).
        case fellBackToSMS
    }

    /// Applies a status webhook to the message it names (by our id when the service echoed it, else by the service's
    /// id). Forward only (`DeliveryStatus.advanced(by:)`). A report for a message whose send answer was lost reconciles
    /// it: the row takes the service's id and is not sent again.
    ///   - owner: this gateway's node id and whether it is the default gateway: a report about a message another gateway
    ///     sends is not this node's to write (rule 15); nil skips the check.
    public static func applyStatus(
        externalId: String, messageId: String?, reported: DeliveryStatus, reason: String?, notOnWhatsApp: Bool,
        owner: (node: String, isDefault: Bool)? = nil, in tx: SyncedTransaction
    ) throws -> StatusOutcome {
        var row: Row?
        let columns = "id, delivery_status, external_id, channel, gateway_node"
        if let messageId {
            row = try Row.fetchOne(tx.db, sql: "SELECT \(columns) FROM messages WHERE id = ? AND direction = 'out'", arguments: [messageId])
        }
        if row == nil {
            row = try Row.fetchOne(
                tx.db, sql: "SELECT \(columns) FROM messages WHERE external_id = ? AND direction = 'out' LIMIT 1", arguments: [externalId])
        }
        guard let row else { return .unknown }
        if let owner {
            let gateway: String? = row["gateway_node"]
            guard gateway == owner.node || (gateway == nil && owner.isDefault) else { return .unknown }
        }
        let id: String = row["id"]
        let currentExternal: String? = row["external_id"]
        // A status of an earlier attempt (WhatsApp, before the SMS fallback) does not speak for the current one.
        if let currentExternal, currentExternal != externalId { return .unchanged }
        guard let current = DeliveryStatus(rawValue: row["delivery_status"]) else { return .unchanged }
        // Queued again with an id already known: it fell back to SMS, and this report (a replay included) is about the
        // WhatsApp attempt that was superseded.
        if current == .queued, currentExternal != nil { return .unchanged }
        if reported == .failed, notOnWhatsApp, (row["channel"] as String) == "whatsapp", current == .queued || current == .sent {
            try fallBackToSMS(id: id, reason: reason ?? "Pas de compte WhatsApp", in: tx)
            // The WhatsApp attempt's id stays until the SMS has its own: later reports about it are recognised as stale.
            if currentExternal == nil { try tx.update(.messages, key: id, ["external_id": .text(externalId)]) }
            return .fellBackToSMS
        }
        var changes: ColumnValues = [:]
        if currentExternal == nil { changes["external_id"] = .text(externalId) }
        let next = current.advanced(by: reported)
        if let next {
            changes["delivery_status"] = .text(next.rawValue)
            changes["status_at"] = ColumnValue(tx.now)
            if next == .failed { changes["status_reason"] = .text(String((reason ?? "Échec signalé par le service").prefix(500))) }
        }
        if !changes.isEmpty { try tx.update(.messages, key: id, changes) }
        if current == .queued, next != nil {
            // Reconciled: the send went through even if its answer never reached us.
            try finish(kind: "message", key: id, outcome: next == .failed ? "failed" : "sent", in: tx)
        }
        return next.map { .advanced($0) } ?? .unchanged
    }
}
