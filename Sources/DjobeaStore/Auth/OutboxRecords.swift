import DjobeaDomain
import Foundation
import GRDB

/// Rows of `notification_outbox`: the durable queue behind `WhatsAppQueue` (DjobeaAuth).
///
/// A message's variables and body (which may hold a one-time code) arrive sealed by DjobeaAuth, bound to the row
/// id; the sealed content is erased once the message is sent, given up or expired.
enum OutboxRecords {
    /// Where a queued message stands (`notification_outbox.status`; the schema's CHECK lists the same values).
    enum OutboxStatus: String, CaseIterable {
        /// Waiting for its next attempt.
        case pending
        case sent
        /// Given up (a permanent error, or out of attempts).
        case failed
        /// Past its expiry before it could go (a code no longer usable).
        case expired
    }

    // MARK: - Writes

    /// Queues a message in the caller's transaction.
    ///
    /// Past `message.expiresAt` the message is useless (an expired code) and is marked expired, not sent.
    static func insert(_ message: QueuedNotification, now: Date, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO notification_outbox (id, recipient, template, sealed_content, next_attempt_at, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                message.id, message.recipient, message.template, message.sealedContent, UTCTimestamp.format(now),
                UTCTimestamp.format(now), message.expiresAt.map(UTCTimestamp.format),
            ])
    }

    static func markSent(id: String, now: Date, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE notification_outbox SET status = \(OutboxStatus.sent.sqlLiteral), sent_at = ?, sealed_content = NULL, attempts = attempts + 1,
                    last_error = NULL WHERE id = ?
                """,
            arguments: [UTCTimestamp.format(now), id])
    }

    /// Records a failed attempt: retried at `retryAt`, or given up (`failed`) when `retryAt` is nil.
    static func markFailed(id: String, error: String, retryAt: Date?, in db: Database) throws {
        if let retryAt {
            try db.execute(
                sql: "UPDATE notification_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                arguments: [String(error.prefix(500)), UTCTimestamp.format(retryAt), id])
        } else {
            try db.execute(
                sql:
                    "UPDATE notification_outbox SET status = \(OutboxStatus.failed.sqlLiteral), sealed_content = NULL, attempts = attempts + 1, last_error = ? WHERE id = ?",
                arguments: [String(error.prefix(500)), id])
        }
    }

    /// Marks pending messages past their expiry as expired (an OTP that can no longer be used); returns how many.
    static func expire(now: Date, in db: Database) throws -> Int {
        try db.execute(
            sql: """
                UPDATE notification_outbox SET status = \(OutboxStatus.expired.sqlLiteral), sealed_content = NULL, last_error = 'expiré avant l''envoi'
                WHERE status = \(OutboxStatus.pending.sqlLiteral) AND expires_at IS NOT NULL AND expires_at <= ?
                """,
            arguments: [UTCTimestamp.format(now)])
        return db.changesCount
    }

    /// Forgets sent messages after `sentRetention` and given-up ones after `failedRetention` (seconds).
    static func purge(now: Date, sentRetention: TimeInterval = 7 * 86_400, failedRetention: TimeInterval = 30 * 86_400, in db: Database) throws {
        try db.execute(
            sql: "DELETE FROM notification_outbox WHERE status = \(OutboxStatus.sent.sqlLiteral) AND sent_at < ?",
            arguments: [UTCTimestamp.format(now.addingTimeInterval(-sentRetention))])
        try db.execute(
            sql: "DELETE FROM notification_outbox WHERE status IN (\([OutboxStatus.failed, .expired].sqlList)) AND created_at < ?",
            arguments: [UTCTimestamp.format(now.addingTimeInterval(-failedRetention))])
    }

    // MARK: - Reads

    /// Pending messages due at `now`, oldest first.
    static func due(now: Date, limit: Int, in db: Database) throws -> [PendingNotification] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT id, recipient, template, sealed_content, attempts FROM notification_outbox
                WHERE status = \(OutboxStatus.pending.sqlLiteral) AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?
                """,
            arguments: [UTCTimestamp.format(now), limit]
        ).map { row in
            PendingNotification(
                id: row["id"], recipient: row["recipient"], template: row["template"], sealedContent: row["sealed_content"] ?? "",
                attempts: row["attempts"])
        }
    }

    static func summary(in db: Database) throws -> NotificationOutboxSummary {
        var counts: [OutboxStatus: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM notification_outbox GROUP BY status") {
            if let status = OutboxStatus(rawValue: row[0]) { counts[status] = row[1] }
        }
        let lastError = try String.fetchOne(
            db, sql: "SELECT last_error FROM notification_outbox WHERE last_error IS NOT NULL ORDER BY next_attempt_at DESC, id DESC LIMIT 1")
        return NotificationOutboxSummary(
            pending: counts[.pending] ?? 0, sent: counts[.sent] ?? 0, failed: counts[.failed] ?? 0, expired: counts[.expired] ?? 0,
            lastError: lastError)
    }

    /// When the next pending message falls due, if any.
    static func nextDue(in db: Database) throws -> Date? {
        try String.fetchOne(db, sql: "SELECT min(next_attempt_at) FROM notification_outbox WHERE status = \(OutboxStatus.pending.sqlLiteral)")
            .flatMap(UTCTimestamp.parse)
    }
}
