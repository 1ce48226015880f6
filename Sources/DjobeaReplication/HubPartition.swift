import DjobeaDomain
import Foundation

/// What one hub receives (SPEC.md §5): its zones' requests and everything hanging from them, their clients, the
/// providers registered to it and their rows, and the global reference data.
///
/// Membership is decided when central serves a change, against central's current rows (or, for a deleted row, its
/// last image in the change log), so a row that enters a hub's partition later is found by a rescan
/// (CONFLICTS.md rule 14). Results are memoised for the length of one scan. Portable SQL over `ReplicaConnection`.
public final class HubPartition {
    let hubId: String
    private let connection: any ReplicaConnection
    private var providers: [String: Bool] = [:]
    private var requests: [String: Bool] = [:]
    private var clients: [String: Bool] = [:]
    private var parents: [String: String?] = [:]
    let zoneIds: Set<String>

    private var stakes: Set<String>?

    /// Central's node id, when admitting a hub's changes: only central moves a provider between hubs.
    let centralNodeId: String?

    public init(hubId: String, connection: any ReplicaConnection, centralNodeId: String? = nil) throws {
        self.hubId = hubId
        self.connection = connection
        self.centralNodeId = centralNodeId
        zoneIds = Set(try connection.query("SELECT id FROM zones WHERE hub_id = ?", [.text(hubId)]).compactMap { $0[0].textValue })
    }

    /// Whether the row a change touches belongs to this hub.
    public func contains(table: String, key: String) throws -> Bool {
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
            .ledgerEntries, .collections, .creditNotes:
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
    public func admitsFromHub(_ change: RowChange) throws -> Bool {
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
                // A provider ops moved to another hub after this hub's write was made (an accept it had not pushed
                // yet): the row still hangs from this hub's request, so the write stands where the request is.
                let hangsFromOwnRequest = try change.columns["request_id"]?.textValue.map(containsRequest) ?? false
                guard try containsProvider(target) || (hangsFromOwnRequest && wasProvider(target)) else { return false }
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

    public func containsProvider(_ id: String) throws -> Bool {
        if let known = providers[id] { return known }
        let found = try connection.exists(
            """
            SELECT 1 FROM providers WHERE id = ? AND hub_id = ?
            UNION ALL SELECT 1 FROM provider_zones pz JOIN zones z ON z.id = pz.zone_id WHERE pz.provider_id = ? AND z.hub_id = ?
            """, [.text(id), .text(hubId), .text(id), .text(hubId)])
        providers[id] = found
        return found
    }

    /// Whether central ever registered the provider to this hub (a `hub_id` of this hub in central's own changes of the
    /// provider). Only central's changes count: a hub cannot move a provider to itself, not even in the batch being
    /// admitted. No time bound: the hub's clock cannot tell whether it wrote before or after it heard of the move (clocks
    /// are skewed), and such a row hangs from the hub's own request anyway; the fold decides what it is worth.
    func wasProvider(_ id: String) throws -> Bool {
        guard let centralNodeId else { return false }
        return try connection.rowChanges(table: SyncedTable.providers.rawValue, key: id).contains {
            $0.originNode == centralNodeId && $0.columns["hub_id"] == .text(hubId)
        }
    }

    /// A request of one of the hub's zones, or one it holds a stake in (a provider who moved to it, a zone that left it,
    /// SPEC.md §5.1).
    func containsRequest(_ id: String) throws -> Bool {
        if let known = requests[id] { return known }
        var found = owns(zoneId: try column("zone_id", of: SyncedTable.serviceRequests.rawValue, key: id))
        if !found { found = try stakedRequests().contains(id) }
        requests[id] = found
        return found
    }

    func containsClient(_ id: String) throws -> Bool {
        if let known = clients[id] { return known }
        var found = owns(zoneId: try column("zone_id", of: SyncedTable.clients.rawValue, key: id))
        if !found && !zoneIds.isEmpty {
            let zones = zoneIds.sorted()
            found = try connection.exists(
                "SELECT 1 FROM service_requests WHERE client_id = ? AND zone_id IN (\(ReplicaSQL.placeholders(zones.count)))",
                [.text(id)] + zones.map(ColumnValue.text))
        }
        if !found {
            found = try connection.exists(
                """
                SELECT 1 FROM partition_stakes s JOIN service_requests r ON r.id = s.request_id WHERE s.hub_id = ? AND r.client_id = ?
                """, [.text(hubId), .text(id)])
        }
        clients[id] = found
        return found
    }

    /// One column of a row: the current row if it exists, else its last image in the change log (a deleted row).
    func column(_ name: String, of table: String, key: String) throws -> String? {
        let memo = "\(table)/\(key)/\(name)"
        if let known = parents[memo] { return known }
        var value: String?
        if let row = try connection.query("SELECT \(name) FROM \(table) WHERE id = ?", [.text(key)]).first {
            value = row[0].textValue
        } else {
            for change in try connection.rowChanges(table: table, key: key) where change.operation != .delete {
                if let found = change.columns[name] { value = found.textValue }
            }
        }
        parents[memo] = value
        return value
    }

    /// The requests this hub holds a stake in (a provider who moved to it, a zone that left it, SPEC.md §5.1).
    private func stakedRequests() throws -> Set<String> {
        if let stakes { return stakes }
        let rows = try connection.query("SELECT request_id FROM partition_stakes WHERE hub_id = ?", [.text(hubId)])
        let found = Set(rows.compactMap { $0[0].textValue })
        stakes = found
        return found
    }
}
