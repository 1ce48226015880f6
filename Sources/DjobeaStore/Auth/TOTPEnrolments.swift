import DjobeaDomain
import Foundation
import GRDB

/// Rows of `totp_enrolments` (hub-local): a secret waiting for its first code, sealed like the active one (`SealedSeed`).
enum TOTPEnrolments {
    static func save(providerId: String, secret: String, now: Date, expiresAt: Date, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO totp_enrolments (provider_id, secret, created_at, expires_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (provider_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at,
                    expires_at = excluded.expires_at
                """,
            arguments: [providerId, secret, UTCTimestamp.format(now), UTCTimestamp.format(expiresAt)])
    }

    /// The pending secret of `providerId`, unless it expired.
    static func pending(providerId: String, now: Date, in db: Database) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT secret FROM totp_enrolments WHERE provider_id = ? AND expires_at > ?",
            arguments: [providerId, UTCTimestamp.format(now)])
    }

    static func remove(providerId: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM totp_enrolments WHERE provider_id = ?", arguments: [providerId])
    }
}
