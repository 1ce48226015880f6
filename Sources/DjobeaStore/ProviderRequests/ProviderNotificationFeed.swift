import DjobeaDomain
import Foundation
import GRDB

/// One event of a provider's live feed: a row of `notifications`, an open offer made to them, or a client's message
/// (`client_message`).
public struct ProviderFeedEvent: Codable, Sendable, Hashable {
    /// The notification or offer id: UUIDv7, so ids sort by time and serve as the resume cursor.
    public var id: String
    /// The notification kind (`new_request`, `urgent_request`, `payment_received`, …) or `offer`.
    public var kind: String
    public var requestId: String?
    public var title: String
    /// Notifications only.
    public var body: String?
    public var createdAt: String
    /// Offers only: when the offer moves on to another provider.
    public var expiresAt: String?
    /// Offers only: the request's urgency code.
    public var urgency: String?
}

/// Reads for the live notification stream: what a fresh connection sees, and what came after a cursor.
public enum ProviderNotificationFeed {
    /// At most this many events per read; a full batch means "read again at once".
    public static let batchSize = 200

    /// Events of `providerId` with an id after `cursor`, oldest first: every notification, and offers still open.
    public static func events(providerId: String, after cursor: String, now: Date, limit: Int = batchSize, in db: Database) throws
        -> [ProviderFeedEvent]
    {
        try fetch(
            db, where: ("n.id > :cursor", "o.id > :cursor", "m.id > :cursor"), order: "ASC",
            arguments: ["provider": providerId, "cursor": cursor, "now": UTCTimestamp.format(now), "limit": limit])
    }

    /// What a connection without `Last-Event-ID` gets: the newest unseen notifications and unseen open offers (oldest
    /// first), and the cursor to poll from (the newest id of either table, seen or not; "" when there is none).
    public static func backlog(providerId: String, now: Date, limit: Int = 50, in db: Database) throws -> (
        events: [ProviderFeedEvent], cursor: String
    ) {
        let events = try fetch(
            db, where: ("n.seen_at IS NULL", "o.seen_at IS NULL", "0"), order: "DESC",
            arguments: ["provider": providerId, "now": UTCTimestamp.format(now), "limit": limit]
        ).reversed()
        let cursor = try String.fetchOne(
            db,
            sql: """
                SELECT max(id) FROM (SELECT max(id) AS id FROM notifications WHERE provider_id = :provider
                    UNION ALL SELECT max(id) FROM request_offers WHERE provider_id = :provider
                    UNION ALL SELECT max(id) FROM messages WHERE provider_id = :provider AND direction = \(MessageDirection.incoming.sqlLiteral))
                """, arguments: ["provider": providerId])
        return (Array(events), cursor ?? "")
    }

    /// The clients' messages to `providerId` that reached this node after change-log position `seq` (by sync, in the
    /// order they arrived), and the position to read from next. The live stream reads them this way besides the id
    /// cursor: a message written at central gets its id from central's clock and may reach the hub after a newer local
    /// notification has moved the cursor past it.
    public static func arrivedMessages(providerId: String, afterLocalSeq seq: Int64, limit: Int = batchSize, in db: Database) throws -> (
        events: [ProviderFeedEvent], seq: Int64
    ) {
        let head = try Int64.fetchOne(db, sql: "SELECT coalesce(max(local_seq), 0) FROM change_log") ?? 0
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT c.local_seq, m.id, m.request_id, 'Message de ' || cl.name AS title, m.body, m.sent_at
                    FROM change_log c JOIN messages m ON m.id = c.row_key JOIN clients cl ON cl.id = m.client_id
                    WHERE c.local_seq > ? AND c.local_seq <= ? AND c.table_name = \(SyncedTable.messages.sqlLiteral)
                        AND c.op = \(RowOperation.insert.sqlLiteral) AND m.provider_id = ? AND m.direction = \(MessageDirection.incoming.sqlLiteral)
                    ORDER BY c.local_seq LIMIT ?
                    """), arguments: [seq, head, providerId, limit])
        let events = rows.map { row in
            ProviderFeedEvent(
                id: row["id"], kind: "client_message", requestId: row["request_id"], title: row["title"], body: row["body"],
                createdAt: row["sent_at"], expiresAt: nil, urgency: nil)
        }
        // A full batch: the next read starts after its last row, not at the head.
        let next = rows.count == limit ? (rows.last?["local_seq"] as Int64? ?? head) : head
        return (events, next)
    }

    private static func fetch(
        _ db: Database, where condition: (notification: String, offer: String, message: String), order: String, arguments: StatementArguments
    ) throws -> [ProviderFeedEvent] {
        let sql = """
            SELECT * FROM (
                SELECT n.id, n.kind, n.request_id, n.title, n.body, n.created_at, NULL AS expires_at, NULL AS urgency
                FROM notifications n WHERE n.provider_id = :provider AND n.created_at <= :now AND \(condition.notification)
                UNION ALL
                SELECT o.id, 'offer', o.request_id, r.title, NULL, o.offered_at, o.expires_at, r.urgency
                FROM request_offers o JOIN service_requests r ON r.id = o.request_id
                WHERE o.provider_id = :provider AND o.state = \(OfferState.pending.sqlLiteral) AND o.offered_at <= :now AND o.expires_at > :now
                    AND \(condition.offer)
                UNION ALL
                SELECT m.id, 'client_message', m.request_id, 'Message de ' || c.name, m.body, m.sent_at, NULL, NULL
                FROM messages m JOIN clients c ON c.id = m.client_id
                WHERE m.provider_id = :provider AND m.direction = \(MessageDirection.incoming.sqlLiteral) AND m.sent_at <= :now
                    AND \(condition.message)
            ) ORDER BY id \(order) LIMIT :limit
            """
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in
            ProviderFeedEvent(
                id: row["id"], kind: row["kind"], requestId: row["request_id"], title: row["title"], body: row["body"],
                createdAt: row["created_at"], expiresAt: row["expires_at"], urgency: row["urgency"])
        }
    }
}
