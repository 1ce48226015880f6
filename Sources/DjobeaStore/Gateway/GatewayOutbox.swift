import DjobeaDomain
import DjobeaReplication
import Foundation

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
    public static func due(node: String, isDefault: Bool, now: Date, limit: Int, in db: any ReplicaConnection) throws -> [GatewayOutboundRow] {
        let nowText = ColumnValue(now)
        let rows = try db.query(
            """
            SELECT m.id, m.request_id, m.provider_id, m.client_id, m.channel, m.body, m.template_name, m.template_params, m.sent_at,
                m.essential, c.phone, c.opted_out_at, c.no_whatsapp_at, coalesce(w.attempts, 0) AS attempts,
                p.name AS provider_name, r.title AS request_title,
                CASE WHEN EXISTS (SELECT 1 FROM messages i WHERE i.client_id = m.client_id AND i.direction = \(MessageDirection.incoming.sqlLiteral)
                    AND i.channel = \(MessageChannel.whatsapp.sqlLiteral) AND i.sent_at >= ?) THEN 1 ELSE 0 END AS window_open
            FROM messages m
            JOIN clients c ON c.id = m.client_id
            JOIN providers p ON p.id = m.provider_id
            LEFT JOIN service_requests r ON r.id = m.request_id
            LEFT JOIN gateway_work w ON w.kind = \(GatewayWorkKind.message.sqlLiteral) AND w.work_key = m.id
            WHERE m.direction = \(MessageDirection.outgoing.sqlLiteral) AND m.delivery_status = \(DeliveryStatus.queued.sqlLiteral)
                AND (m.gateway_node = ? OR (m.gateway_node IS NULL AND ? = 1))
                AND (w.work_key IS NULL OR (w.done_at IS NULL AND (w.lease_until IS NULL OR w.lease_until <= ?)
                    AND (w.next_attempt_at IS NULL OR w.next_attempt_at <= ?)))
            ORDER BY CASE WHEN m.template_code = 'relance_auto' THEN 1 ELSE 0 END, m.sent_at, m.id LIMIT ?
            """,
            [ColumnValue(now.addingTimeInterval(-window)), .text(node), ColumnValue(isDefault), nowText, nowText, .integer(Int64(limit))])
        return rows.map { row in
            let params = row["template_params"].textValue
            return GatewayOutboundRow(
                id: row["id"].textValue ?? "", requestId: row["request_id"].textValue, providerId: row["provider_id"].textValue ?? "",
                clientId: row["client_id"].textValue ?? "", clientPhone: row["phone"].textValue ?? "", channel: row["channel"].textValue ?? "",
                body: row["body"].textValue ?? "", templateName: row["template_name"].textValue,
                templateParams: params.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? [],
                essential: row["essential"].isTrue, attempts: Int(row["attempts"].integerValue ?? 0), optedOut: row["opted_out_at"] != .null,
                noWhatsApp: row["no_whatsapp_at"] != .null, windowOpen: row["window_open"].isTrue,
                providerName: row["provider_name"].textValue ?? "", requestTitle: row["request_title"].textValue,
                queuedAt: row["sent_at"].textValue.flatMap(UTCTimestamp.parse))
        }
    }

    /// Takes a message for `lease` seconds; false when another sender holds it or it is done.
    public static func claim(id: String, now: Date, lease: TimeInterval, in db: any ReplicaConnection) throws -> Bool {
        try GatewayWork.claim(.message, key: id, now: now, lease: lease, in: db)
    }

    /// The service took the message: `sent`, with its id.
    public static func markSent(id: String, externalId: String, channel: String, in tx: any ChangeLoggedWrites) throws {
        var message = try message(id, in: tx.connection)
        // WhatsApp may have said "no account" (131026) by webhook before this send's answer came back: the row already
        // went on to SMS, which must still leave.
        guard message.channel.rawValue == channel else { return }
        message.externalId = externalId
        var columns: [MessageRecord.Columns] = [.externalId]
        // A status webhook may have come first (the answer was slow): never move back.
        if let next = message.deliveryStatus.advanced(by: .sent) {
            message.deliveryStatus = next
            message.statusAt = UTCTimestamp.format(tx.now)
            columns += [.deliveryStatus, .statusAt]
        }
        try tx.update(message, columns: columns)
        try finish(.message, key: id, outcome: "sent", in: tx)
    }

    /// A transient failure: try again at `retryAt`.
    public static func retryLater(id: String, at retryAt: Date, error: String, in db: any ReplicaConnection) throws {
        try GatewayWork.retryLater(.message, key: id, at: retryAt, error: error, in: db)
    }

    /// The message will never go: `failed` with a French reason the provider sees.
    public static func markFailed(id: String, reason: String, in tx: any ChangeLoggedWrites) throws {
        var message = try message(id, in: tx.connection)
        message.deliveryStatus = .failed
        message.statusReason = String(reason.prefix(500))
        message.statusAt = UTCTimestamp.format(tx.now)
        try tx.update(message, columns: [.deliveryStatus, .statusReason, .statusAt])
        try finish(.message, key: id, outcome: "failed", in: tx)
    }

    /// The client has no WhatsApp: remember it on the client, and send this message by SMS if it is essential
    /// (otherwise it fails with that reason). Returns whether it goes on by SMS.
    @discardableResult
    public static func fallBackToSMS(id: String, reason: String, in tx: any ChangeLoggedWrites) throws -> Bool {
        guard var message = try tx.connection.record(MessageRecord.self, "SELECT * FROM messages WHERE id = ?", [.text(id)]) else {
            return false
        }
        guard var client = try tx.connection.record(ClientRecord.self, "SELECT * FROM clients WHERE id = ?", [.text(message.clientId)]) else {
            throw StoreError.rowNotFound(table: SyncedTable.clients.rawValue, key: message.clientId)
        }
        if client.noWhatsappAt == nil {
            client.noWhatsappAt = UTCTimestamp.format(tx.now)
            try tx.update(client, columns: [.noWhatsappAt])
        }
        guard message.essential else {
            try markFailed(id: id, reason: "Client sans WhatsApp ; message non essentiel, pas d'envoi par SMS", in: tx)
            return false
        }
        message.channel = .sms
        message.deliveryStatus = .queued
        message.statusReason = "Pas de WhatsApp : envoi par SMS"
        message.statusAt = UTCTimestamp.format(tx.now)
        try tx.update(message, columns: [.channel, .deliveryStatus, .statusReason, .statusAt])
        // Open again: a failure reported by the status webhook comes after the WhatsApp send was recorded as done.
        try tx.connection.execute(
            """
            UPDATE gateway_work SET lease_until = NULL, next_attempt_at = NULL, done_at = NULL, outcome = NULL, last_error = ?
            WHERE kind = ? AND work_key = ?
            """,
            [.text(String(reason.prefix(500))), .text(GatewayWorkKind.message.rawValue), .text(id)])
        return true
    }

    static func finish(_ kind: GatewayWorkKind, key: String, outcome: String, in tx: any ChangeLoggedWrites) throws {
        let doneAt = ColumnValue(tx.now)
        try tx.connection.execute(
            """
            INSERT INTO gateway_work (kind, work_key, attempts, done_at, outcome) VALUES (?, ?, 0, ?, ?)
            ON CONFLICT (kind, work_key) DO UPDATE SET lease_until = NULL, next_attempt_at = NULL, done_at = ?, outcome = ?
            """, [.text(kind.rawValue), .text(key), doneAt, .text(outcome), doneAt, .text(outcome)])
    }

    /// The message `id`, for a write that changes it; `StoreError.rowNotFound` when there is none.
    static func message(_ id: String, in db: any ReplicaConnection) throws -> MessageRecord {
        guard let message = try db.record(MessageRecord.self, "SELECT * FROM messages WHERE id = ?", [.text(id)]) else {
            throw StoreError.rowNotFound(table: SyncedTable.messages.rawValue, key: id)
        }
        return message
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
        owner: (node: String, isDefault: Bool)? = nil, in tx: any ChangeLoggedWrites
    ) throws -> StatusOutcome {
        let outgoing = "SELECT * FROM messages WHERE direction = \(MessageDirection.outgoing.sqlLiteral)"
        var found: MessageRecord?
        if let messageId {
            found = try tx.connection.record(MessageRecord.self, "\(outgoing) AND id = ?", [.text(messageId)])
        }
        if found == nil {
            found = try tx.connection.record(MessageRecord.self, "\(outgoing) AND external_id = ? LIMIT 1", [.text(externalId)])
        }
        guard var message = found else { return .unknown }
        if let owner {
            let gateway = message.gatewayNode
            guard gateway == owner.node || (gateway == nil && owner.isDefault) else { return .unknown }
        }
        let id = message.id
        let currentExternal = message.externalId
        // A status of an earlier attempt (WhatsApp, before the SMS fallback) does not speak for the current one.
        if let currentExternal, currentExternal != externalId { return .unchanged }
        let current = message.deliveryStatus
        // Queued again with an id already known: it fell back to SMS, and this report (a replay included) is about the
        // WhatsApp attempt that was superseded.
        if current == .queued, currentExternal != nil { return .unchanged }
        if reported == .failed, notOnWhatsApp, message.channel == .whatsapp, current == .queued || current == .sent {
            try fallBackToSMS(id: id, reason: reason ?? "Pas de compte WhatsApp", in: tx)
            // The WhatsApp attempt's id stays until the SMS has its own: later reports about it are recognised as stale.
            if currentExternal == nil {
                message.externalId = externalId
                try tx.update(message, columns: [.externalId])
            }
            return .fellBackToSMS
        }
        var columns: [MessageRecord.Columns] = []
        if currentExternal == nil {
            message.externalId = externalId
            columns.append(.externalId)
        }
        let next = current.advanced(by: reported)
        if let next {
            message.deliveryStatus = next
            message.statusAt = UTCTimestamp.format(tx.now)
            columns += [.deliveryStatus, .statusAt]
            if next == .failed {
                message.statusReason = String((reason ?? "Échec signalé par le service").prefix(500))
                columns.append(.statusReason)
            }
        }
        if !columns.isEmpty { try tx.update(message, columns: columns) }
        if current == .queued, next != nil {
            // Reconciled: the send went through even if its answer never reached us.
            try finish(.message, key: id, outcome: next == .failed ? "failed" : "sent", in: tx)
        }
        return next.map { .advanced($0) } ?? .unchanged
    }
}
