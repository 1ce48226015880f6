import DjobeaDomain
import Foundation
import GRDB

/// Rows of `otp_challenges` (hub-local): one per code sent, or per code that would have been sent to a phone that
/// is not a provider's, so that both cost the same.
enum OTPChallenges {
    /// Rows older than this are deleted when a new code is made: they no longer count towards any send limit.
    static let retention: TimeInterval = 2 * 86_400

    /// Seconds until a new code may be sent to `phone`, or nil if one may be sent now.
    static func retryAfter(phone: String, limits: [OTPSendLimit], now: Date, in db: Database) throws -> Int? {
        var wait: TimeInterval = 0
        for limit in limits where limit.count > 0 {
            let recent = try String.fetchAll(
                db,
                sql: "SELECT created_at FROM otp_challenges WHERE phone = ? AND created_at > ? ORDER BY created_at DESC LIMIT ?",
                arguments: [phone, UTCTimestamp.format(now.addingTimeInterval(-limit.window)), limit.count])
            guard recent.count >= limit.count, let oldest = recent.last.flatMap(UTCTimestamp.parse) else { continue }
            wait = max(wait, oldest.addingTimeInterval(limit.window).timeIntervalSince(now))
        }
        return wait > 0 ? max(1, Int(wait.rounded(.up))) : nil
    }

    /// Stores a new challenge; earlier unused codes of the same purpose die, so only the latest code works.
    static func insert(
        id: String, phone: String, purpose: String, codeHash: String, expiresAt: Date, now: Date, in db: Database
    ) throws {
        let stamp = UTCTimestamp.format(now)
        try db.execute(
            sql: "DELETE FROM otp_challenges WHERE created_at < ?", arguments: [UTCTimestamp.format(now.addingTimeInterval(-retention))])
        try db.execute(
            sql: "UPDATE otp_challenges SET consumed_at = ? WHERE phone = ? AND purpose = ? AND consumed_at IS NULL",
            arguments: [stamp, phone, purpose])
        try db.execute(
            sql: """
                INSERT INTO otp_challenges (id, phone, purpose, code_hash, attempts, expires_at, created_at)
                VALUES (?, ?, ?, ?, 0, ?, ?)
                """,
            arguments: [id, phone, purpose, codeHash, UTCTimestamp.format(expiresAt), stamp])
    }

    /// The most recent challenge for `phone` and `purpose`.
    static func latest(phone: String, purpose: String, in db: Database) throws -> OTPChallenge? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT id, code_hash, attempts, expires_at, consumed_at FROM otp_challenges
                    WHERE phone = ? AND purpose = ? ORDER BY created_at DESC, id DESC LIMIT 1
                    """,
                arguments: [phone, purpose])
        else { return nil }
        return OTPChallenge(
            id: row["id"], codeHash: row["code_hash"], attempts: row["attempts"],
            expiresAt: UTCTimestamp.parse(row["expires_at"]) ?? .distantPast, consumed: (row["consumed_at"] as String?) != nil)
    }

    static func recordAttempt(id: String, in db: Database) throws {
        try db.execute(sql: "UPDATE otp_challenges SET attempts = attempts + 1 WHERE id = ?", arguments: [id])
    }

    static func consume(id: String, now: Date, in db: Database) throws {
        try db.execute(sql: "UPDATE otp_challenges SET consumed_at = ? WHERE id = ?", arguments: [UTCTimestamp.format(now), id])
    }
}
