import DjobeaDomain
import Foundation
import GRDB

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

/// Reads of the change log that sync needs, over generic rows (`RowChange`): the narrow storage interface of
/// DESIGN.md "Central at scale". Plain SQL, portable to PostgreSQL.
extension NodeDatabase {
    /// Highest origin sequence number held per origin node.
    public func versionVector() async throws -> [String: Int64] {
        try await read { db in try Self.versionVector(db) }
    }

    static func versionVector(_ db: Database) throws -> [String: Int64] {
        var vector: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT origin_node, max(origin_seq) AS seq FROM change_log GROUP BY origin_node") {
            vector[row["origin_node"]] = row["seq"]
        }
        return vector
    }

    /// The last local sequence number of the change log (0 when empty).
    public func changeLogHead() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT max(local_seq) FROM change_log") ?? 0 }
    }

    /// Central: the changes after `cursor` that belong to `hubId`'s partition, not made by `excludingOrigin` (the
    /// hub itself), up to about `maxBytes` of encoded changes and at most `maxScan` log entries examined.
    ///
    /// A `service_requests` insert brings its client's changes along (a client may enter the partition only through
    /// that request, after the client's own changes were examined); the receiver applies each change once.
    public func hubFeed(hubId: String, excludingOrigin: String, after cursor: Int64, maxBytes: Int, maxScan: Int = 20_000) async throws
        -> HubFeedSlice
    {
        try await read { db in
            let partition = try HubPartition(hubId: hubId, db: db)
            var slice = HubFeedSlice(changes: [], through: cursor, more: false, bytes: 0)
            var sent = Set<ChangeKey>()
            var scanned = 0
            let page = 500
            scan: while scanned < maxScan {
                let rows = try Row.fetchAll(
                    db.cachedStatement(
                        sql: "\(Self.changeColumns), local_seq, quarantined, held FROM change_log WHERE local_seq > ? ORDER BY local_seq LIMIT ?"),
                    arguments: [slice.through, page])
                if rows.isEmpty { break }
                for row in rows {
                    let change = try Self.change(from: row)
                    let localSeq: Int64 = row["local_seq"]
                    // Quarantined and held changes are never served (a held one is re-logged at the head when released).
                    let isQuarantined: Bool = row["quarantined"]
                    let isHeld: Bool = row["held"]
                    let quarantined = isQuarantined || isHeld
                    scanned += 1
                    if !quarantined, change.originNode != excludingOrigin, try partition.contains(table: change.table, key: change.key) {
                        var bundle: [RowChange] = []
                        if change.table == SyncedTable.serviceRequests.rawValue, change.operation == .insert,
                            let client = change.columns["client_id"]?.textValue
                        {
                            bundle = try Self.rowChanges(table: SyncedTable.clients.rawValue, key: client, in: db)
                                .filter { $0.originNode != excludingOrigin }
                        }
                        bundle.append(change)
                        let fresh = bundle.filter { !sent.contains(ChangeKey($0)) }
                        let size = fresh.reduce(0) { $0 + Self.estimatedSize($1) }
                        if !slice.changes.isEmpty, slice.bytes + size > maxBytes {
                            slice.more = true
                            break scan
                        }
                        for item in fresh { sent.insert(ChangeKey(item)) }
                        slice.changes += fresh
                        slice.bytes += size
                    }
                    slice.through = localSeq
                    if scanned >= maxScan { break }
                }
            }
            if !slice.more {
                let head = try Int64.fetchOne(db, sql: "SELECT max(local_seq) FROM change_log") ?? 0
                slice.more = slice.through < head
            }
            return slice
        }
    }

    /// Hub: this node's own changes with an origin sequence after `originSeq`, up to about `maxBytes`.
    public func ownChanges(after originSeq: Int64, maxBytes: Int) async throws -> (changes: [RowChange], more: Bool) {
        try await read { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: "\(Self.changeColumns) FROM change_log WHERE origin_node = ? AND origin_seq > ? ORDER BY origin_seq LIMIT 5000"),
                arguments: [self.nodeId, originSeq])
            var changes: [RowChange] = []
            var bytes = 0
            for row in rows {
                let change = try Self.change(from: row)
                let size = Self.estimatedSize(change)
                if !changes.isEmpty, bytes + size > maxBytes { return (changes, true) }
                changes.append(change)
                bytes += size
            }
            return (changes, rows.count == 5000)
        }
    }

    /// Every change of one row, in merge order.
    static func rowChanges(table: String, key: String, in db: Database) throws -> [RowChange] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    \(changeColumns) FROM change_log WHERE table_name = ? AND row_key = ? AND quarantined = 0 AND held = 0
                    ORDER BY hlc, origin_node, origin_seq
                    """),
            arguments: [table, key]
        ).map(change(from:))
    }

    static let changeColumns = "SELECT origin_node, origin_seq, hlc, table_name, row_key, op, columns"

    static func change(from row: Row) throws -> RowChange {
        let op: String = row["op"]
        guard let operation = RowOperation(rawValue: op) else { throw StoreError.invalid("change_log: unknown op \(op)") }
        return RowChange(
            originNode: row["origin_node"], originSeq: row["origin_seq"], hlc: HLC(packed: row["hlc"]), table: row["table_name"],
            key: row["row_key"], operation: operation, columns: try ColumnValuesJSON.decode(row["columns"]))
    }

    /// A cheap upper bound of a change's encoded size, for batching.
    static func estimatedSize(_ change: RowChange) -> Int {
        var size = 64 + change.key.utf8.count + change.table.utf8.count
        for (name, value) in change.columns {
            size += name.utf8.count + 4
            switch value {
            case .null: size += 4
            case .integer: size += 20
            case .text(let text): size += text.utf8.count + 2
            }
        }
        return size
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

extension NodeDatabase {
    /// Central: the rows that moved (zone or hub change) after `movesSeen`, split into those now outside `hubId`'s
    /// partition (they left it, CONFLICTS.md rule 14) and those inside (they are fed, and any earlier "left" mark at the
    /// hub is lifted), and the head of the moves log.
    public func partitionLeaves(hubId: String, after movesSeen: Int64) async throws -> (head: Int64, left: [[String]], back: [[String]]) {
        try await read { db in
            let head = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM partition_moves") ?? 0
            guard head > movesSeen else { return (head, [], []) }
            let partition = try HubPartition(hubId: hubId, db: db)
            var left: [[String]] = []
            var back: [[String]] = []
            var seen = Set<String>()
            let rows = try Row.fetchAll(
                db, sql: "SELECT seq, table_name, row_key FROM partition_moves WHERE seq > ? ORDER BY seq LIMIT 5000", arguments: [movesSeen])
            // A large move (a whole zone) is told in parts: the hub's next pull continues after the last move told.
            let told: Int64 = rows.count == 5000 ? rows[rows.count - 1]["seq"] : head
            for row in rows {
                let table: String = row["table_name"]
                let key: String = row["row_key"]
                guard seen.insert("\(table)/\(key)").inserted else { continue }
                if try partition.contains(table: table, key: key) {
                    back.append([table, key])
                } else if table == SyncedTable.providers.rawValue,
                    let hub = try String.fetchOne(
                        db, sql: "SELECT h.name FROM providers p JOIN hubs h ON h.id = p.hub_id WHERE p.id = ?", arguments: [key])
                {
                    // A provider who moved: the old hub learns where, to tell them at login (SPEC.md §5.1).
                    left.append([table, key, hub])
                } else {
                    left.append([table, key])
                }
            }
            return (told, left, back)
        }
    }
}

extension NodeDatabase {
    /// This node's own updates of `table`, in log order (HLC, then sequence): changes it made itself, never a peer's
    /// nor one it quarantined or holds.
    public func ownUpdates(of table: SyncedTable) async throws -> [(key: String, columns: ColumnValues)] {
        let node = nodeId
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT row_key, columns FROM change_log
                    WHERE table_name = ? AND op = \(RowOperation.update.sqlLiteral) AND origin_node = ? AND quarantined = 0 AND held = 0
                    ORDER BY hlc, origin_seq
                    """, arguments: [table.rawValue, node]
            ).map { row in (key: row["row_key"] as String, columns: try ColumnValuesJSON.decode(row["columns"])) }
        }
    }
}
