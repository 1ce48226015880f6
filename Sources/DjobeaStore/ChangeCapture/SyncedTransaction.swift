import DjobeaDomain
import Foundation
import GRDB

/// Errors a store write refuses with, each with a stable code.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownColumn(table: String, column: String)
    case missingKey(table: String)
    case invalidKey(table: String, key: String)
    case rowNotFound(table: String, key: String)
    case appendOnly(table: String)
    case roleMismatch(expected: String, found: String)
    case invalid(String)

    public var code: String {
        switch self {
        case .unknownColumn: "unknown_column"
        case .missingKey: "missing_key"
        case .invalidKey: "invalid_key"
        case .rowNotFound: "row_not_found"
        case .appendOnly: "append_only"
        case .roleMismatch: "role_mismatch"
        case .invalid: "invalid"
        }
    }

    public var description: String {
        switch self {
        case .unknownColumn(let table, let column): "\(table) has no column \(column)"
        case .missingKey(let table): "\(table): a row needs an id"
        case .invalidKey(let table, let key): "\(table): \(key) is not a valid id"
        case .rowNotFound(let table, let key): "\(table): no row \(key)"
        case .appendOnly(let table): "\(table) is append-only"
        case .roleMismatch(let expected, let found): "this data directory belongs to a \(found) node, not a \(expected)"
        case .invalid(let reason): reason
        }
    }
}

/// One write transaction on synced tables: every insert, update and delete made through it is appended to the
/// change log, with this node as origin, in the same SQLite transaction (DESIGN.md, sync principle 1).
public final class SyncedTransaction {
    /// The connection, for reads and for local (non-synced) tables such as projections.
    public let db: Database
    /// The wall time of this transaction, used for `recorded_at` and for the clock. A generator replaying history
    /// moves it forward between writes; the clock stays monotonic whatever it is set to.
    public var now: Date
    public let origin: String
    let schema: SchemaCatalog
    private let clock: LockedValue<HybridLogicalClock>
    private var nextSeq: Int64?
    /// Changes appended by this transaction, in order.
    public private(set) var changes: [RowChange] = []

    init(db: Database, origin: String, schema: SchemaCatalog, clock: LockedValue<HybridLogicalClock>, now: Date) {
        self.db = db
        self.origin = origin
        self.schema = schema
        self.clock = clock
        self.now = now
    }

    /// A fresh HLC stamp for an event made in this transaction.
    public func stamp() -> HLC {
        clock.withLock { $0.tick(wall: now) }
    }

    /// Inserts a new row; `values` must contain its `id`. Every given column is logged.
    @discardableResult
    public func insert(_ table: SyncedTable, _ values: ColumnValues) throws -> String {
        let key = try rowKey(table, values)
        try schema.check(table, columns: values.keys)
        let columns = values.keys.sorted()
        let sql = "INSERT INTO \(table.rawValue) (\(columns.joined(separator: ", "))) VALUES (\(databaseQuestionMarks(count: columns.count)))"
        let statement = try db.cachedStatement(sql: sql)
        try statement.execute(arguments: StatementArguments(columns.map { (values[$0] ?? .null).databaseValue }))
        try appendChange(table: table, key: key, operation: .insert, columns: values)
        return key
    }

    /// Updates the given columns of an existing row. Only columns whose value differs are written and logged.
    ///
    /// - Returns: whether anything changed.
    @discardableResult
    public func update(_ table: SyncedTable, key: String, _ changes: ColumnValues) throws -> Bool {
        if table.isAppendOnly { throw StoreError.appendOnly(table: table.rawValue) }
        try schema.check(table, columns: changes.keys)
        let columns = changes.keys.filter { $0 != "id" }.sorted()
        guard !columns.isEmpty else { return false }
        let select = "SELECT \(columns.joined(separator: ", ")) FROM \(table.rawValue) WHERE id = ?"
        guard let current = try Row.fetchOne(db.cachedStatement(sql: select), arguments: [key]) else {
            throw StoreError.rowNotFound(table: table.rawValue, key: key)
        }
        var changed: ColumnValues = [:]
        for (index, column) in columns.enumerated() {
            let old = ColumnValue(current[index] as DatabaseValue)
            let new = changes[column] ?? .null
            if old != new { changed[column] = new }
        }
        guard !changed.isEmpty else { return false }
        let names = changed.keys.sorted()
        let sql = "UPDATE \(table.rawValue) SET \(names.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?"
        try db.cachedStatement(sql: sql).execute(
            arguments: StatementArguments(names.map { (changed[$0] ?? .null).databaseValue } + [key.databaseValue]))
        try appendChange(table: table, key: key, operation: .update, columns: changed)
        return true
    }

    /// Deletes a row and leaves a tombstone.
    public func delete(_ table: SyncedTable, key: String) throws {
        if table.isAppendOnly { throw StoreError.appendOnly(table: table.rawValue) }
        try db.cachedStatement(sql: "DELETE FROM \(table.rawValue) WHERE id = ?").execute(arguments: [key])
        guard db.changesCount > 0 else { throw StoreError.rowNotFound(table: table.rawValue, key: key) }
        let change = try appendChange(table: table, key: key, operation: .delete, columns: [:])
        try db.execute(
            sql: """
                INSERT INTO tombstones (table_name, row_key, hlc, origin_node, deleted_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (table_name, row_key) DO UPDATE SET hlc = excluded.hlc, origin_node = excluded.origin_node,
                    deleted_at = excluded.deleted_at
                """,
            arguments: [table.rawValue, key, change.hlc.packed, origin, UTCTimestamp.format(now)])
    }

    /// Whether a row exists.
    public func exists(_ table: SyncedTable, key: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM \(table.rawValue) WHERE id = ?)"), arguments: [key]) ?? false
    }

    @discardableResult
    private func appendChange(table: SyncedTable, key: String, operation: RowOperation, columns: ColumnValues) throws -> RowChange {
        let seq: Int64
        if let next = nextSeq {
            seq = next
        } else {
            seq =
                try
                (Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT max(origin_seq) FROM change_log WHERE origin_node = ?"), arguments: [origin]) ?? 0) + 1
        }
        nextSeq = seq + 1
        let change = RowChange(
            originNode: origin, originSeq: seq, hlc: stamp(), table: table.rawValue, key: key, operation: operation, columns: columns)
        try db.cachedStatement(
            sql: """
                INSERT INTO change_log (origin_node, origin_seq, hlc, table_name, row_key, op, columns, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                origin, seq, change.hlc.packed, table.rawValue, key, operation.rawValue, ColumnValuesJSON.encode(columns),
                UTCTimestamp.format(now),
            ])
        changes.append(change)
        return change
    }

    private func rowKey(_ table: SyncedTable, _ values: ColumnValues) throws -> String {
        guard case .text(let key) = values["id"] ?? .null else { throw StoreError.missingKey(table: table.rawValue) }
        guard DjobeaID.isValid(key) else { throw StoreError.invalidKey(table: table.rawValue, key: key) }
        return key
    }
}
