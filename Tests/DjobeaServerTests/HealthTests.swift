import DjobeaServer
import DjobeaStore
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
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(json?["node_id"] as? String == database.nodeId)
                #expect(json?["role"] as? String == "hub")
                #expect(json?["schema_version"] as? Int == NodeDatabase.latestSchemaVersion)
                let counts = json?["row_counts"] as? [String: Int]
                #expect(counts?["providers"] == 0)
                #expect(counts?["change_log"] == 0)
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
                let body = try JSONDecoder().decode(APIErrorBody.self, from: Data(buffer: response.body))
                #expect(body.error.code == "not_found")
                #expect(body.error.message == "Ressource introuvable.")
            }
        }
    }
}
