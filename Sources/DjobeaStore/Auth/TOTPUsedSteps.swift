import DjobeaDomain
import Foundation
import GRDB

/// Rows of `totp_used_steps` (hub-local, never synced): the last TOTP time step accepted per provider.
enum TOTPUsedSteps {
    static func last(providerId: String, in db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT last_step FROM totp_used_steps WHERE provider_id = ?", arguments: [providerId])
    }

    /// Marks `step` used; an earlier step never replaces a later one.
    static func use(_ step: Int64, providerId: String, now: Date, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO totp_used_steps (provider_id, last_step, used_at) VALUES (?, ?, ?)
                ON CONFLICT (provider_id) DO UPDATE SET last_step = max(last_step, excluded.last_step), used_at = excluded.used_at
                """,
            arguments: [providerId, step, UTCTimestamp.format(now)])
    }
}
