import DjobeaDomain
import DjobeaReplication
import Foundation
import PostgresNIO

/// The PostgreSQL adapter of the sync core's storage interface: central at scale, several central processes on one
/// database (DESIGN.md "Central at scale").
///
/// **Writes are serialized by the change log's append lock.** Every write transaction takes
/// `pg_advisory_xact_lock(PostgresChangeLog.appendLockKey)` before anything else and holds it until it ends. Two things
/// follow. Log entries become visible in `local_seq` order (the commit-order rule, `PostgresChangeLog`), and so do
/// `partition_moves` entries. And a merge reads every change committed before it: two processes applying changes to
/// one row at once would otherwise each recompute the row from a set missing the other's changes, and the last commit
/// would win with a wrong row. Reads run at REPEATABLE READ, one snapshot each, and never wait.
///
/// The HLC: each process keeps its own clock. Each write transaction merges into it, under the lock, the stamp of this
/// node's last change in the log, so the stamps of several processes of one node stay monotonic.
public final class PostgresReplicaStorage: ReplicaStorage {
    public let database: PostgresDatabase
    public let nodeId: String
    public let role: NodeRole
    public let replicaClock: LockedValue<HybridLogicalClock>
    public let syncedColumns: [SyncedTable: Set<String>]

    private init(
        database: PostgresDatabase, nodeId: String, role: NodeRole, clock: LockedValue<HybridLogicalClock>, columns: [SyncedTable: Set<String>]
    ) {
        self.database = database
        self.nodeId = nodeId
        self.role = role
        self.replicaClock = clock
        self.syncedColumns = columns
    }

    /// Migrates the database, then reads (or, on a new database, writes) the node's identity. Every process on one
    /// database is the same node.
    ///
    /// - Parameter newNodeId: the node id to take if the database is new (a fresh UUIDv7 otherwise).
    public static func open(database: PostgresDatabase, role: NodeRole, newNodeId: String? = nil) async throws -> PostgresReplicaStorage {
        // Keys and stamps are compared byte by byte on every node (SQLite's BINARY): under a linguistic collation,
        // PostgreSQL would order and pick "the smallest id" differently from the hubs.
        let (collation, byteOrder) = try await database.session { session in
            (
                try session.scalar("SELECT datcollate FROM pg_database WHERE datname = current_database()")?.textValue ?? "?",
                // What the server does, not only what it says (an ICU provider may report "C"): bytes order 'B' first.
                try session.scalar("SELECT CASE WHEN 'B' < 'a' AND 'a' < 'b' AND 'Z' < '_' THEN 1 ELSE 0 END")?.integerValue == 1
            )
        }
        if !["C", "POSIX"].contains(collation) || !byteOrder {
            throw PostgresDatabaseError.server(
                sqlState: "DJ001",
                message:
                    "la base utilise la collation « \(collation) » : le central exige « C » (créez-la avec LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0)",
                detail: nil, sql: "open")
        }
        try await PostgresSchema(database: database).migrate()
        let candidate = newNodeId ?? DjobeaID.v7()
        let (nodeId, lastHLC, columns) = try await database.transaction { session -> (String, Int64, [SyncedTable: Set<String>]) in
            try session.execute(
                """
                INSERT INTO node_identity (singleton, node_id, role, created_at) VALUES (1, $1, $2, $3) ON CONFLICT (singleton) DO NOTHING
                """, [.text(candidate), .text(role.rawValue), .text(UTCTimestamp.format(Date()))])
            let identity = try session.query("SELECT node_id, role FROM node_identity WHERE singleton = 1")
            guard let row = identity.first, let nodeId = row[0].textValue, let found = row[1].textValue else {
                throw PostgresDatabaseError.server(sqlState: "P0002", message: "node_identity est vide", detail: nil, sql: "open")
            }
            guard found == role.rawValue else {
                throw PostgresDatabaseError.server(
                    sqlState: "P0001", message: "cette base appartient à un nœud \(found), pas \(role.rawValue)", detail: nil, sql: "open")
            }
            // Held changes (far in the future, SPEC.md §2.2) never move the clock.
            let last = try session.scalar("SELECT max(hlc) FROM change_log WHERE held = 0")?.integerValue ?? 0
            var columns: [SyncedTable: Set<String>] = [:]
            for row in try session.query(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()")
            {
                if let table = row[0].textValue.flatMap(SyncedTable.init(rawValue:)), let column = row[1].textValue {
                    columns[table, default: []].insert(column)
                }
            }
            return (nodeId, last, columns)
        }
        return PostgresReplicaStorage(
            database: database, nodeId: nodeId, role: role, clock: LockedValue(HybridLogicalClock(last: HLC(packed: lastHLC))), columns: columns)
    }

    /// The PostgreSQL schema's version (its own migrations, `PostgresSchema`).
    public func replicaSchemaVersion() throws -> Int { PostgresSchema.latestVersion }

    /// Central's clock is the reference: no correction.
    public func correctedNow(_ now: Date) -> Date { now }

    public func noteCentralClockOffset(_ offsetMs: Int64?) {}

    public func replicaRead<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T {
        try await database.transaction { session in
            try session.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return try body(PostgresReplicaConnection(session: session, storage: self))
        }
    }

    /// Local tables only: no append lock (a signed request's counter is not held up by the log's writers).
    public func bookkeepingWrite<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T {
        try await database.transaction { session in try body(PostgresReplicaConnection(session: session, storage: self)) }
    }

    public func replicaWrite<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T {
        try await database.transaction { session in
            try session.execute("SELECT pg_advisory_xact_lock($1)", [.integer(PostgresChangeLog.appendLockKey)])
            // Another process of this node may have stamped later than this one's clock: never stamp below it. The clock
            // only moves up to that stamp; the transaction's own time (`localWrite`'s `now`, a merge's) moves it further,
            // never the machine's wall clock here.
            let last = try session.scalar(
                "SELECT hlc FROM change_log WHERE origin_node = $1 ORDER BY origin_seq DESC LIMIT 1", [.text(self.nodeId)])?.integerValue
            if let last {
                self.replicaClock.withLock { clock in
                    if HLC(packed: last) > clock.last { clock = HybridLogicalClock(last: HLC(packed: last)) }
                }
            }
            return try body(PostgresReplicaConnection(session: session, storage: self))
        }
    }
}

extension PostgresReplicaStorage {
    public func localWrite<T: Sendable>(critical: Bool, now: Date, _ body: @escaping @Sendable (any ChangeLoggedWrites) throws -> T)
        async throws -> T
    {
        try await replicaWrite { connection in try body(ReplicaTransaction(storage: self, connection: connection, now: now)) }
    }
}

/// One PostgreSQL transaction seen through `ReplicaConnection`: `?` placeholders become `$n`.
final class PostgresReplicaConnection: ReplicaConnection {
    let session: PostgresSession
    let storage: PostgresReplicaStorage
    private var savepoints = 0

    init(session: PostgresSession, storage: PostgresReplicaStorage) {
        self.session = session
        self.storage = storage
    }

    func query(_ sql: String, _ arguments: [ColumnValue]) throws -> [ReplicaRow] {
        let result = try translating { try session.run(Self.numbered(sql), arguments) }
        var names: [String]?
        return try result.rows.map { row in
            var values: [ColumnValue] = []
            var rowNames: [String] = []
            for cell in row {
                values.append(try PostgresSession.value(cell))
                if names == nil { rowNames.append(cell.columnName) }
            }
            if names == nil { names = rowNames }
            return ReplicaRow(names: names ?? rowNames, values: values)
        }
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: [ColumnValue]) throws -> Int {
        try translating { try session.run(Self.numbered(sql), arguments).metadata.rows ?? 0 }
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepoints += 1
        let name = "replica_\(savepoints)"
        try session.execute("SAVEPOINT \(name)")
        do {
            let value = try body()
            try session.execute("RELEASE SAVEPOINT \(name)")
            return value
        } catch {
            try session.execute("ROLLBACK TO SAVEPOINT \(name)")
            try session.execute("RELEASE SAVEPOINT \(name)")
            throw error
        }
    }

    func appendLog(_ change: RowChange, recordedAt: String, quarantined: Bool, held: Bool) throws {
        try PostgresChangeLog.append(session, change, recordedAt: recordedAt, quarantined: quarantined, held: held)
    }

    /// The table's no-update trigger lets this one statement through (`djobea.replace_append_only`, transaction-local).
    func replaceAppendOnly(_ table: SyncedTable, columns: [String], values: [ColumnValue]) throws {
        let updates = columns.filter { $0 != "id" }.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        try session.execute("SELECT set_config('djobea.replace_append_only', 'on', true)")
        defer { _ = try? session.execute("SELECT set_config('djobea.replace_append_only', 'off', true)") }
        try execute(
            """
            INSERT INTO \(table.rawValue) (\(columns.joined(separator: ", "))) VALUES (\(ReplicaSQL.placeholders(columns.count)))
            ON CONFLICT (id) DO UPDATE SET \(updates)
            """, values)
    }

    func insertOwn(_ table: SyncedTable, _ values: ColumnValues, now: Date) throws {
        try ReplicaTransaction(storage: storage, connection: self, now: now).insert(table, values)
    }

    /// Constraint violations, and values of the wrong type for a column (a peer's row that this schema refuses), become
    /// `ReplicaConstraintViolation`, as SQLite reports them.
    private func translating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let violation as PostgresConstraintViolation {
            throw ReplicaConstraintViolation(message: violation.message)
        } catch PostgresDatabaseError.server(let state, let message, _, _) where ["42804", "22P02", "22003", "23503"].contains(state) {
            throw ReplicaConstraintViolation(message: message)
        }
    }

    /// `?` placeholders (outside string literals) as `$1`, `$2`…
    static func numbered(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var index = 0
        var inLiteral = false
        for character in sql {
            if character == "'" { inLiteral.toggle() }
            if character == "?" && !inLiteral {
                index += 1
                out += "$\(index)"
            } else {
                out.append(character)
            }
        }
        return out
    }
}
