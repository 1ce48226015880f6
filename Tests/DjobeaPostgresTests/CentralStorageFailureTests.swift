import DjobeaDomain
import DjobeaPostgres
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Central on PostgreSQL when the database misbehaves: a linguistic collation is refused at start, and a server that
/// goes down gives a clear 503 until it is back.
@Suite("Central on PostgreSQL: storage failures", .serialized, .enabled(if: PostgresTestDatabase.isAvailable))
struct CentralStorageFailureTests: ReadsJSONResponses {
    static let apiKey = "cle-de-test-plateforme-postgres"

    static func central(url: String) async throws -> Node {
        let directory = try temporaryDirectory("central-pg-failure")
        var configuration = NodeConfiguration(
            dataDirectory: directory.path,
            environment: ["DJOBEA_OPS_PASSWORD": "mot-de-passe-ops-test", "DJOBEA_API_KEY": apiKey, "LOG_LEVEL": "critical"])
        configuration.postgresURL = url
        return try await Node.build(role: .central, configuration: configuration)
    }

    @Test(
        "the database server goes down: 503 stockage_injoignable with Retry-After, /healthz degraded; back up, central answers, and is healthy after a write"
    )
    func serverGoesDown() async throws {
        let cluster = try ThrowawayCluster()
        defer { cluster.remove() }
        var quiet = try await Self.central(url: cluster.url)
        defer { try? FileManager.default.removeItem(at: quiet.directory.url) }
        // No loop writes behind the test's back: whether storage is called healthy must depend only on the requests
        // below and the explicit probe (under load, a gateway loop's or the 15 s probe's write landed between the
        // database's return and the check, and cleared the degradation before the probe).
        quiet.background = []
        quiet.gateway?.background = []
        quiet.storageProbeInterval = .seconds(3600)
        let node = quiet
        let key: HTTPFields = [.authorization: "Bearer \(Self.apiKey)"]
        let unknown = "/central/requests/01a24f97-ec3e-7281-b342-c6294314b97e"
        try await node.application().test(.router) { client in
            #expect(try await client.execute(uri: unknown, method: .get, headers: key).status == .notFound)
            try cluster.pause()
            let refused = try await client.execute(uri: unknown, method: .get, headers: key)
            #expect(refused.status == .serviceUnavailable, "\(refused.status)")
            #expect(Self.errorCode(refused) == "stockage_injoignable")
            #expect(Self.errorMessage(refused)?.contains("Base de données injoignable") == true)
            #expect(refused.headers[.retryAfter] == "30")
            let intake = try await client.execute(
                uri: "/central/requests", method: .post, headers: key + [.contentType: "application/json"],
                body: ByteBuffer(
                    string:
                        #"{"zone":"akwa","service":"plomberie","urgency":"urgent","description":"x","address":"y","client_name":"z","client_phone":"+237677000999"}"#
                ))
            #expect(intake.status == .serviceUnavailable, "a write is refused the same way, nothing half-done")
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .serviceUnavailable)
            #expect((Self.json(health)["storage"] as? [String: Any])?["code"] as? String == "stockage_injoignable")

            try cluster.resume()
            #expect(try await client.execute(uri: unknown, method: .get, headers: key).status == .notFound)
            // A read answering is not enough to call storage healthy (a full disk still answers reads): the storage
            // probe's write, which a running node makes every 15 s, does.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .serviceUnavailable)
            try await node.served.probeStorage(now: Date())
            let healthy = try await client.execute(uri: "/healthz", method: .get)
            #expect(healthy.status == .ok)
            #expect(node.served.storageHealth.degradation == nil)
        }
        await node.storage.close()
    }

    @Test("a database with a linguistic collation is refused at start, in French, before anything is written")
    func linguisticCollationRefused() async throws {
        guard let cluster = PostgresTestDatabase.clusterURL else { return }
        let name = "djobea_test_collation_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let admin = try await PostgresDatabase.connect(url: cluster, connections: 1, logger: PostgresTestDatabase.logger)
        // en_US may be missing on a minimal system; "C.UTF-8" ships with glibc and is linguistic enough to be refused.
        _ = try await admin.session { try $0.execute("CREATE DATABASE \(name) LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0") }
        var location = try PostgresURL(cluster)
        location.database = name
        let url = "postgresql://\(location.user)@\(location.host):\(location.port)/\(name)"
        do {
            _ = try await Self.central(url: url)
            Issue.record("central started on a C.UTF-8 database")
        } catch {
            #expect("\(error)".contains("collation « C.UTF-8 »"), "\(error)")
        }
        let tables = try await PostgresDatabase.connect(url: url, connections: 1, logger: PostgresTestDatabase.logger)
        let count = try await tables.session { try $0.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")?.integerValue }
        await tables.close()
        #expect(count == 0, "nothing was created")
        _ = try await admin.session { try $0.execute("DROP DATABASE \(name) WITH (FORCE)") }
        await admin.close()
    }
}
