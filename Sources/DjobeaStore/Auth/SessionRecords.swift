import DjobeaDomain
import Foundation
import GRDB

/// Rows of `provider_sessions` (hub-local). A login starts a family; each refresh revokes the current row and adds
/// its replacement to the family, so a family is the chain of one login's refresh tokens.
enum SessionRecords {
    /// Inserts the row of `session`, which keeps only the hash of its refresh token.
    static func create(_ session: NewSession, now: Date, in db: Database) throws {
        let stamp = UTCTimestamp.format(now)
        try db.execute(
            sql: """
                INSERT INTO provider_sessions (id, provider_id, session_token, family_id, expires_at, created_at, last_activity, user_agent)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                session.id, session.providerId, session.tokenHash, session.familyId, UTCTimestamp.format(session.expiresAt), stamp, stamp,
                session.userAgent.map { String($0.prefix(200)) },
            ])
    }

    /// The row of a refresh token (by its stored hash), revoked or not.
    static func find(tokenHash: String, in db: Database) throws -> StoredSession? {
        try Row.fetchOne(db, sql: "SELECT * FROM provider_sessions WHERE session_token = ?", arguments: [tokenHash]).map(session)
    }

    static func find(id: String, in db: Database) throws -> StoredSession? {
        try Row.fetchOne(db, sql: "SELECT * FROM provider_sessions WHERE id = ?", arguments: [id]).map(session)
    }

    /// Opens `session`: the provider's long-expired rows go, the new row comes.
    static func open(_ session: NewSession, now: Date, in db: Database) throws {
        try purgeExpired(providerId: session.providerId, now: now, in: db)
        try create(session, now: now, in: db)
    }

    /// Deletes a provider's rows that expired over a day ago. Rotated rows are kept until then, so that a stolen
    /// refresh token is recognised as reused for as long as it could have been valid.
    static func purgeExpired(providerId: String, now: Date, in db: Database) throws {
        try db.execute(
            sql: "DELETE FROM provider_sessions WHERE provider_id = ? AND expires_at < ?",
            arguments: [providerId, UTCTimestamp.format(now.addingTimeInterval(-86_400))])
    }

    /// Marks a row rotated: revoked now and replaced by `replacement`.
    static func rotate(id: String, replacement: String, now: Date, in db: Database) throws {
        try db.execute(
            sql: "UPDATE provider_sessions SET revoked_at = ?, replaced_by = ? WHERE id = ?",
            arguments: [UTCTimestamp.format(now), replacement, id])
    }

    /// Revokes every live row of a family (logout, theft detection).
    static func revokeFamily(_ familyId: String, now: Date, in db: Database) throws {
        try db.execute(
            sql: "UPDATE provider_sessions SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
            arguments: [UTCTimestamp.format(now), familyId])
    }

    /// Revokes every live session of a provider (password reset).
    static func revokeAll(providerId: String, now: Date, in db: Database) throws {
        try db.execute(
            sql: "UPDATE provider_sessions SET revoked_at = ? WHERE provider_id = ? AND revoked_at IS NULL",
            arguments: [UTCTimestamp.format(now), providerId])
    }

    /// The live (unrevoked, unexpired) row of the family of session `sessionId`, if the family still lives.
    ///
    /// An access token names the row it was issued with; after a refresh that row is rotated, yet the token stays
    /// good until it expires as long as its family lives. Logout, reuse detection and password reset end the
    /// family, and with it every access token of it.
    static func live(sessionId: String, providerId: String, now: Date, in db: Database) throws -> LiveSession? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT live.id, live.last_activity, p.account_status, \(AuthAccounts.movedToHubColumn)
                        FROM provider_sessions AS issued
                        JOIN provider_sessions AS live ON live.family_id = issued.family_id
                            AND live.revoked_at IS NULL AND live.expires_at > ?
                        JOIN providers AS p ON p.id = live.provider_id
                        WHERE issued.id = ? AND issued.provider_id = ?
                        LIMIT 1
                        """),
                arguments: [UTCTimestamp.format(now), sessionId, providerId])
        else { return nil }
        return LiveSession(
            id: row[0], lastActivity: UTCTimestamp.parse(row[1]) ?? .distantPast, accountActive: (row[2] as String) == "active",
            movedToHub: row[3])
    }

    static func touch(id: String, now: Date, in db: Database) throws {
        try db.execute(sql: "UPDATE provider_sessions SET last_activity = ? WHERE id = ?", arguments: [UTCTimestamp.format(now), id])
    }

    private static func session(_ row: Row) -> StoredSession {
        StoredSession(
            id: row["id"], providerId: row["provider_id"], familyId: row["family_id"],
            expiresAt: UTCTimestamp.parse(row["expires_at"]) ?? .distantPast, revoked: (row["revoked_at"] as String?) != nil,
            replaced: (row["replaced_by"] as String?) != nil, userAgent: row["user_agent"])
    }
}
