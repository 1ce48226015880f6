import Crypto
import DjobeaDomain
import Foundation
import GRDB

/// A login factor whose wrong answers are counted.
enum AuthFactor: String, Sendable {
    case password, totp
}

/// Rows of `auth_failures` (hub-local, never synced): the I/O side of `LockoutPolicy`.
enum AuthFailureRecords {
    /// The row key of an account: its provider id, else a hash of the email that matched nobody.
    static func subject(providerId: String?, email: String) -> String {
        if let providerId { return subject(providerId: providerId) }
        let normalized = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return "email:" + Hex.encode(SHA256.hash(data: Array(normalized.utf8)))
    }

    static func subject(providerId: String) -> String { "provider:\(providerId)" }

    static func state(subject: String, factor: AuthFactor, in db: Database) throws -> FailureState {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT failures, lockouts, locked_until, last_failure_at FROM auth_failures WHERE subject = ? AND factor = ?",
                arguments: [subject, factor.rawValue])
        else { return FailureState() }
        return FailureState(
            failures: row["failures"], lockouts: row["lockouts"], lockedUntil: (row["locked_until"] as String?).flatMap(UTCTimestamp.parse),
            lastFailureAt: (row["last_failure_at"] as String?).flatMap(UTCTimestamp.parse))
    }

    /// Counts one wrong answer and returns the new state (locked or not).
    @discardableResult
    static func recordFailure(subject: String, factor: AuthFactor, policy: LockoutPolicy, now: Date, in db: Database) throws -> FailureState {
        let next = policy.afterFailure(try state(subject: subject, factor: factor, in: db), now: now)
        try db.execute(
            sql: """
                INSERT INTO auth_failures (subject, factor, failures, lockouts, locked_until, last_failure_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (subject, factor) DO UPDATE SET failures = excluded.failures, lockouts = excluded.lockouts,
                    locked_until = excluded.locked_until, last_failure_at = excluded.last_failure_at
                """,
            arguments: [
                subject, factor.rawValue, next.failures, next.lockouts, next.lockedUntil.map(UTCTimestamp.format),
                UTCTimestamp.format(now),
            ])
        // Rows of accounts nobody got wrong for a long time say nothing any more.
        try db.execute(
            sql: "DELETE FROM auth_failures WHERE last_failure_at < ? AND (locked_until IS NULL OR locked_until < ?)",
            arguments: [UTCTimestamp.format(now.addingTimeInterval(-policy.failureMemory)), UTCTimestamp.format(now)])
        return next
    }

    /// A right answer: the count starts again from zero.
    static func clear(subject: String, factor: AuthFactor, in db: Database) throws {
        try db.execute(sql: "DELETE FROM auth_failures WHERE subject = ? AND factor = ?", arguments: [subject, factor.rawValue])
    }
}
