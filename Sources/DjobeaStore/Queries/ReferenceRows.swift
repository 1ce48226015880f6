import DjobeaDomain
import Foundation
import GRDB

/// Which reference rows (a hub, zones, services, the commission rates, the shared message templates) a database
/// already holds, found by their natural keys: for writers that create them only when missing.
public struct ReferenceRows: Sendable, Equatable {
    /// The hub's id, if a hub of that name exists.
    public var hubId: String?
    /// Ids of the zones that exist, by code.
    public var zoneIds: [String: String]
    /// Ids of the services that exist, by code.
    public var serviceIds: [String: String]
    public var hasCommissionRates: Bool
    /// Whether the shared (not provider-owned) message templates exist.
    public var hasSharedTemplates: Bool

    public static func find(hubName: String, zoneCodes: [String], serviceCodes: [String], in db: Database) throws -> ReferenceRows {
        var zones: [String: String] = [:]
        for code in zoneCodes {
            if let id = try String.fetchOne(db, sql: "SELECT id FROM zones WHERE code = ?", arguments: [code]) { zones[code] = id }
        }
        var services: [String: String] = [:]
        for code in serviceCodes {
            if let id = try String.fetchOne(db, sql: "SELECT id FROM services WHERE code = ?", arguments: [code]) { services[code] = id }
        }
        return ReferenceRows(
            hubId: try String.fetchOne(db, sql: "SELECT id FROM hubs WHERE name = ?", arguments: [hubName]), zoneIds: zones,
            serviceIds: services, hasCommissionRates: try Int.fetchOne(db, sql: "SELECT count(*) FROM commission_rates") ?? 0 > 0,
            hasSharedTemplates: try Int.fetchOne(db, sql: "SELECT count(*) FROM message_templates WHERE provider_id IS NULL") ?? 0 > 0)
    }
}
