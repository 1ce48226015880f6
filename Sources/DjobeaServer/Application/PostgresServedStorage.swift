import DjobeaDomain
import DjobeaPostgres
import DjobeaReplication
import DjobeaStore
import Foundation
import Logging

/// Central on PostgreSQL as the node's served storage: the PostgreSQL adapter of the sync seam, plus health, metrics and
/// the storage probe (`ServedStorage`). Several central processes may share its database (each its own pool).
public final class PostgresServedStorage: ServedStorage {
    public let replica: PostgresReplicaStorage
    public let storageHealth = StorageHealth()

    public init(replica: PostgresReplicaStorage) {
        self.replica = replica
    }

    /// Connects to `url` (a pool of `connections`), migrates the database and reads (or writes, on a new database) the
    /// node's identity.
    public static func open(url: String, role: NodeRole, connections: Int = 8, logger: Logger) async throws -> PostgresServedStorage {
        let database = try await PostgresDatabase.connect(url: url, connections: connections, logger: logger)
        do {
            return PostgresServedStorage(replica: try await PostgresReplicaStorage.open(database: database, role: role))
        } catch {
            await database.close()
            throw error
        }
    }

    /// The secret `name` every process of this central shares (`central_secrets`, never synced): the one stored, or
    /// `proposed` if none is yet (the first process to start stores its own).
    public func sharedSecret(name: String, proposed: String, now: Date = Date()) async throws -> String {
        try await bookkeepingWrite { connection in
            _ = try connection.execute(
                "INSERT INTO central_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                [.text(name), .text(proposed), .text(UTCTimestamp.format(now))])
            guard let stored = try connection.scalar("SELECT value FROM central_secrets WHERE name = ?", [.text(name)])?.textValue else {
                throw PostgresDatabaseError.server(sqlState: "P0002", message: "secret \(name) absent", detail: nil, sql: "central_secrets")
            }
            return stored
        }
    }

    /// Gives the pool's connections back.
    public func close() async { await replica.database.close() }

    // MARK: ReplicaStorage, forwarded

    public var nodeId: String { replica.nodeId }
    public var role: NodeRole { replica.role }
    public var replicaClock: LockedValue<HybridLogicalClock> { replica.replicaClock }
    public var syncedColumns: [SyncedTable: Set<String>] { replica.syncedColumns }
    public func replicaSchemaVersion() throws -> Int { try replica.replicaSchemaVersion() }
    public func correctedNow(_ now: Date) -> Date { replica.correctedNow(now) }
    public func noteCentralClockOffset(_ offsetMs: Int64?) { replica.noteCentralClockOffset(offsetMs) }

    public func replicaRead<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T {
        try await recording(clears: false) { try await self.replica.replicaRead(body) }
    }

    public func bookkeepingWrite<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T {
        try await recording { try await self.replica.bookkeepingWrite(body) }
    }

    public func replicaWrite<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T {
        try await recording { try await self.replica.replicaWrite(body) }
    }

    public func localWrite<T: Sendable>(critical: Bool, now: Date, _ body: @escaping @Sendable (any ChangeLoggedWrites) throws -> T)
        async throws -> T
    {
        try await recording { try await self.replica.localWrite(critical: critical, now: now, body) }
    }

    /// Runs a transaction, telling `storageHealth` of the outcome: a storage failure degrades the node; a committed write
    /// clears a degradation (as a SQLite commit does), a read does not (a server whose disk is full still answers reads).
    private func recording<T>(clears: Bool = true, _ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            if clears, storageHealth.degradation != nil { _ = storageHealth.clear() }
            return result
        } catch {
            _ = storageHealth.record(ifStorageFailure: error)
            throw error
        }
    }

    // MARK: ServedStorage

    public var latestSchemaVersion: Int { PostgresSchema.latestVersion }

    public func healthSnapshot() async throws -> (schemaVersion: Int, rowCounts: [String: Int]) {
        (try replicaSchemaVersion(), try await seamRowCounts())
    }

    /// A real write (a full disk or a read-only server refuses it): the node's own identity row, rewritten as it is.
    public func probeStorage(now: Date) async throws {
        _ = try await bookkeepingWrite { connection in try connection.execute("UPDATE node_identity SET role = role", []) }
    }

    /// Central keeps no provider sessions (they live on the hubs): only the earnings series has a value here.
    public func metricsSnapshot(now: Date) async throws -> NodeMetricsSnapshot {
        NodeMetricsSnapshot(activeProviders: 0, earningsFrancs: try await seamEarningsFrancs())
    }
}

extension PostgresDatabaseError: ClassifiedStorageError {
    /// A lost or refused connection, a closed pool or a server going down is `unreachable`; the server's own disk
    /// full (53100), read-only transaction (25006) and I/O error (58030) keep their SQLite counterparts.
    public var storageFailure: StorageFailure? {
        switch self {
        case .connection, .closed: return .unreachable
        case .unsupportedType: return nil
        case .server(let state, _, _, _):
            switch state {
            case "53100": return .full
            case "25006": return .readOnly
            case "58030": return .ioError
            case "57P01", "57P02", "57P03": return .unreachable
            default: return state.hasPrefix("08") ? .unreachable : nil
            }
        }
    }
}
