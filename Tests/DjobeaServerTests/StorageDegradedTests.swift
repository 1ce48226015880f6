import DjobeaServer
import DjobeaStore
import DjobeaSync
import DjobeaTestSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Storage that refuses writes (disk full, read-only, I/O errors) is told: a French 503 with a stable code and
/// `Retry-After` for the write, nothing half-written, `/healthz` degraded and a gauge in `/metrics` until a write commits.
@Suite("Degraded storage: 503, healthz degraded, metrics gauge", .serialized)
struct StorageDegradedTests: ReadsJSONResponses {
    struct Central {
        let storage: NodeStorage

        var directory: URL { storage.directory.url }
        var database: NodeDatabase { storage.database }

        /// A central on a real file with zone a (from an enrolment) and the service catalogue.
        static func make() async throws -> Central {
            let storage = try NodeStorage.temporary("storage", role: .central)
            try await IntakeStore(storage.database).seedReferenceData()
            _ = try await storage.database.enrolHub(name: "Hub A", zoneCodes: ["zone-a"])
            return Central(storage: storage)
        }

        /// The sync exchange and the platform API; the probe waits an hour: the test decides when storage is tried again.
        func application() -> some ApplicationProtocol {
            let configuration = storage.configuration()
            let logger = configuration.logger(role: .central)
            return Node(
                role: .central, configuration: configuration, storage: storage, logger: logger,
                central: CentralServices(sync: CentralSyncService(database: database, logger: logger), apiKey: SyncedNodes.apiKey),
                storageProbeInterval: .seconds(3600)
            ).application()
        }

        /// A new request for zone a, with a description long enough to need fresh pages soon.
        func intake(_ client: some TestClientProtocol, _ index: Int) async throws -> TestResponse {
            let body: [String: Any] = [
                "zone": "zone-a", "service": "plomberie", "urgency": "urgent",
                "description": "Fuite \(index) : " + String(repeating: "l'eau coule sous l'évier de la cuisine. ", count: 90),
                "address": "Bonamoussadi, carrefour Kotto", "client_name": "Client \(index)",
                "client_phone": "+2376770\(String(format: "%05d", index))",
            ]
            return try await client.execute(
                uri: "/central/requests", method: .post,
                headers: [.authorization: "Bearer \(SyncedNodes.apiKey)", .contentType: "application/json"],
                body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }

        func counts() throws -> [String: Int] {
            try database.rowCounts()
        }
    }

    static func gauge(_ metrics: String, _ reason: String) -> String? {
        metrics.split(separator: "\n").first { $0.hasPrefix("djobea_storage_degraded{reason=\"\(reason)\"}") }.flatMap {
            $0.split(separator: " ").last.map(String.init)
        }
    }

    @Test("a full disk (SQLITE_FULL through max_page_count): 503 stockage_plein, nothing written, healthz degraded, gauge; a write clears it")
    func diskFull() async throws {
        let node = try await Central.make()
        defer { try? FileManager.default.removeItem(at: node.directory) }
        try await node.application().test(.live) { client in
            let healthy = try await client.execute(uri: "/healthz", method: .get)
            #expect(healthy.status == .ok)
            #expect(try decode(NodeHealth.self, healthy).status == "ok")
            // The file may not grow: the next write needing a new page fails with SQLITE_FULL, as on a full disk.
            try await node.database.writer.writeWithoutTransaction { db in
                let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                try db.execute(sql: "PRAGMA max_page_count = \(pages)")
            }
            var refused: TestResponse?
            var before: [String: Int] = [:]
            for index in 1...200 {
                before = try node.counts()
                let response = try await node.intake(client, index)
                if response.status != .created {
                    refused = response
                    break
                }
            }
            let response = try #require(refused, "the file filled up within 200 requests")
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "30")
            let error = try decode(APIErrorBody.self, response).error
            #expect(error.code == "stockage_plein")
            #expect(error.message.hasPrefix("Stockage plein"))
            #expect(error.message.contains("Rien n'a été enregistré"))
            #expect(try node.counts() == before, "the refused write left nothing behind (request, client, change log)")

            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .serviceUnavailable)
            #expect(health.headers[.retryAfter] == "30")
            let body = try decode(NodeHealth.self, health)
            #expect(body.status == "degraded")
            let storage = try #require(body.storage)
            #expect(storage.reason == "full")
            #expect(storage.code == "stockage_plein")
            #expect(storage.message.hasPrefix("Stockage plein"))
            #expect(!storage.since.isEmpty)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("# TYPE djobea_storage_degraded gauge"))
            #expect(Self.gauge(metrics, "full") == "1")
            #expect(Self.gauge(metrics, "read_only") == "0")

            // Space is freed: the next write goes through, and the node says so.
            try await node.database.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
            #expect(try await node.intake(client, 999).status == .created)
            let recovered = try await client.execute(uri: "/healthz", method: .get)
            #expect(recovered.status == .ok)
            let recoveredHealth = try decode(NodeHealth.self, recovered)
            #expect(recoveredHealth.status == "ok" && recoveredHealth.storage == nil)
            #expect(Self.gauge(String(buffer: try await client.execute(uri: "/metrics", method: .get).body), "full") == "0")
        }
    }

    @Test("a read-only database: 503 stockage_lecture_seule; the probe fails while it lasts and clears the state once writes work")
    func readOnly() async throws {
        let node = try await Central.make()
        defer { try? FileManager.default.removeItem(at: node.directory) }
        try await node.application().test(.live) { client in
            // SQLite refuses every change on the writer with SQLITE_READONLY, as for a file or filesystem made read-only.
            try await node.database.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = 1") }
            let before = try node.counts()
            let response = try await node.intake(client, 1)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] != nil)
            let error = try decode(APIErrorBody.self, response).error
            #expect(error.code == "stockage_lecture_seule")
            #expect(error.message.hasPrefix("Stockage en lecture seule"))
            #expect(try node.counts() == before)
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .serviceUnavailable)
            let degraded = try decode(NodeHealth.self, health)
            #expect(degraded.status == "degraded" && degraded.storage?.reason == "read_only")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(Self.gauge(metrics, "read_only") == "1")
            #expect(Self.gauge(metrics, "full") == "0")

            // The periodic probe still fails: still degraded.
            await #expect(throws: DatabaseError.self) { try await node.database.probeStorage() }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .serviceUnavailable)
            // Writable again: the probe's write clears the state without any provider's write.
            try await node.database.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = 0") }
            try await node.database.probeStorage()
            let recovered = try await client.execute(uri: "/healthz", method: .get)
            #expect(recovered.status == .ok)
            #expect(try decode(NodeHealth.self, recovered).status == "ok")
            #expect(Self.gauge(String(buffer: try await client.execute(uri: "/metrics", method: .get).body), "read_only") == "0")
            #expect(try node.counts() == before, "the probe leaves no row behind")
        }
    }

    @Test("which errors are storage failures: SQLite FULL, READONLY and IOERR codes, ENOSPC, EROFS, EIO; not a constraint")
    func classification() {
        #expect(StorageFailure.classify(DatabaseError(resultCode: .SQLITE_FULL)) == .full)
        #expect(StorageFailure.classify(DatabaseError(resultCode: .SQLITE_READONLY_DBMOVED)) == .readOnly)
        #expect(StorageFailure.classify(DatabaseError(resultCode: .SQLITE_IOERR_WRITE)) == .ioError)
        #expect(StorageFailure.classify(DatabaseError(resultCode: .SQLITE_CONSTRAINT)) == nil)
        #expect(StorageFailure.classify(POSIXError(.ENOSPC)) == .full)
        #expect(StorageFailure.classify(POSIXError(.EROFS)) == .readOnly)
        #expect(StorageFailure.classify(POSIXError(.EIO)) == .ioError)
        #expect(StorageFailure.classify(CocoaError(.fileWriteOutOfSpace)) == .full)
        #expect(StorageFailure.classify(CancellationError()) == nil)
        #expect(
            StorageFailure.allCases.map(\.code) == ["stockage_plein", "stockage_lecture_seule", "stockage_erreur_disque", "stockage_injoignable"])
    }
}
