import DjobeaDomain
import Foundation

/// A slice of central's change log for one hub (SPEC.md §3, pull).
public struct HubFeedSlice: Sendable, Equatable {
    /// The changes to send, in central's local order (a causal order: parents before children).
    public var changes: [RowChange]
    /// The last local sequence number examined, sent or filtered out: the hub's next cursor.
    public var through: Int64
    /// Whether more of the log remains after `through`.
    public var more: Bool
    /// Encoded size estimate of `changes`, in bytes.
    public var bytes: Int
}

/// Rows that moved partition, as one hub is told (CONFLICTS.md rule 14).
public struct PartitionLeaves: Sendable, Equatable {
    /// The head of central's moves log told so far.
    public var head: Int64
    /// Rows now outside the hub's partition: `[table, key]`, or `[table, key, new hub name]` for a provider.
    public var left: [[String]]
    /// Rows back inside it: `[table, key]`.
    public var back: [[String]]
}

/// The reads of the exchange (SPEC.md §3): the hub's feed from central's log, a hub's own changes, version vectors.
extension ReplicaStorage {
    /// Highest origin sequence number held per origin node.
    public func versionVector() async throws -> [String: Int64] {
        try await replicaRead { try $0.versionVector() }
    }

    /// The last local sequence number of the change log (0 when empty).
    public func changeLogHead() async throws -> Int64 {
        try await replicaRead { try $0.logHead() }
    }

    /// Central: the changes after `cursor` that belong to `hubId`'s partition, not made by `excludingOrigin` (the
    /// hub itself), up to about `maxBytes` of encoded changes and at most `maxScan` log entries examined.
    ///
    /// A `service_requests` insert brings its client's changes along (a client may enter the partition only through
    /// that request, after the client's own changes were examined); the receiver applies each change once.
    public func hubFeed(hubId: String, excludingOrigin: String, after cursor: Int64, maxBytes: Int, maxScan: Int = 20_000) async throws
        -> HubFeedSlice
    {
        try await replicaRead { connection in
            let partition = try HubPartition(hubId: hubId, connection: connection)
            var slice = HubFeedSlice(changes: [], through: cursor, more: false, bytes: 0)
            var sent = Set<ChangeKey>()
            var scanned = 0
            scan: while scanned < maxScan {
                let page = try connection.logPage(after: slice.through, limit: 500)
                if page.isEmpty { break }
                for entry in page {
                    let change = entry.change
                    scanned += 1
                    // Quarantined and held changes are never served (a held one is re-logged at the head when released).
                    if !entry.quarantined, !entry.held, change.originNode != excludingOrigin,
                        try partition.contains(table: change.table, key: change.key)
                    {
                        var bundle: [RowChange] = []
                        if change.table == SyncedTable.serviceRequests.rawValue, change.operation == .insert,
                            let client = change.columns["client_id"]?.textValue
                        {
                            bundle = try connection.rowChanges(table: SyncedTable.clients.rawValue, key: client).filter {
                                $0.originNode != excludingOrigin
                            }
                        }
                        bundle.append(change)
                        let fresh = bundle.filter { !sent.contains(ChangeKey($0)) }
                        let size = fresh.reduce(0) { $0 + ReplicaSQL.estimatedSize($1) }
                        if !slice.changes.isEmpty, slice.bytes + size > maxBytes {
                            slice.more = true
                            break scan
                        }
                        for item in fresh { sent.insert(ChangeKey(item)) }
                        slice.changes += fresh
                        slice.bytes += size
                    }
                    slice.through = entry.localSeq
                    if scanned >= maxScan { break }
                }
            }
            if !slice.more { slice.more = slice.through < (try connection.logHead()) }
            return slice
        }
    }

    /// Hub: this node's own changes with an origin sequence after `originSeq`, up to about `maxBytes`.
    public func ownChanges(after originSeq: Int64, maxBytes: Int) async throws -> (changes: [RowChange], more: Bool) {
        let origin = nodeId
        return try await replicaRead { connection in
            let page = try connection.originChanges(origin: origin, after: originSeq, limit: 5000)
            var changes: [RowChange] = []
            var bytes = 0
            for change in page {
                let size = ReplicaSQL.estimatedSize(change)
                if !changes.isEmpty, bytes + size > maxBytes { return (changes, true) }
                changes.append(change)
                bytes += size
            }
            return (changes, page.count == 5000)
        }
    }

    /// Hub: how many of its own changes central has not acknowledged, and when the oldest was made.
    public func pendingOwnChanges(acknowledged: Int64) async throws -> (count: Int, oldestAt: String?) {
        let origin = nodeId
        return try await replicaRead { try $0.pendingChanges(origin: origin, after: acknowledged) }
    }

    /// Central: the rows that moved (zone or hub change) after `movesSeen`, split into those now outside `hubId`'s
    /// partition (they left it, CONFLICTS.md rule 14) and those inside (they are fed, and any earlier "left" mark at the
    /// hub is lifted), and the head of the moves log.
    public func partitionLeaves(hubId: String, after movesSeen: Int64) async throws -> PartitionLeaves {
        try await replicaRead { connection in
            let head = try connection.integer("SELECT coalesce(max(seq), 0) FROM partition_moves") ?? 0
            guard head > movesSeen else { return PartitionLeaves(head: head, left: [], back: []) }
            let partition = try HubPartition(hubId: hubId, connection: connection)
            var leaves = PartitionLeaves(head: head, left: [], back: [])
            var seen = Set<String>()
            let rows = try connection.query(
                "SELECT seq, table_name, row_key FROM partition_moves WHERE seq > ? ORDER BY seq LIMIT 5000", [.integer(movesSeen)])
            // A large move (a whole zone) is told in parts: the hub's next pull continues after the last move told.
            if rows.count == 5000, let last = rows.last?[0].integerValue { leaves.head = last }
            for row in rows {
                guard let table = row[1].textValue, let key = row[2].textValue, seen.insert("\(table)/\(key)").inserted else { continue }
                if try partition.contains(table: table, key: key) {
                    leaves.back.append([table, key])
                } else if table == SyncedTable.providers.rawValue,
                    let hub = try connection.scalar("SELECT h.name FROM providers p JOIN hubs h ON h.id = p.hub_id WHERE p.id = ?", [.text(key)])?
                        .textValue
                {
                    // A provider who moved: the old hub learns where, to tell them at login (SPEC.md §5.1).
                    leaves.left.append([table, key, hub])
                } else {
                    leaves.left.append([table, key])
                }
            }
            return leaves
        }
    }

    /// A digest of what a hub's partition is made of (its zones, its providers, and the head of `partition_moves`, the
    /// log of rows that changed zone): when it changes, central re-feeds the hub from the start of its log
    /// (CONFLICTS.md rule 14; the hub applies each change once).
    public func partitionFingerprint(hubId: String) async throws -> String {
        try await replicaRead { connection in
            let hub: [ColumnValue] = [.text(hubId)]
            let zones = try connection.query("SELECT id FROM zones WHERE hub_id = ?", hub).compactMap { $0[0].textValue }.sorted()
            let providers = try connection.query(
                """
                SELECT id FROM providers WHERE hub_id = ?
                UNION SELECT pz.provider_id FROM provider_zones pz JOIN zones z ON z.id = pz.zone_id WHERE z.hub_id = ?
                """, hub + hub
            ).compactMap { $0[0].textValue }.sorted()
            let moves = try connection.integer("SELECT coalesce(max(seq), 0) FROM partition_moves") ?? 0
            let stakes = try connection.integer("SELECT count(*) FROM partition_stakes WHERE hub_id = ?", hub) ?? 0
            return HubTokens.sha256((zones + ["|"] + providers + ["|", String(moves), "|", String(stakes)]).joined(separator: ","))
        }
    }
}

/// A change's identity: its origin and the origin's sequence number.
struct ChangeKey: Hashable {
    let origin: String
    let seq: Int64

    init(_ change: RowChange) {
        origin = change.originNode
        seq = change.originSeq
    }
}
