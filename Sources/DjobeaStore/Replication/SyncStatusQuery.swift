import DjobeaDomain
import DjobeaReplication
import Foundation

/// The change behind one side of a conflict: its origin node, and its sequence number and HLC when known.
public struct ChangeOrigin: Sendable, Equatable {
    public var node: String
    public var seq: Int64?
    public var hlc: Int64?
}

/// One open conflict record (SPEC.md §4.6) as ops reads it.
public struct OpenSyncConflict: Sendable, Equatable {
    public var id: String
    public var table: String
    public var key: String
    public var kind: String
    public var rule: String
    /// `origin_node`, `origin_seq`, `hlc` of the change that won, when one did.
    public var winner: ColumnValues?
    /// The change that lost or was refused (`column` for an `owner_only` refusal, `reason` for a constraint).
    public var loser: ColumnValues?
    /// Who made each side: from the side itself (`origin_node`) or, for a side naming a row (`entry_id`, `event_id`),
    /// from the change that inserted that row.
    public var winnerOrigin: ChangeOrigin?
    public var loserOrigin: ChangeOrigin?
    public var detectedAt: String
}

/// One hub's sync as this node sees it: the link row and what ops derives from the local log.
public struct HubSyncStatus: Sendable, Equatable {
    public var name: String
    public var hubId: String?
    /// Nil for a hub that is enrolled but never redeemed its token (central), or a hub never linked.
    public var link: PeerLinkState?
    /// Central: the hub's credential is revoked.
    public var revoked: Bool
    /// Central: entries of its change log after the hub's cursor that the hub did not make. An upper bound of what
    /// central still has to send: the partition filter is not applied.
    public var pendingToHubEstimate: Int?
    /// Central: of those, the ones in the hub's partition (judged against current rows, as a pull would), when there
    /// are few enough to check (`exactScanLimit`); nil otherwise.
    public var pendingToHubInPartition: Int?
    /// Changes the hub made that central has not acknowledged: as the hub reported at its last pull (central), or
    /// counted in the hub's own log (hub).
    public var pendingFromHub: Int
    /// When the oldest of those was recorded (UTC text), if any.
    public var oldestPendingAt: String?
    /// Open conflicts whose winning or losing change was made by this hub's node (central), or every open conflict
    /// of this node (hub).
    public var openConflicts: Int
    /// Changes received from this hub (central), or by this hub from central (hub), held because they were stamped more
    /// than the maximum clock offset ahead (SPEC.md §2.2): kept, not yet in effect.
    public var heldChanges = 0
    /// When the last of those takes effect if the clocks stay as they are (its stamp minus the maximum offset), UTC.
    public var heldUntil: String?
    /// Central: the codes of the zones the hub serves (for ops to find a hub by its zones), sorted.
    public var zones: [String] = []
}

/// What `/ops/sync-status` shows, read in one transaction.
public struct SyncStatusSnapshot: Sendable, Equatable {
    public var nodeId: String
    public var role: NodeRole
    public var schemaVersion: Int
    public var changeLogHead: Int64
    /// Central: every hub, enrolled or linked. Hub: one entry, itself, with its link to central.
    public var hubs: [HubSyncStatus]
    /// Hub: central's node id, once linked.
    public var centralNodeId: String?
    /// Peer node id → name, to say who made each side of a conflict.
    public var peerNames: [String: String]
    public var openConflicts: Int
    /// The most recent open conflicts, newest first.
    public var recentConflicts: [OpenSyncConflict]
}

/// Ops reads of the sync state (DESIGN.md "Sync protocol" item 9), on any storage: local tables only, portable SQL.
extension ReplicaStorage {
    /// The sync status of this node and of each hub it knows.
    ///
    /// - Parameters:
    ///   - hubName: on a hub, its name (from its enrolment); ignored on central.
    ///   - hubId: on a hub, its hub id; ignored on central.
    ///   - conflictLimit: how many open conflicts to list.
    ///   - exactScanLimit: central counts the changes due to a hub exactly only when at most this many log entries
    ///     follow its cursor.
    public func syncStatus(hubName: String? = nil, hubId: String? = nil, conflictLimit: Int = 100, exactScanLimit: Int = 5_000) async throws
        -> SyncStatusSnapshot
    {
        let (nodeId, role, schemaVersion) = (self.nodeId, self.role, try self.replicaSchemaVersion())
        return try await replicaRead { db in
            let openConflicts = Int(try db.query("SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL", []).first?[0].integerValue ?? 0)
            var peerNames: [String: String] = [:]
            for row in try db.query("SELECT node_id, name FROM peers", []) {
                if let node = row[0].textValue, peerNames[node] == nil { peerNames[node] = row[1].textValue ?? node }
            }
            var snapshot = SyncStatusSnapshot(
                nodeId: nodeId, role: role, schemaVersion: schemaVersion, changeLogHead: try db.logHead(), hubs: [], centralNodeId: nil,
                peerNames: peerNames, openConflicts: openConflicts, recentConflicts: try SyncStatusReads.openConflicts(limit: conflictLimit, in: db))
            let held = try SyncStatusReads.heldChanges(in: db)
            switch role {
            case .central:
                let zones = try SyncStatusReads.zoneCodesByHub(in: db)
                snapshot.hubs = try SyncStatusReads.centralHubStatuses(exactScanLimit: exactScanLimit, in: db).map { hub in
                    var hub = hub
                    if let node = hub.link?.nodeId, let (count, until) = held[node] { (hub.heldChanges, hub.heldUntil) = (count, until) }
                    hub.zones = hub.hubId.flatMap { zones[$0] } ?? []
                    return hub
                }
            case .hub:
                let centralLink = try db.query(
                    "SELECT node_id FROM peers WHERE role = \(NodeRole.central.sqlLiteral) ORDER BY last_seen_at DESC", []
                ).first?[0].textValue.flatMap { try db.peerLink(nodeId: $0) }
                snapshot.centralNodeId = centralLink?.nodeId
                let pending = try db.query(
                    "SELECT count(*), min(recorded_at) FROM change_log WHERE origin_node = ? AND origin_seq > ?",
                    [.text(nodeId), .integer(centralLink?.acknowledged ?? 0)]
                ).first
                snapshot.hubs = [
                    HubSyncStatus(
                        name: hubName ?? "Ce hub", hubId: hubId, link: centralLink, revoked: false, pendingToHubEstimate: nil,
                        pendingToHubInPartition: nil, pendingFromHub: Int(pending?[0].integerValue ?? 0), oldestPendingAt: pending?[1].textValue,
                        openConflicts: openConflicts, heldChanges: held.values.map(\.count).reduce(0, +),
                        heldUntil: held.values.map(\.until).max())
                ]
            }
            return snapshot
        }
    }
}

extension ReplicaStorage {
    /// Open conflicts by kind (`mission_*`, `duplicate_transaction`, …): every one, not only the most recent.
    public func openConflictCountsByKind() async throws -> [String: Int] {
        try await replicaRead { db in
            var counts: [String: Int] = [:]
            for row in try db.query("SELECT kind, count(*) FROM sync_conflicts WHERE resolved_at IS NULL GROUP BY kind", []) {
                counts[row[0].textValue ?? "", default: 0] += Int(row[1].integerValue ?? 0)
            }
            return counts
        }
    }
}

enum SyncStatusReads {
    /// Held changes per origin node: how many, and when the last takes effect (its stamp minus the maximum offset).
    static func heldChanges(in db: any ReplicaConnection) throws -> [String: (count: Int, until: String)] {
        var held: [String: (count: Int, until: String)] = [:]
        for row in try db.query("SELECT origin_node, count(*), max(hlc) FROM change_log WHERE held = 1 GROUP BY origin_node", []) {
            guard let node = row[0].textValue, let count = row[1].integerValue, let last = row[2].integerValue else { continue }
            held[node] = (Int(count), UTCTimestamp.format(HLC(packed: last).date.addingTimeInterval(-HybridLogicalClock.maxOffset)))
        }
        return held
    }

    /// Hub id → the codes of its zones, sorted.
    static func zoneCodesByHub(in db: any ReplicaConnection) throws -> [String: [String]] {
        var zones: [String: [String]] = [:]
        for row in try db.query("SELECT hub_id, code FROM zones WHERE hub_id IS NOT NULL ORDER BY code", []) {
            guard let hubId = row[0].textValue, let code = row[1].textValue else { continue }
            zones[hubId, default: []].append(code)
        }
        return zones
    }

    /// Central: one entry per hub, linked ones first by name, then hubs enrolled but not yet linked.
    static func centralHubStatuses(exactScanLimit: Int, in db: any ReplicaConnection) throws -> [HubSyncStatus] {
        let involvement = try conflictsByOrigin(in: db)
        var statuses: [HubSyncStatus] = []
        var linkedHubs = Set<String>()
        let nodes = try db.query("SELECT node_id FROM peers WHERE role = \(NodeRole.hub.sqlLiteral) ORDER BY name, node_id", []).compactMap {
            $0[0].textValue
        }
        for nodeId in nodes {
            guard let link = try db.peerLink(nodeId: nodeId) else { continue }
            if let hubId = link.hubId { linkedHubs.insert(hubId) }
            let after: [ColumnValue] = [.integer(link.peerCursor), .text(nodeId)]
            let estimate = Int(
                try db.query("SELECT count(*) FROM change_log WHERE local_seq > ? AND origin_node <> ?", after).first?[0].integerValue ?? 0)
            var inPartition: Int?
            if let hubId = link.hubId, estimate <= exactScanLimit {
                let partition = try HubPartition(hubId: hubId, connection: db)
                var count = 0
                for row in try db.query(
                    "SELECT table_name, row_key FROM change_log WHERE local_seq > ? AND origin_node <> ? ORDER BY local_seq", after)
                {
                    if let table = row[0].textValue, let key = row[1].textValue, try partition.contains(table: table, key: key) { count += 1 }
                }
                inPartition = count
            }
            let revoked =
                try link.hubId.map {
                    try db.query("SELECT revoked_at FROM hub_credentials WHERE hub_id = ? AND node_id = ?", [.text($0), .text(nodeId)]).first
                        .map { $0[0] != .null } ?? false
                } ?? false
            statuses.append(
                HubSyncStatus(
                    name: link.name, hubId: link.hubId, link: link, revoked: revoked, pendingToHubEstimate: estimate,
                    pendingToHubInPartition: inPartition, pendingFromHub: link.pendingOut, oldestPendingAt: link.oldestPendingAt,
                    openConflicts: involvement[nodeId] ?? 0))
        }
        for row in try db.query("SELECT id, name FROM hubs ORDER BY name", []) {
            guard let hubId = row[0].textValue, !linkedHubs.contains(hubId) else { continue }
            statuses.append(
                HubSyncStatus(
                    name: row[1].textValue ?? hubId, hubId: hubId, link: nil, revoked: false, pendingToHubEstimate: nil,
                    pendingToHubInPartition: nil, pendingFromHub: 0, oldestPendingAt: nil, openConflicts: 0))
        }
        return statuses
    }

    /// Per origin node, how many open conflicts have a side made by it (a conflict between two changes of one node
    /// counts once).
    static func conflictsByOrigin(in db: any ReplicaConnection, limit: Int = 50_000) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for conflict in try openConflicts(limit: limit, in: db) {
            for node in Set([conflict.winnerOrigin?.node, conflict.loserOrigin?.node].compactMap { $0 }) { counts[node, default: 0] += 1 }
        }
        return counts
    }

    /// The change behind one side of a conflict on `table`.
    static func origin(of side: ColumnValues?, table: String, in db: any ReplicaConnection) throws -> ChangeOrigin? {
        guard let side else { return nil }
        if let node = side["origin_node"]?.textValue {
            return ChangeOrigin(node: node, seq: side["origin_seq"]?.integerValue, hlc: side["hlc"]?.integerValue)
        }
        guard let id = ["entry_id", "event_id", "id"].lazy.compactMap({ side[$0]?.textValue }).first,
            let row = try db.query(
                "SELECT origin_node, origin_seq, hlc FROM change_log WHERE table_name = ? AND row_key = ? ORDER BY local_seq LIMIT 1",
                [.text(table), .text(id)]
            ).first, let node = row[0].textValue
        else { return nil }
        return ChangeOrigin(node: node, seq: row[1].integerValue, hlc: row[2].integerValue)
    }

    static func openConflicts(limit: Int, in db: any ReplicaConnection) throws -> [OpenSyncConflict] {
        try db.query(
            """
            SELECT id, table_name, row_key, kind, rule, winner, loser, detected_at FROM sync_conflicts
            WHERE resolved_at IS NULL ORDER BY detected_at DESC, id LIMIT ?
            """, [.integer(Int64(max(0, limit)))]
        ).map { row in
            let table = row["table_name"].textValue ?? ""
            let winner = row["winner"].textValue.flatMap { try? ColumnValuesJSON.decode($0) }
            let loser = row["loser"].textValue.flatMap { try? ColumnValuesJSON.decode($0) }
            return OpenSyncConflict(
                id: row["id"].textValue ?? "", table: table, key: row["row_key"].textValue ?? "", kind: row["kind"].textValue ?? "",
                rule: row["rule"].textValue ?? "", winner: winner, loser: loser, winnerOrigin: try origin(of: winner, table: table, in: db),
                loserOrigin: try origin(of: loser, table: table, in: db), detectedAt: row["detected_at"].textValue ?? "")
        }
    }
}
