import DjobeaDomain
import Foundation
import GRDB

/// Rows of `auth_failures` (hub-local, never synced): the I/O side of `LockoutPolicy` (DjobeaAuth).
enum AuthFailureRecords {
    static func state(subject: String, factor: AuthFactor, in db: Database) throws -> AuthFailureState {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT failures, lockouts, locked_until, last_failure_at FROM auth_failures WHERE subject = ? AND factor = ?",
                arguments: [subject, factor.rawValue])
        else { return AuthFailureState() }
        return AuthFailureState(
            failures: row["failures"], lockouts: row["lockouts"], lockedUntil: (row["locked_until"] as String?).flatMap(UTCTimestamp.parse),
            lastFailureAt: (row["last_failure_at"] as String?).flatMap(UTCTimestamp.parse))
    }

    /// Counts one wrong answer and returns the new state (locked or not), as `next` makes it from the current one.
    /// Rows whose last failure is older than `forgetBefore` and that hold no lock are deleted.
    @discardableResult
    static func recordFailure(
        subject: String, factor: AuthFactor, now: Date, forgetBefore: Date, next makeNext: (AuthFailureState) throws -> AuthFailureState,
        in db: Database
    ) throws -> AuthFailureState {
        let next = try makeNext(try state(subject: subject, factor: factor, in: db))
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
            arguments: [UTCTimestamp.format(forgetBefore), UTCTimestamp.format(now)])
        return next
    }

    /// A right answer: the count starts again from zero.
    static func clear(subject: String, factor: AuthFactor, in db: Database) throws {
        try db.execute(sql: "DELETE FROM auth_failures WHERE subject = ? AND factor = ?", arguments: [subject, factor.rawValue])
    }
}
