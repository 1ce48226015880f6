import Foundation
import GRDB

/// A provider as authentication sees it: identity, account status and credentials.
struct ProviderAccount: Sendable {
    let id: String
    let phone: String
    let isActive: Bool
    let passwordHash: String?
    let totpSecret: String?
    /// The hub the provider was moved to, when central told this hub that they left it (CONFLICTS.md rule 14).
    let movedToHub: String?

    /// Why this account may not log in here, if it may not: moved to another hub, or suspended.
    var refusal: AuthError? {
        if let movedToHub { return .accountMoved(hubName: movedToHub) }
        return isActive ? nil : .accountSuspended
    }

    private static let select = """
        SELECT p.id, p.phone, p.account_status, c.password_hash, c.totp_secret, \(movedToHubColumn) FROM providers AS p
        LEFT JOIN provider_credentials AS c ON c.provider_id = p.id
        """

    /// The name of the hub a provider who left this hub's partition now belongs to (null while they have not left).
    static let movedToHubColumn = """
        (SELECT coalesce(pl.moved_to, (SELECT h.name FROM hubs AS h WHERE h.id = p.hub_id), 'un autre hub') FROM partition_left AS pl
         WHERE pl.table_name = 'providers' AND pl.row_key = p.id) AS moved_to_hub
        """

    static func find(phone: String, in db: Database) throws -> ProviderAccount? {
        try Row.fetchOne(db, sql: select + " WHERE p.phone = ?", arguments: [phone]).map(account)
    }

    static func find(id: String, in db: Database) throws -> ProviderAccount? {
        try Row.fetchOne(db, sql: select + " WHERE p.id = ?", arguments: [id]).map(account)
    }

    /// Emails are matched without regard to case or surrounding spaces.
    static func find(email: String, in db: Database) throws -> ProviderAccount? {
        let normalized = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !normalized.isEmpty else { return nil }
        return try Row.fetchOne(db, sql: select + " WHERE lower(p.email) = ?", arguments: [normalized]).map(account)
    }

    private static func account(_ row: Row) -> ProviderAccount {
        ProviderAccount(
            id: row[0], phone: row[1], isActive: (row[2] as String) == "active", passwordHash: row[3], totpSecret: row[4],
            movedToHub: row[5])
    }
}
