import DjobeaDomain
import Foundation
import GRDB

/// A message a client wrote, as a webhook brought it.
public struct InboundClientMessage: Sendable, Equatable {
    public var externalId: String
    /// E.164 with `+`.
    public var from: String
    /// `whatsapp` or `sms`.
    public var channel: String
    public var text: String?
    public var buttonPayload: String?
    /// The service's id of the message the client replied to, if any.
    public var contextExternalId: String?
    public var at: Date?

    public init(
        externalId: String, from: String, channel: String, text: String?, buttonPayload: String? = nil, contextExternalId: String? = nil,
        at: Date? = nil
    ) {
        self.externalId = externalId
        self.from = from
        self.channel = channel
        self.text = text
        self.buttonPayload = buttonPayload
        self.contextExternalId = contextExternalId
        self.at = at
    }
}

/// What the gateway did with an inbound message.
public enum InboundOutcome: Equatable, Sendable {
    /// The webhook was already processed (a replay): nothing written.
    case duplicate
    /// Not attached to any request: unknown number, or no request with a provider. Kept in `gateway_inbound`.
    case unmatched(reason: String)
    /// Stored as a `messages` row (direction in) on the request, for its provider.
    case recorded(messageId: String, requestId: String, providerId: String, intent: String)
}

/// Inbound client messages on the gateway: matched to the client by phone and to the request they answer, stored as
/// synced `messages` rows (the hub shows them and alerts the provider), and read once for what they mean: an answer
/// to a slot proposal, a rating, STOP.
public enum GatewayInbound {
    /// A free text following a rating within this delay becomes its comment.
    public static let ratingCommentDelay: TimeInterval = 3_600

    public static func record(_ inbound: InboundClientMessage, now: Date, in tx: SyncedTransaction) throws -> InboundOutcome {
        if try Bool.fetchOne(tx.db, sql: "SELECT EXISTS (SELECT 1 FROM gateway_inbound WHERE external_id = ?)", arguments: [inbound.externalId])
            == true
        {
            return .duplicate
        }
        func remember(_ outcome: String, messageId: String? = nil) throws {
            try tx.db.execute(
                sql: """
                    INSERT INTO gateway_inbound (external_id, from_phone, channel, received_at, message_id, outcome) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [inbound.externalId, inbound.from, inbound.channel, UTCTimestamp.format(now), messageId, outcome])
        }
        guard let clientId = try String.fetchOne(tx.db, sql: "SELECT id FROM clients WHERE phone = ?", arguments: [inbound.from]) else {
            try remember("unknown_client")
            return .unmatched(reason: "unknown_client")
        }
        guard let target = try conversation(clientId: clientId, contextExternalId: inbound.contextExternalId, in: tx.db) else {
            try remember("no_request")
            return .unmatched(reason: "no_request")
        }
        var intent = InboundIntent.parse(text: inbound.text, buttonPayload: inbound.buttonPayload)
        if case .digit(let digit, let comment) = intent {
            switch target.lastTemplate {
            case WhatsAppTemplates.slotProposal.name where digit == 1: intent = .slotYes
            case WhatsAppTemplates.slotProposal.name where digit == 2: intent = .slotNo
            case WhatsAppTemplates.ratingRequest.name: intent = .rating(digit, comment: comment)
            default: intent = .text
            }
        }
        let text = inbound.text?.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = String(
            (text?.isEmpty == false ? text : nil).map { $0 } ?? inbound.buttonPayload.map { "[bouton] \($0)" } ?? "[message sans texte]")
        let id = DjobeaID.v7(now: now)
        try tx.insert(
            MessageRecord(
                id: id, requestId: target.requestId, providerId: target.providerId, clientId: clientId, direction: .incoming,
                channel: MessageChannel(rawValue: inbound.channel) ?? .whatsapp, templateCode: nil,
                body: String(String.UnicodeScalarView(body.unicodeScalars.prefix(4000))),
                sentAt: UTCTimestamp.format(inbound.at.map { min($0, now) } ?? now), deliveryStatus: .delivered, gatewayNode: nil,
                templateName: nil, templateParams: nil, essential: true, externalId: inbound.externalId, statusReason: nil,
                statusAt: UTCTimestamp.format(now), intent: intent.code))
        try remember("recorded", messageId: id)
        try apply(intent, clientId: clientId, target: target, text: text, now: now, in: tx)
        try GatewayReplies.awayReply(clientId: clientId, requestId: target.requestId, providerId: target.providerId, now: now, in: tx)
        return .recorded(messageId: id, requestId: target.requestId, providerId: target.providerId, intent: intent.code)
    }

    struct Conversation {
        var requestId: String
        var providerId: String
        /// The template of the last message we sent the client on this request (what a bare digit answers).
        var lastTemplate: String?
    }

    /// The request the client is talking about: the one of the message they replied to, else the one of the last
    /// message we sent them, else their latest request with a provider.
    static func conversation(clientId: String, contextExternalId: String?, in db: Database) throws -> Conversation? {
        var row: Row?
        if let contextExternalId {
            row = try Row.fetchOne(
                db,
                sql: """
                    SELECT request_id, provider_id FROM messages
                    WHERE external_id = ? AND client_id = ? AND direction = \(MessageDirection.outgoing.sqlLiteral) AND request_id IS NOT NULL
                    LIMIT 1
                    """, arguments: [contextExternalId, clientId])
        }
        if row == nil {
            row = try Row.fetchOne(
                db,
                sql: """
                    SELECT request_id, provider_id FROM messages
                    WHERE client_id = ? AND direction = \(MessageDirection.outgoing.sqlLiteral) AND request_id IS NOT NULL
                    ORDER BY sent_at DESC, id DESC LIMIT 1
                    """, arguments: [clientId])
        }
        if row == nil {
            row = try Row.fetchOne(
                db,
                sql: """
                    SELECT r.id AS request_id, m.provider_id FROM service_requests r JOIN missions m ON m.request_id = r.id
                    WHERE r.client_id = ? AND m.provider_id IS NOT NULL ORDER BY r.created_at DESC LIMIT 1
                    """, arguments: [clientId])
        }
        guard let row, let requestId: String = row["request_id"], let providerId: String = row["provider_id"] else { return nil }
        let last = try String.fetchOne(
            db,
            sql: """
                SELECT template_name FROM messages WHERE request_id = ? AND client_id = ? AND direction = \(MessageDirection.outgoing.sqlLiteral)
                ORDER BY sent_at DESC, id DESC LIMIT 1
                """, arguments: [requestId, clientId])
        return Conversation(requestId: requestId, providerId: providerId, lastTemplate: last)
    }

    private static func apply(
        _ intent: InboundIntent, clientId: String, target: Conversation, text: String?, now: Date, in tx: SyncedTransaction
    ) throws {
        switch intent {
        case .stop:
            var client = try client(clientId, in: tx.db)
            if client.optedOutAt == nil {
                client.optedOutAt = UTCTimestamp.format(now)
                try tx.update(client, columns: [.optedOutAt])
            }
        case .start:
            var client = try client(clientId, in: tx.db)
            client.optedOutAt = nil
            try tx.update(client, columns: [.optedOutAt])
        case .rating(let stars, let comment):
            let exists = try Bool.fetchOne(tx.db, sql: "SELECT EXISTS (SELECT 1 FROM ratings WHERE request_id = ?)", arguments: [target.requestId])
            guard exists != true else { return }
            try tx.insert(
                RatingRecord(
                    // One rating per mission, whichever node records it first: the id derives from the request.
                    id: DjobeaID.derived(namespace: "rating", name: target.requestId), requestId: target.requestId, clientId: clientId,
                    providerId: target.providerId, stars: Int64(stars), comment: comment, createdAt: UTCTimestamp.format(now)))
        case .text:
            // "Vous pouvez ajouter un commentaire après votre note": a text soon after a rating is its comment.
            guard let text, !text.isEmpty, target.lastTemplate == WhatsAppTemplates.ratingRequest.name else { return }
            let since = UTCTimestamp.format(now.addingTimeInterval(-ratingCommentDelay))
            if var rating = try RatingRecord.fetchOne(
                tx.db, sql: "SELECT * FROM ratings WHERE request_id = ? AND comment IS NULL AND created_at >= ?",
                arguments: [target.requestId, since])
            {
                rating.comment = String(String.UnicodeScalarView(text.unicodeScalars.prefix(1000)))
                try tx.update(rating, columns: [.comment])
            }
        case .slotYes, .slotNo, .digit:
            // Slot proposals live on the hub: it applies the answer when the message reaches it (`applySlotAnswers`).
            try applySlotAnswers(requestId: target.requestId, in: tx.db)
        }
    }

    /// Answers the open slot proposals of a request (or of every request) from the inbound "1"/"2" messages that came
    /// after them. Runs where the proposals are (the hub), after each sync round; idempotent.
    @discardableResult
    public static func applySlotAnswers(requestId: String? = nil, in db: Database) throws -> Int {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT p.id, (SELECT m.intent FROM messages m WHERE m.request_id = p.request_id
                        AND m.direction = \(MessageDirection.incoming.sqlLiteral)
                        AND m.intent IN ('slot_yes', 'slot_no') AND m.sent_at >= p.created_at ORDER BY m.sent_at, m.id LIMIT 1) AS answer
                FROM slot_proposals p WHERE p.state = \(SlotProposalState.proposed.sqlLiteral) AND (?1 IS NULL OR p.request_id = ?1)
                """, arguments: [requestId])
        var answered = 0
        for row in rows {
            guard let answer: String = row["answer"] else { continue }
            try db.execute(
                sql: "UPDATE slot_proposals SET state = ? WHERE id = ? AND state = \(SlotProposalState.proposed.sqlLiteral)",
                arguments: [(answer == InboundIntent.slotYes.code ? SlotProposalState.accepted : .refused).rawValue, row["id"] as String])
            answered += db.changesCount
        }
        return answered
    }

    /// The client `id`, for a write that changes it; `StoreError.rowNotFound` when there is none.
    private static func client(_ id: String, in db: Database) throws -> ClientRecord {
        guard let client = try ClientRecord.fetchOne(db, sql: "SELECT * FROM clients WHERE id = ?", arguments: [id]) else {
            throw StoreError.rowNotFound(table: SyncedTable.clients.rawValue, key: id)
        }
        return client
    }
}
