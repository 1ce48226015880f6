import DjobeaDomain
import Foundation
import GRDB

/// What one hub receives (SPEC.md §5): its zones' requests and everything hanging from them, their clients, the
/// providers registered to it and their rows, and the global reference data.
///
/// Membership is decided when central serves a change, against central's current rows (or, for a deleted row, its
/// last image in the change log), so a row that enters a hub's partition later is found by a rescan
/// (CONFLICTS.md rule 14). Results are memoised for the length of one scan.
final class HubPartition {
    let hubId: String
    private let db: Database
    private var providers: [String: Bool] = [:]
    private var requests: [String: Bool] = [:]
    private var clients: [String: Bool] = [:]
    private var parents: [String: String?] = [:]
    let zoneIds: Set<String>

    init(hubId: String, db: Database) throws {
        self.hubId = hubId
        self.db = db
        zoneIds = Set(try String.fetchAll(db, sql: "SELECT id FROM zones WHERE hub_id = ?", arguments: [hubId]))
    }

    /// Whether the row a change touches belongs to this hub.
    func contains(table: String, key: String) throws -> Bool {
        guard let synced = SyncedTable(rawValue: table) else { return false }
        switch synced {
        case .hubs, .zones, .services, .commissionRates, .gatewayKeys: return true
        case .messageTemplates, .quoteTemplates:
            guard let provider = try column("provider_id", of: table, key: key) else { return true }
            return try containsProvider(provider)
        case .providers: return try containsProvider(key)
        case .providerCredentials, .providerZones, .providerServices, .providerCertifications, .providerSettings, .pushSubscriptions, .absences,
            .goals, .badges, .notifications:
            guard let provider = try column("provider_id", of: table, key: key) else { return false }
            return try containsProvider(provider)
        case .clients: return try containsClient(key)
        case .serviceRequests: return try containsRequest(key)
        case .requestOffers, .missionEvents, .missionMaterials, .missionWorkSessions, .photos, .ratings, .quotes, .invoices,
            .ledgerEntries:
            guard let request = try column("request_id", of: table, key: key) else { return false }
            return try containsRequest(request)
        case .messages, .callLogs:
            if let request = try column("request_id", of: table, key: key) { return try containsRequest(request) }
            guard let provider = try column("provider_id", of: table, key: key) else { return false }
            return try containsProvider(provider)
        case .quoteLines:
            guard let quote = try column("quote_id", of: table, key: key) else { return false }
            return try contains(table: SyncedTable.quotes.rawValue, key: quote)
        case .invoiceLines, .paymentReminders:
            guard let invoice = try column("invoice_id", of: table, key: key) else { return false }
            return try contains(table: SyncedTable.invoices.rawValue, key: invoice)
        }
    }

    /// Whether central accepts this change from the hub itself: the row must be in the partition as it stands, and the
    /// values the change writes into partition keys (a zone, a parent row, a provider) must point inside it too, so a
    /// hub can neither move its rows into another hub's partition nor attach them to another hub's parents. Global
    /// templates (no provider) are central's: a hub may not write them.
    func admitsFromHub(_ change: RowChange) throws -> Bool {
        guard try contains(table: change.table, key: change.key) else { return false }
        // A gateway's key is its own row: a hub may publish its key, never replace central's or another hub's.
        if change.table == SyncedTable.gatewayKeys.rawValue {
            guard change.key == change.originNode else { return false }
            if let node = change.columns["node_id"], node.textValue != change.originNode { return false }
        }
        if change.table == SyncedTable.messageTemplates.rawValue || change.table == SyncedTable.quoteTemplates.rawValue,
            try column("provider_id", of: change.table, key: change.key) == nil
        {
            return false
        }
        for (column, value) in change.columns {
            guard let target = value.textValue else { continue }
            switch column {
            case "zone_id" where change.table == SyncedTable.serviceRequests.rawValue:
                guard owns(zoneId: target) else { return false }
            case "request_id":
                guard try containsRequest(target) else { return false }
            case "client_id":
                guard try containsClient(target) else { return false }
            case "provider_id" where change.table != SyncedTable.providers.rawValue:
                guard try containsProvider(target) else { return false }
            case "quote_id":
                guard try contains(table: SyncedTable.quotes.rawValue, key: target) else { return false }
            case "invoice_id":
                guard try contains(table: SyncedTable.invoices.rawValue, key: target) else { return false }
            default: continue
            }
        }
        return true
    }

    /// Whether a zone (by id) is one of this hub's.
    func owns(zoneId: String?) -> Bool { zoneId.map(zoneIds.contains) ?? false }

    func containsProvider(_ id: String) throws -> Bool {
        if let known = providers[id] { return known }
        let found =
            try Bool.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM providers WHERE id = ?1 AND hub_id = ?2)
                            OR EXISTS (SELECT 1 FROM provider_zones pz JOIN zones z ON z.id = pz.zone_id
                                       WHERE pz.provider_id = ?1 AND z.hub_id = ?2)
                        """), arguments: [id, hubId]) ?? false
        providers[id] = found
        return found
    }

    /// A request of one of the hub's zones, or one it holds a stake in (a provider who moved to it, a zone that left it,
    /// SPEC.md §5.1).
    func containsRequest(_ id: String) throws -> Bool {
        if let known = requests[id] { return known }
        var found = owns(zoneId: try column("zone_id", of: SyncedTable.serviceRequests.rawValue, key: id))
        if !found {
            found =
                try Bool.fetchOne(
                    db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM partition_stakes WHERE hub_id = ? AND request_id = ?)"),
                    arguments: [hubId, id]) ?? false
        }
        requests[id] = found
        return found
    }

    func containsClient(_ id: String) throws -> Bool {
        if let known = clients[id] { return known }
        var found = owns(zoneId: try column("zone_id", of: SyncedTable.clients.rawValue, key: id))
        if !found && !zoneIds.isEmpty {
            let zones = zoneIds.sorted()
            found =
                try Bool.fetchOne(
                    db,
                    sql:
                        "SELECT EXISTS (SELECT 1 FROM service_requests WHERE client_id = ? AND zone_id IN (\(databaseQuestionMarks(count: zones.count))))",
                    arguments: StatementArguments([id] + zones)) ?? false
        }
        if !found {
            found =
                try Bool.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT EXISTS (SELECT 1 FROM partition_stakes s JOIN service_requests r ON r.id = s.request_id
                                           WHERE s.hub_id = ? AND r.client_id = ?)
                            """), arguments: [hubId, id]) ?? false
        }
        clients[id] = found
        return found
    }

    /// One column of a row: the current row if it exists, else its last image in the change log (a deleted row).
    func column(_ name: String, of table: String, key: String) throws -> String? {
        let memo = "\(table)/\(key)/\(name)"
        if let known = parents[memo] { return known }
        var value: String?
        if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(name) FROM \(table) WHERE id = ?"), arguments: [key]) {
            value = row[0]
        } else {
            let images = try String.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT columns FROM change_log WHERE table_name = ? AND row_key = ? AND op <> \(RowOperation.delete.sqlLiteral) AND quarantined = 0 AND held = 0
                        ORDER BY hlc, origin_node, origin_seq
                        """), arguments: [table, key])
            for json in images {
                if let found = try ColumnValuesJSON.decode(json)[name] { value = found.textValue }
            }
        }
        parents[memo] = value
        return value
    }
}
