import DjobeaDomain
import DjobeaReplication
import Foundation
import GRDB

/// The SQLite adapter of the sync core's storage interface (`ReplicaStorage`): GRDB stays here.
extension NodeDatabase: ReplicaStorage {
    public var replicaClock: LockedValue<HybridLogicalClock> { clock }

    public var syncedColumns: [SyncedTable: Set<String>] { schema.columns }

    public func replicaSchemaVersion() throws -> Int { try schemaVersion() }

    public func replicaRead<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T {
        try await read { db in try body(SQLiteReplicaConnection(db: db)) }
    }

    /// One immediate write transaction with foreign keys not enforced and change capture open.
    ///
    /// Changes arrive in the sender's causal order, so parents normally come first; but a parent this node refuses
    /// (a merge rule, a uniqueness conflict such as one client phone registered at two nodes) would otherwise make the
    /// whole batch fail at commit, again at every retry, and wedge the link. Rows whose parent is missing are kept
    /// and complete when the parent arrives; the refusal itself is recorded as a conflict for ops.
    public func replicaWrite<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T {
        try await writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
            var result: T?
            try db.inTransaction(.immediate) {
                try CaptureGuard.open(db)
                defer { try? CaptureGuard.close(db) }
                let connection = SQLiteReplicaConnection(db: db) { now in
                    SyncedTransaction(db: db, origin: self.nodeId, schema: self.schema, clock: self.clock, now: now)
                }
                result = try body(connection)
                return .commit
            }
            guard let result else { throw StoreError.invalid("replica write produced no result") }
            return result
        }
    }
}

extension NodeDatabase {
    public func localWrite<T: Sendable>(critical: Bool, now: Date, _ body: @escaping @Sendable (any ChangeLoggedWrites) throws -> T)
        async throws -> T
    {
        try await write(durability: critical ? .critical : .standard, now: now) { tx in try body(tx) }
    }
}

/// One SQLite transaction seen through `ReplicaConnection`.
final class SQLiteReplicaConnection: ReplicaConnection {
    let db: Database
    /// Makes the transaction's own change-logged writer (for `insertOwn`), once; nil on a read.
    private let makeOwner: ((Date) -> SyncedTransaction)?
    private var owner: SyncedTransaction?

    init(db: Database, makeOwner: ((Date) -> SyncedTransaction)? = nil) {
        self.db = db
        self.makeOwner = makeOwner
    }

    /// Inside a local change-logged write: derived rows go through it, so its sequence numbers stay consecutive.
    init(transaction: SyncedTransaction) {
        db = transaction.db
        makeOwner = nil
        owner = transaction
    }

    func query(_ sql: String, _ arguments: [ColumnValue]) throws -> [ReplicaRow] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments.map(\.databaseValue)))
        guard let first = rows.first else { return [] }
        let names = Array(first.columnNames)
        return rows.map { row in ReplicaRow(names: names, values: row.databaseValues.map(ColumnValue.init)) }
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: [ColumnValue]) throws -> Int {
        do {
            try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(arguments.map(\.databaseValue)))
            return db.changesCount
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw ReplicaConstraintViolation(message: error.message ?? "constraint")
        }
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        try db.inSavepoint {
            result = try body()
            return .commit
        }
        guard let result else { throw StoreError.invalid("savepoint produced no result") }
        return result
    }

    /// SQLite has one writer at a time: a transaction's log entries become visible at its commit, after every entry of
    /// the transactions committed before it, so local sequence order is commit order.
    func appendLog(_ change: RowChange, recordedAt: String, quarantined: Bool, held: Bool) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO change_log (origin_node, origin_seq, hlc, table_name, row_key, op, columns, recorded_at, quarantined, held)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            change.originNode, change.originSeq, change.hlc.packed, change.table, change.key, change.operation.rawValue,
            ColumnValuesJSON.encode(change.columns), recordedAt, quarantined ? 1 : 0, held ? 1 : 0,
        ])
    }

    /// `INSERT OR REPLACE`: its implicit delete fires no delete trigger (recursive triggers are off), and it is an insert,
    /// so the table's no-update and no-delete triggers let it through.
    func replaceAppendOnly(_ table: SyncedTable, columns: [String], values: [ColumnValue]) throws {
        try execute(
            "INSERT OR REPLACE INTO \(table.rawValue) (\(columns.joined(separator: ", "))) VALUES (\(databaseQuestionMarks(count: columns.count)))",
            values)
    }

    func insertOwn(_ table: SyncedTable, _ values: ColumnValues, now: Date) throws {
        if owner == nil, let makeOwner { owner = makeOwner(now) }
        guard let owner else { throw StoreError.invalid("a read cannot write \(table.rawValue)") }
        try owner.insert(table, values)
    }
}
