import DjobeaDomain
import DjobeaPostgres
import DjobeaReplication
import DjobeaStore
import DjobeaSync
import Foundation
import Logging

/// Which storage central runs its sync core on.
enum FleetBackend: String, Sendable, CaseIterable {
    case sqlite
    case postgres
}

/// One central for one configuration: a fresh SQLite file or a fresh PostgreSQL database, its sync service over a timed
/// storage, and how to remove it afterwards.
final class FleetCentral: Sendable {
    let backend: FleetBackend
    /// The adapter itself (setup and intake write through it).
    let storage: any ReplicaStorage
    /// The same adapter with its transactions timed: what the sync service runs on.
    let timed: TimedStorage
    let service: CentralSyncService
    /// PostgreSQL: the pool, the database name, the cluster URL (to drop it), and the postmaster's pid when readable.
    let postgres: PostgresDatabase?
    let databaseName: String?
    let clusterURL: String?
    let postmasterPid: Int32?
    let directory: URL?
    /// PostgreSQL: the server settings that bear on write cost (fsync, synchronous_commit, shared_buffers).
    let settings: String?

    private init(
        backend: FleetBackend, storage: any ReplicaStorage, postgres: PostgresDatabase?, databaseName: String?, clusterURL: String?,
        postmasterPid: Int32?, directory: URL?, settings: String? = nil, logger: Logger
    ) {
        self.backend = backend
        self.storage = storage
        self.timed = TimedStorage(storage)
        self.service = CentralSyncService(storage: timed, logger: logger)
        self.postgres = postgres
        self.databaseName = databaseName
        self.clusterURL = clusterURL
        self.postmasterPid = postmasterPid
        self.directory = directory
        self.settings = settings
    }

    /// A fresh central: a new temporary directory (SQLite) or a new database on the cluster `clusterURL` names.
    static func open(_ backend: FleetBackend, clusterURL: String?, connections: Int, label: String, logger: Logger) async throws -> FleetCentral {
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("djobea-fleet-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let database = try NodeDatabase.open(path: directory.appendingPathComponent("central.sqlite").path, role: .central)
            return FleetCentral(
                backend: backend, storage: database, postgres: nil, databaseName: nil, clusterURL: nil, postmasterPid: nil, directory: directory,
                logger: logger)
        case .postgres:
            guard let clusterURL else { throw FleetError("DJOBEA_TEST_POSTGRES_URL absent : lancez via scripts/with-postgres.sh") }
            let name = "fleet_\(label)_" + String(UUID().uuidString.lowercased().prefix(8))
            try await admin(clusterURL, logger: logger) { try $0.execute("CREATE DATABASE \(name)") }
            var location = try PostgresURL(clusterURL)
            location.database = name
            var url = "postgresql://\(location.user)@\(location.host):\(location.port)/\(name)"
            if let password = location.password { url = "postgresql://\(location.user):\(password)@\(location.host):\(location.port)/\(name)" }
            let database = try await PostgresDatabase.connect(url: url, connections: connections, logger: logger)
            let storage = try await PostgresReplicaStorage.open(database: database, role: .central)
            let dataDirectory = try await database.session { try $0.scalar("SHOW data_directory")?.textValue }
            let settings = try await database.session { session in
                try session.query(
                    "SELECT name || '=' || setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers') ORDER BY name"
                ).compactMap { $0.first?.textValue }.joined(separator: " ")
            }
            return FleetCentral(
                backend: backend, storage: storage, postgres: database, databaseName: name, clusterURL: clusterURL,
                postmasterPid: dataDirectory.flatMap(ProcessStats.postmasterPid(dataDirectory:)), directory: nil, settings: settings, logger: logger)
        }
    }

    /// Closes the pool and drops the database, or removes the SQLite directory.
    func remove(logger: Logger) async {
        if let postgres, let databaseName, let clusterURL {
            await postgres.close()
            try? await Self.admin(clusterURL, logger: logger) { try $0.execute("DROP DATABASE IF EXISTS \(databaseName) WITH (FORCE)") }
        }
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    static func admin(_ cluster: String, logger: Logger, _ body: @escaping @Sendable (PostgresSession) throws -> Void) async throws {
        let admin = try await PostgresDatabase.connect(url: cluster, connections: 1, logger: logger)
        let outcome: Result<Void, any Error>
        do { outcome = .success(try await admin.session(body)) } catch { outcome = .failure(error) }
        await admin.close()
        try outcome.get()
    }
}

/// A bench failure with a French message.
struct FleetError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
