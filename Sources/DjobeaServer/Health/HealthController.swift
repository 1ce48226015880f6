import DjobeaStore
import Foundation
import Hummingbird

/// `GET /healthz`: who this node is and whether its database answers.
struct HealthController: Sendable {
    let database: NodeDatabase

    struct Health: Codable {
        let status: String
        let nodeId: String
        let role: String
        let schemaVersion: Int
        let latestSchemaVersion: Int
        let rowCounts: [String: Int]

        enum CodingKeys: String, CodingKey {
            case status
            case nodeId = "node_id"
            case role
            case schemaVersion = "schema_version"
            case latestSchemaVersion = "latest_schema_version"
            case rowCounts = "row_counts"
        }
    }

    func register(on routes: DocumentedRoutes) {
        routes.add(.get, "/healthz", "État du nœud : identité, rôle, version du schéma, nombre de lignes", response: Health.self) { request, _ in
            let (version, counts) = try await database.healthSnapshot()
            return try JSONResponse.make(
                Health(
                    status: "ok", nodeId: database.nodeId, role: database.role.rawValue, schemaVersion: version,
                    latestSchemaVersion: NodeDatabase.latestSchemaVersion, rowCounts: counts), for: request)
        }
    }
}
