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
        try await recording { try await self.replica.replicaRead(body) }
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

    /// Runs a transaction, telling `storageHealth` of the outcome: a storage failure degrades the node, a success clears
    /// a degradation (as a SQLite commit does).
    private func recording<T>(_ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            if storageHealth.degradation != nil { _ = storageHealth.clear() }
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

    public func probeStorage(now: Date) async throws {
        _ = try await bookkeepingWrite { connection in try connection.execute("SELECT 1", []) }
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
