import Foundation
import GRDB

/// A provider as authentication sees it: identity, account status and credentials.
public struct AuthAccount: Sendable {
    public let id: String
    public let phone: String
    public let isActive: Bool
    public let passwordHash: String?
    public let totpSecret: String?
    /// The hub the provider was moved to, when central told this hub that they left it (CONFLICTS.md rule 14).
    public let movedToHub: String?
}

/// Reads of `providers` joined with `provider_credentials`, for authentication.
enum AuthAccounts {
    private static let select = """
        SELECT p.id, p.phone, p.account_status, c.password_hash, c.totp_secret, \(movedToHubColumn) FROM providers AS p
        LEFT JOIN provider_credentials AS c ON c.provider_id = p.id
        """

    /// The name of the hub a provider who left this hub's partition now belongs to (null while they have not left).
    static let movedToHubColumn = """
        (SELECT coalesce(pl.moved_to, (SELECT h.name FROM hubs AS h WHERE h.id = p.hub_id), 'un autre hub') FROM partition_left AS pl
         WHERE pl.table_name = 'providers' AND pl.row_key = p.id) AS moved_to_hub
        """

    static func find(phone: String, in db: Database) throws -> AuthAccount? {
        try Row.fetchOne(db, sql: select + " WHERE p.phone = ?", arguments: [phone]).map(account)
    }

    static func find(id: String, in db: Database) throws -> AuthAccount? {
        try Row.fetchOne(db, sql: select + " WHERE p.id = ?", arguments: [id]).map(account)
    }

    /// Emails are matched without regard to case or surrounding spaces.
    static func find(email: String, in db: Database) throws -> AuthAccount? {
        let normalized = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !normalized.isEmpty else { return nil }
        return try Row.fetchOne(db, sql: select + " WHERE lower(p.email) = ?", arguments: [normalized]).map(account)
    }

    private static func account(_ row: Row) -> AuthAccount {
        AuthAccount(
            id: row[0], phone: row[1], isActive: (row[2] as String) == "active", passwordHash: row[3], totpSecret: row[4],
            movedToHub: row[5])
    }
}
