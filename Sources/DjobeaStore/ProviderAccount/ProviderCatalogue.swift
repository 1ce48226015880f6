import Foundation
import GRDB

/// What a provider may choose from when editing their profile (`GET /provider/catalogue`): the quarters of their hub
/// and the services on offer.
public struct ProviderCatalogue: Codable, Sendable, Hashable {
    public struct Entry: Codable, Sendable, Hashable {
        public var code: String
        public var name: String
    }

    /// The quarters of the hub(s) the provider's quarters belong to; every known quarter when none is known yet.
    public var zones: [Entry]
    /// Active services, in the catalogue's order.
    public var services: [Entry]
}

extension NodeDatabase {
    public func providerCatalogue(providerId: String) async throws -> ProviderCatalogue {
        try await read { db in
            let hubs = try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT z.hub_id FROM provider_zones pz JOIN zones z ON z.id = pz.zone_id
                    WHERE pz.provider_id = ? AND z.hub_id IS NOT NULL
                    """, arguments: [providerId])
            let zoneRows =
                hubs.isEmpty
                ? try Row.fetchAll(db, sql: "SELECT code, name FROM zones ORDER BY name")
                : try Row.fetchAll(
                    db, sql: "SELECT code, name FROM zones WHERE hub_id IN (\(databaseQuestionMarks(count: hubs.count))) ORDER BY name",
                    arguments: StatementArguments(hubs))
            let serviceRows = try Row.fetchAll(db, sql: "SELECT code, name_fr AS name FROM services WHERE active = 1 ORDER BY sort_order, name_fr")
            let entries = { (rows: [Row]) in rows.map { ProviderCatalogue.Entry(code: $0["code"], name: $0["name"]) } }
            return ProviderCatalogue(zones: entries(zoneRows), services: entries(serviceRows))
        }
    }
}
