import DjobeaPostgres
import Foundation
import Logging

/// A fresh PostgreSQL database for one test, on the throwaway cluster `DJOBEA_TEST_POSTGRES_URL` names
/// (scripts/with-postgres.sh). Suites that need one are enabled with `.enabled(if: PostgresTestDatabase.isAvailable)`.
public struct PostgresTestDatabase: Sendable {
    /// The cluster's URL (its `postgres` database), or nil when the variable is not set.
    public static var clusterURL: String? {
        guard let url = ProcessInfo.processInfo.environment["DJOBEA_TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }

    /// Whether a cluster is available to the tests.
    public static var isAvailable: Bool { clusterURL != nil }

    /// The database's name (`djobea_test_` and random hex) and URL.
    public let name: String
    public let url: String
    /// An open pool on it.
    public let database: PostgresDatabase

    /// Runs `body` with a fresh database, migrated unless `migrated` is false, then closes and drops it (also when
    /// `body` throws).
    public static func with<T: Sendable>(
        migrated: Bool = true, connections: Int = 4, _ body: (PostgresTestDatabase) async throws -> T
    ) async throws -> T {
        let cluster = try require(clusterURL, "DJOBEA_TEST_POSTGRES_URL")
        let name = "djobea_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await admin(cluster) { try $0.execute("CREATE DATABASE \(name)") }
        var location = try PostgresURL(cluster)
        location.database = name
        let url = "postgresql://\(location.user)@\(location.host):\(location.port)/\(name)"
        let outcome: Result<T, any Error>
        do {
            let database = try await PostgresDatabase.connect(url: url, connections: connections, logger: logger)
            do {
                if migrated { try await PostgresSchema(database: database).migrate() }
                outcome = .success(try await body(PostgresTestDatabase(name: name, url: url, database: database)))
            } catch {
                outcome = .failure(error)
            }
            await database.close()
        } catch {
            outcome = .failure(error)
        }
        try await admin(cluster) { try $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        return try outcome.get()
    }

    public static let logger = Logger(label: "djobea.postgres.test")

    /// Runs `body` outside any transaction on the cluster's `postgres` database (CREATE and DROP DATABASE).
    private static func admin(_ cluster: String, _ body: @escaping @Sendable (PostgresSession) throws -> Void) async throws {
        let admin = try await PostgresDatabase.connect(url: cluster, connections: 1, logger: logger)
        do {
            try await admin.session(body)
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }
}

/// `#require` for an optional outside Swift Testing's macros: the value, or an error naming what is missing.
private func require<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw PostgresTestDatabaseMissing(what: what) }
    return value
}

private struct PostgresTestDatabaseMissing: Error, CustomStringConvertible {
    let what: String
    var description: String { "\(what) is not set: run the test through scripts/with-postgres.sh" }
}
