import Foundation
import GRDB

/// The durable WhatsApp queue's table (`notification_outbox`): messages queued, due, sent, failed or expired.
public struct NotificationOutboxStore: Sendable {
    public let database: NodeDatabase

    public init(_ database: NodeDatabase) {
        self.database = database
    }

    /// Queues a message in its own transaction.
    public func enqueue(_ message: QueuedNotification, now: Date) async throws {
        try await database.writer.write { db in try OutboxRecords.insert(message, now: now, in: db) }
    }

    /// In one transaction: forgets old sent and given-up messages, then marks pending ones past their expiry as
    /// expired; returns how many expired.
    public func purgeAndExpire(now: Date) async throws -> Int {
        try await database.writer.write { db in
            try OutboxRecords.purge(now: now, in: db)
            return try OutboxRecords.expire(now: now, in: db)
        }
    }

    /// Pending messages due at `now`, oldest first.
    public func due(now: Date, limit: Int) async throws -> [PendingNotification] {
        try await database.read { db in try OutboxRecords.due(now: now, limit: limit, in: db) }
    }

    /// Records a message sent, even when the calling task is being cancelled (it would be sent again otherwise).
    public func markSent(id: String, now: Date) async throws {
        try await database.writeOutcome(durability: .standard) { tx in try OutboxRecords.markSent(id: id, now: now, in: tx.db) }
    }

    /// Records a failed attempt, even when the calling task is being cancelled: retried at `retryAt`, or given up
    /// when `retryAt` is nil.
    public func markFailed(id: String, error: String, retryAt: Date?) async throws {
        try await database.writeOutcome(durability: .standard) { tx in
            try OutboxRecords.markFailed(id: id, error: error, retryAt: retryAt, in: tx.db)
        }
    }

    /// Counts by status and the last error.
    public func summary() async throws -> NotificationOutboxSummary {
        try await database.read { db in try OutboxRecords.summary(in: db) }
    }

    /// When the next pending message falls due, if any.
    public func nextDue() async throws -> Date? {
        try await database.read { db in try OutboxRecords.nextDue(in: db) }
    }
}
