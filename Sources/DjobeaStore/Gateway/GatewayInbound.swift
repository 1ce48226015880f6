import DjobeaDomain
import DjobeaReplication
import Foundation

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

    public static func record(_ inbound: InboundClientMessage, now: Date, in tx: any ChangeLoggedWrites) throws -> InboundOutcome {
        let db = tx.connection
        if try db.returnsRow("SELECT 1 FROM gateway_inbound WHERE external_id = ?", [.text(inbound.externalId)]) {
            return .duplicate
        }
        func remember(_ outcome: String, messageId: String? = nil) throws {
            try db.execute(
                "INSERT INTO gateway_inbound (external_id, from_phone, channel, received_at, message_id, outcome) VALUES (?, ?, ?, ?, ?, ?)",
                [.text(inbound.externalId), .text(inbound.from), .text(inbound.channel), ColumnValue(now), ColumnValue(messageId), .text(outcome)])
        }
        guard let clientId = try db.firstText("SELECT id FROM clients WHERE phone = ?", [.text(inbound.from)]) else {
            try remember("unknown_client")
            return .unmatched(reason: "unknown_client")
        }
        guard let target = try conversation(clientId: clientId, contextExternalId: inbound.contextExternalId, in: db) else {
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
    static func conversation(clientId: String, contextExternalId: String?, in db: any ReplicaConnection) throws -> Conversation? {
        var row: ReplicaRow?
        if let contextExternalId {
            row = try db.query(
                """
                SELECT request_id, provider_id FROM messages
                WHERE external_id = ? AND client_id = ? AND direction = \(MessageDirection.outgoing.sqlLiteral) AND request_id IS NOT NULL
                LIMIT 1
                """, [.text(contextExternalId), .text(clientId)]
            ).first
        }
        if row == nil {
            row = try db.query(
                """
                SELECT request_id, provider_id FROM messages
                WHERE client_id = ? AND direction = \(MessageDirection.outgoing.sqlLiteral) AND request_id IS NOT NULL
                ORDER BY sent_at DESC, id DESC LIMIT 1
                """, [.text(clientId)]
            ).first
        }
        if row == nil {
            row = try db.query(
                """
                SELECT r.id AS request_id, m.provider_id FROM service_requests r JOIN missions m ON m.request_id = r.id
                WHERE r.client_id = ? AND m.provider_id IS NOT NULL ORDER BY r.created_at DESC LIMIT 1
                """, [.text(clientId)]
            ).first
        }
        guard let row, let requestId = row["request_id"].textValue, let providerId = row["provider_id"].textValue else { return nil }
        let last = try db.firstText(
            """
            SELECT template_name FROM messages WHERE request_id = ? AND client_id = ? AND direction = \(MessageDirection.outgoing.sqlLiteral)
            ORDER BY sent_at DESC, id DESC LIMIT 1
            """, [.text(requestId), .text(clientId)])
        return Conversation(requestId: requestId, providerId: providerId, lastTemplate: last)
    }

    private static func apply(
        _ intent: InboundIntent, clientId: String, target: Conversation, text: String?, now: Date, in tx: any ChangeLoggedWrites
    ) throws {
        switch intent {
        case .stop:
            var client = try client(clientId, in: tx.connection)
            if client.optedOutAt == nil {
                client.optedOutAt = UTCTimestamp.format(now)
                try tx.update(client, columns: [.optedOutAt])
            }
        case .start:
            var client = try client(clientId, in: tx.connection)
            client.optedOutAt = nil
            try tx.update(client, columns: [.optedOutAt])
        case .rating(let stars, let comment):
            guard try !tx.connection.returnsRow("SELECT 1 FROM ratings WHERE request_id = ?", [.text(target.requestId)]) else { return }
            try tx.insert(
                RatingRecord(
                    // One rating per mission, whichever node records it first: the id derives from the request.
                    id: DjobeaID.derived(namespace: "rating", name: target.requestId), requestId: target.requestId, clientId: clientId,
                    providerId: target.providerId, stars: Int64(stars), comment: comment, createdAt: UTCTimestamp.format(now)))
        case .text:
            // "Vous pouvez ajouter un commentaire après votre note": a text soon after a rating is its comment.
            guard let text, !text.isEmpty, target.lastTemplate == WhatsAppTemplates.ratingRequest.name else { return }
            let since = UTCTimestamp.format(now.addingTimeInterval(-ratingCommentDelay))
            if var rating = try tx.connection.record(
                RatingRecord.self, "SELECT * FROM ratings WHERE request_id = ? AND comment IS NULL AND created_at >= ?",
                [.text(target.requestId), .text(since)])
            {
                rating.comment = String(String.UnicodeScalarView(text.unicodeScalars.prefix(1000)))
                try tx.update(rating, columns: [.comment])
            }
        case .slotYes, .slotNo, .digit:
            // Slot proposals live on the hub: it applies the answer when the message reaches it (`applySlotAnswers`).
            try applySlotAnswers(requestId: target.requestId, in: tx.connection)
        }
    }

    /// Answers the open slot proposals of a request (or of every request) from the inbound "1"/"2" messages that came
    /// after them. Runs where the proposals are (the hub), after each sync round; idempotent.
    @discardableResult
    public static func applySlotAnswers(requestId: String? = nil, in db: any ReplicaConnection) throws -> Int {
        let rows = try db.query(
            """
            SELECT p.id, (SELECT m.intent FROM messages m WHERE m.request_id = p.request_id
                    AND m.direction = \(MessageDirection.incoming.sqlLiteral)
                    AND m.intent IN ('slot_yes', 'slot_no') AND m.sent_at >= p.created_at ORDER BY m.sent_at, m.id LIMIT 1) AS answer
            FROM slot_proposals p WHERE p.state = \(SlotProposalState.proposed.sqlLiteral) AND (CAST(? AS TEXT) IS NULL OR p.request_id = ?)
            """, [ColumnValue(requestId), ColumnValue(requestId)])
        var answered = 0
        for row in rows {
            guard let answer = row["answer"].textValue, let id = row["id"].textValue else { continue }
            answered += try db.execute(
                "UPDATE slot_proposals SET state = ? WHERE id = ? AND state = \(SlotProposalState.proposed.sqlLiteral)",
                [.text((answer == InboundIntent.slotYes.code ? SlotProposalState.accepted : .refused).rawValue), .text(id)])
        }
        return answered
    }

    /// The client `id`, for a write that changes it; `StoreError.rowNotFound` when there is none.
    private static func client(_ id: String, in db: any ReplicaConnection) throws -> ClientRecord {
        guard let client = try db.record(ClientRecord.self, "SELECT * FROM clients WHERE id = ?", [.text(id)]) else {
            throw StoreError.rowNotFound(table: SyncedTable.clients.rawValue, key: id)
        }
        return client
    }
}
