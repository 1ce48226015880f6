import DjobeaDomain
import Foundation

/// Reads of the change log (SPEC.md §2.4), portable SQL.
extension ReplicaConnection {
    static var changeColumns: String { "SELECT origin_node, origin_seq, hlc, table_name, row_key, op, columns" }

    /// Whether the log holds the change `seq` of `origin`.
    public func hasChange(origin: String, seq: Int64) throws -> Bool {
        try exists("SELECT 1 FROM change_log WHERE origin_node = ? AND origin_seq = ?", [.text(origin), .integer(seq)])
    }

    /// The highest sequence number held from `origin` (0 when none).
    public func maxOriginSeq(origin: String) throws -> Int64 {
        try integer("SELECT max(origin_seq) FROM change_log WHERE origin_node = ?", [.text(origin)]) ?? 0
    }

    /// Highest origin sequence number held per origin node.
    public func versionVector() throws -> [String: Int64] {
        var vector: [String: Int64] = [:]
        for row in try query("SELECT origin_node, max(origin_seq) FROM change_log GROUP BY origin_node", []) {
            if let origin = row[0].textValue, let seq = row[1].integerValue { vector[origin] = seq }
        }
        return vector
    }

    /// The last local sequence number of the change log (0 when empty).
    public func logHead() throws -> Int64 {
        try integer("SELECT max(local_seq) FROM change_log") ?? 0
    }

    /// Up to `limit` log entries after `localSeq`, in local order.
    func logPage(after localSeq: Int64, limit: Int) throws -> [LoggedChange] {
        try query(
            "\(Self.changeColumns), local_seq, recorded_at, quarantined, held FROM change_log WHERE local_seq > ? ORDER BY local_seq LIMIT ?",
            [.integer(localSeq), .integer(Int64(limit))]
        ).map(Self.logged(from:))
    }

    /// Every effective change of one row (neither quarantined nor held), in merge order.
    public func rowChanges(table: String, key: String) throws -> [RowChange] {
        try query(
            """
            \(Self.changeColumns) FROM change_log WHERE table_name = ? AND row_key = ? AND quarantined = 0 AND held = 0
            ORDER BY hlc, origin_node, origin_seq
            """, [.text(table), .text(key)]
        ).map(Self.change(from:))
    }

    /// The changes of `origin` after sequence `seq`, in sequence order, at most `limit`.
    public func originChanges(origin: String, after seq: Int64, limit: Int = 5000) throws -> [RowChange] {
        try query(
            "\(Self.changeColumns) FROM change_log WHERE origin_node = ? AND origin_seq > ? ORDER BY origin_seq LIMIT ?",
            [.text(origin), .integer(seq), .integer(Int64(limit))]
        ).map(Self.change(from:))
    }

    /// Held changes stamped at or before `hlc`, in HLC order.
    func heldChanges(upTo hlc: Int64) throws -> [LoggedChange] {
        try query(
            "\(Self.changeColumns), local_seq, recorded_at, quarantined, held FROM change_log WHERE held = 1 AND hlc <= ? ORDER BY hlc",
            [.integer(hlc)]
        ).map(Self.logged(from:))
    }

    func hasHeldChanges() throws -> Bool {
        try exists("SELECT 1 FROM change_log WHERE held = 1")
    }

    /// How many changes of `origin` come after `seq`, and when the oldest was recorded.
    func pendingChanges(origin: String, after seq: Int64) throws -> (count: Int, oldestAt: String?) {
        let row = try query(
            "SELECT count(*), min(recorded_at) FROM change_log WHERE origin_node = ? AND origin_seq > ?", [.text(origin), .integer(seq)]
        ).first
        return (Int(row?[0].integerValue ?? 0), row?[1].textValue)
    }

    static func change(from row: ReplicaRow) throws -> RowChange {
        guard let op = row["op"].textValue, let operation = RowOperation(rawValue: op) else {
            throw ReplicaError.corrupt("change_log: unknown op \(row["op"])")
        }
        guard let origin = row["origin_node"].textValue, let seq = row["origin_seq"].integerValue, let hlc = row["hlc"].integerValue,
            let table = row["table_name"].textValue, let key = row["row_key"].textValue, let json = row["columns"].textValue
        else { throw ReplicaError.corrupt("change_log: incomplete entry") }
        return RowChange(
            originNode: origin, originSeq: seq, hlc: HLC(packed: hlc), table: table, key: key, operation: operation,
            columns: try ColumnValuesJSON.decode(json))
    }

    static func logged(from row: ReplicaRow) throws -> LoggedChange {
        LoggedChange(
            change: try change(from: row), localSeq: row["local_seq"].integerValue ?? 0, recordedAt: row["recorded_at"].textValue ?? "",
            quarantined: row["quarantined"].isTrue, held: row["held"].isTrue)
    }
}

/// Reads and writes of rows by name, portable SQL. Table and column names come from this module's code (the schema),
/// never from a peer: a received change's table is checked against `SyncedTable` first.
extension ReplicaConnection {
    /// The row `key` of a table keyed by `id`, or nil.
    public func row(_ table: String, key: String) throws -> ReplicaRow? {
        try query("SELECT * FROM \(table) WHERE id = ?", [.text(key)]).first
    }

    /// The rows of `table` whose `column` equals `value`, ordered by `orderBy` when given.
    public func rows(_ table: String, where column: String, equals value: ColumnValue, orderBy: String? = nil) throws -> [ReplicaRow] {
        try query("SELECT * FROM \(table) WHERE \(column) = ?\(orderBy.map { " ORDER BY \($0)" } ?? "")", [value])
    }

    /// Every row of `table`.
    public func allRows(_ table: String) throws -> [ReplicaRow] {
        try query("SELECT * FROM \(table)", [])
    }
}

extension ReplicaSQL {
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
