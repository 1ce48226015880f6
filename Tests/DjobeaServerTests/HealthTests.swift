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
    @Test("healthz answers JSON with node id, role, schema version and row counts")
    func healthz() async throws {
        let database = try NodeDatabase.inMemory(role: .hub)
        let app = buildApplication(settings: ServerSettings(port: 0, role: .hub), database: database, logger: Logger(label: "test"))
        try await app.test(.router) { client in
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
        let database = try NodeDatabase.inMemory(role: .hub)
        let app = buildApplication(settings: ServerSettings(port: 0, role: .hub), database: database, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/nulle-part", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try decode(APIErrorBody.self, response)
                #expect(body.error.code == "not_found")
                #expect(body.error.message == "Ressource introuvable.")
            }
        }
    }
}
