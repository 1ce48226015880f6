import DjobeaDomain
import Foundation
import GRDB

/// Rows of `notification_outbox`: the durable queue behind `WhatsAppQueue` (DjobeaAuth).
///
/// A message's variables and body (which may hold a one-time code) arrive sealed by DjobeaAuth, bound to the row
/// id; the sealed content is erased once the message is sent, given up or expired.
enum OutboxRecords {
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
                UPDATE notification_outbox SET status = 'sent', sent_at = ?, sealed_content = NULL, attempts = attempts + 1,
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
                sql: "UPDATE notification_outbox SET status = 'failed', sealed_content = NULL, attempts = attempts + 1, last_error = ? WHERE id = ?",
                arguments: [String(error.prefix(500)), id])
        }
    }

    /// Marks pending messages past their expiry as expired (an OTP that can no longer be used); returns how many.
    static func expire(now: Date, in db: Database) throws -> Int {
        try db.execute(
            sql: """
                UPDATE notification_outbox SET status = 'expired', sealed_content = NULL, last_error = 'expiré avant l''envoi'
                WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= ?
                """,
            arguments: [UTCTimestamp.format(now)])
        return db.changesCount
    }

    /// Forgets sent messages after `sentRetention` and given-up ones after `failedRetention` (seconds).
    static func purge(now: Date, sentRetention: TimeInterval = 7 * 86_400, failedRetention: TimeInterval = 30 * 86_400, in db: Database) throws {
        try db.execute(
            sql: "DELETE FROM notification_outbox WHERE status = 'sent' AND sent_at < ?",
            arguments: [UTCTimestamp.format(now.addingTimeInterval(-sentRetention))])
        try db.execute(
            sql: "DELETE FROM notification_outbox WHERE status IN ('failed', 'expired') AND created_at < ?",
            arguments: [UTCTimestamp.format(now.addingTimeInterval(-failedRetention))])
    }

    // MARK: - Reads

    /// Pending messages due at `now`, oldest first.
    static func due(now: Date, limit: Int, in db: Database) throws -> [PendingNotification] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT id, recipient, template, sealed_content, attempts FROM notification_outbox
                WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?
                """,
            arguments: [UTCTimestamp.format(now), limit]
        ).map { row in
            PendingNotification(
                id: row["id"], recipient: row["recipient"], template: row["template"], sealedContent: row["sealed_content"] ?? "",
                attempts: row["attempts"])
        }
    }

    static func summary(in db: Database) throws -> NotificationOutboxSummary {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM notification_outbox GROUP BY status") {
            counts[row[0]] = row[1]
        }
        let lastError = try String.fetchOne(
            db, sql: "SELECT last_error FROM notification_outbox WHERE last_error IS NOT NULL ORDER BY next_attempt_at DESC, id DESC LIMIT 1")
        return NotificationOutboxSummary(
            pending: counts["pending"] ?? 0, sent: counts["sent"] ?? 0, failed: counts["failed"] ?? 0, expired: counts["expired"] ?? 0,
            lastError: lastError)
    }

    /// When the next pending message falls due, if any.
    static func nextDue(in db: Database) throws -> Date? {
        try String.fetchOne(db, sql: "SELECT min(next_attempt_at) FROM notification_outbox WHERE status = 'pending'")
            .flatMap(UTCTimestamp.parse)
    }
}
