import Foundation
import GRDB

/// A provider as listed for operators (and printed by `djobea demo`).
public struct ProviderListing: Sendable, Hashable {
    public var id: String
    public var name: String
    public var phone: String
    public var services: [String]
}

extension NodeDatabase {
    /// The longest-standing active providers with their services, for operator listings.
    public func providerListing(limit: Int) async throws -> [ProviderListing] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT p.id, p.name, p.phone, group_concat(s.name_fr, ', ') AS services
                    FROM providers p
                    LEFT JOIN provider_services ps ON ps.provider_id = p.id
                    LEFT JOIN services s ON s.id = ps.service_id
                    WHERE p.account_status = 'active'
                    GROUP BY p.id ORDER BY p.joined_at, p.id LIMIT ?
                    """, arguments: [limit]
            ).map { row in
                let services: String? = row["services"]
                return ProviderListing(
                    id: row["id"], name: row["name"], phone: row["phone"],
                    services: services?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? [])
            }
        }
    }
}
