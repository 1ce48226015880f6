import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite("GET /healthz and error answers")
struct HealthTests {
    /// A hub as `djobea hub` wires it (`Node.build`), its database in memory. The caller removes `directory.url`.
    static func hub() async throws -> Node {
        let storage = try NodeStorage.temporary("health", role: .hub, inMemory: true)
        let environment = ["DJOBEA_OPS_PASSWORD": "mot-de-passe-sante", "LOG_LEVEL": "error"]
        return try await Node.build(role: .hub, configuration: storage.configuration(environment: environment), storage: storage)
    }

    @Test("healthz answers JSON with node id, role, schema version and row counts")
    func healthz() async throws {
        let hub = try await Self.hub()
        defer { try? FileManager.default.removeItem(at: hub.directory.url) }
        let database = hub.database
        try await hub.application().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let health = try decode(NodeHealth.self, response)
                #expect(health.status == "ok" && health.storage == nil)
                #expect(health.nodeId == database.nodeId)
                #expect(health.role == "hub")
                #expect(health.schemaVersion == NodeDatabase.latestSchemaVersion)
                #expect(health.rowCounts["providers"] == 0)
                #expect(health.rowCounts["change_log"] == 0)
            }
        }
    }

    @Test("an unknown route answers a JSON error with a stable code and a French message")
    func unknownRoute() async throws {
        let hub = try await Self.hub()
        defer { try? FileManager.default.removeItem(at: hub.directory.url) }
        try await hub.application().test(.router) { client in
            try await client.execute(uri: "/nulle-part", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try decode(APIErrorBody.self, response)
                #expect(body.error.code == "not_found")
                #expect(body.error.message == "Ressource introuvable.")
            }
        }
    }
}
