import DjobeaDomain
import Foundation

/// What a change-logged write offers, whichever the storage: `SyncedTransaction` (SQLite, GRDB) and `ReplicaTransaction`
/// (the seam, any storage). Typed records are written through it.
public protocol ChangeLoggedWrites: AnyObject {
    /// The wall time of the transaction.
    var now: Date { get }
    /// This node: the origin of the changes.
    var origin: String { get }
    /// The transaction's connection, for reads and local tables.
    var connection: any ReplicaConnection { get }
    /// A fresh HLC stamp for an event made in this transaction.
    func stamp() -> HLC
    @discardableResult func insert(_ table: SyncedTable, _ values: ColumnValues) throws -> String
    @discardableResult func update(_ table: SyncedTable, key: String, _ changes: ColumnValues) throws -> Bool
    func delete(_ table: SyncedTable, key: String) throws
    func exists(_ table: SyncedTable, key: String) throws -> Bool
}

/// A change-logged write over the storage seam: every insert, update and delete of a synced table made through it is
/// appended to the change log with this node as origin, in the same transaction (DESIGN.md, sync principle 1). It is
/// what `SyncedTransaction` is on SQLite, for any storage; central's own writes use it so that they run on PostgreSQL
/// too.
public final class ReplicaTransaction: ChangeLoggedWrites {
    /// The transaction's connection, for reads and for local (non-synced) tables.
    public let connection: any ReplicaConnection
    /// The wall time of this transaction (`recorded_at`, the clock).
    public let now: Date
    public let origin: String
    let columns: [SyncedTable: Set<String>]
    let clock: LockedValue<HybridLogicalClock>
    private var nextSeq: Int64?
    /// Changes appended by this transaction, in order.
    public private(set) var changes: [RowChange] = []

    public init(storage: any ReplicaStorage, connection: any ReplicaConnection, now: Date) {
        self.connection = connection
        self.now = now
        self.origin = storage.nodeId
        self.columns = storage.syncedColumns
        self.clock = storage.replicaClock
    }

    /// A fresh HLC stamp for an event made in this transaction.
    public func stamp() -> HLC {
        clock.withLock { $0.tick(wall: now) }
    }

    /// Inserts a new row; `values` must contain its `id`. Every given column is logged.
    @discardableResult
    public func insert(_ table: SyncedTable, _ values: ColumnValues) throws -> String {
        guard case .text(let key) = values["id"] ?? .null, DjobeaID.isValid(key) else {
            throw ReplicaError.corrupt("\(table.rawValue): a row needs a valid id")
        }
        try check(table, values.keys)
        let names = values.keys.sorted()
        try connection.execute(
            "INSERT INTO \(table.rawValue) (\(names.joined(separator: ", "))) VALUES (\(ReplicaSQL.placeholders(names.count)))",
            names.map { values[$0] ?? .null })
        try log(table, key: key, .insert, values)
        return key
    }

    /// Updates the given columns of an existing row. Only columns whose value differs are written and logged.
    ///
    /// - Returns: whether anything changed.
    @discardableResult
    public func update(_ table: SyncedTable, key: String, _ changes: ColumnValues) throws -> Bool {
        guard !table.isAppendOnly else { throw ReplicaError.corrupt("\(table.rawValue) is append-only") }
        try check(table, changes.keys)
        let names = changes.keys.filter { $0 != "id" }.sorted()
        guard !names.isEmpty else { return false }
        guard let current = try connection.query("SELECT \(names.joined(separator: ", ")) FROM \(table.rawValue) WHERE id = ?", [.text(key)]).first
        else { throw ReplicaError.corrupt("\(table.rawValue): no row \(key)") }
        var changed: ColumnValues = [:]
        for (index, name) in names.enumerated() where current[index] != changes[name] ?? .null { changed[name] = changes[name] ?? .null }
        guard !changed.isEmpty else { return false }
        let written = changed.keys.sorted()
        try connection.execute(
            "UPDATE \(table.rawValue) SET \(written.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?",
            written.map { changed[$0] ?? .null } + [.text(key)])
        try log(table, key: key, .update, changed)
        return true
    }

    /// Deletes a row and leaves a tombstone.
    public func delete(_ table: SyncedTable, key: String) throws {
        guard !table.isAppendOnly else { throw ReplicaError.corrupt("\(table.rawValue) is append-only") }
        guard try connection.execute("DELETE FROM \(table.rawValue) WHERE id = ?", [.text(key)]) > 0 else {
            throw ReplicaError.corrupt("\(table.rawValue): no row \(key)")
        }
        let change = try log(table, key: key, .delete, [:])
        try connection.execute(
            """
            INSERT INTO tombstones (table_name, row_key, hlc, origin_node, deleted_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (table_name, row_key) DO UPDATE SET hlc = excluded.hlc, origin_node = excluded.origin_node,
                deleted_at = excluded.deleted_at
            """, [.text(table.rawValue), .text(key), .integer(change.hlc.packed), .text(origin), .text(UTCTimestamp.format(now))])
    }

    /// Whether a row exists.
    public func exists(_ table: SyncedTable, key: String) throws -> Bool {
        try connection.exists("SELECT 1 FROM \(table.rawValue) WHERE id = ?", [.text(key)])
    }

    private func check(_ table: SyncedTable, _ names: some Sequence<String>) throws {
        let known = columns[table] ?? []
        for name in names where !known.contains(name) { throw ReplicaError.corrupt("\(table.rawValue) has no column \(name)") }
    }

    @discardableResult
    private func log(_ table: SyncedTable, key: String, _ operation: RowOperation, _ values: ColumnValues) throws -> RowChange {
        let seq = try nextSeq ?? connection.maxOriginSeq(origin: origin) + 1
        nextSeq = seq + 1
        let change = RowChange(
            originNode: origin, originSeq: seq, hlc: stamp(), table: table.rawValue, key: key, operation: operation, columns: values)
        try connection.appendLog(change, recordedAt: UTCTimestamp.format(now), quarantined: false, held: false)
        changes.append(change)
        return change
    }
}
