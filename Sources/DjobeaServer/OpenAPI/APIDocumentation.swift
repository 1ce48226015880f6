import DjobeaStore
import Foundation
import Synchronization

/// One documented operation of the node's HTTP API.
public struct APIOperation: Sendable {
    public struct Parameter: Sendable {
        public var name: String
        public var location: String
        public var required: Bool
        public var description: String
        public var enumValues: [String]?
        public var type: String

        public init(
            _ name: String, in location: String = "query", required: Bool = false, type: String = "string", enum enumValues: [String]? = nil,
            _ description: String
        ) {
            self.name = name
            self.location = location
            self.required = required
            self.description = description
            self.enumValues = enumValues
            self.type = type
        }
    }

    public var method: String
    /// The OpenAPI path, e.g. `/provider/requests/{request_id}`.
    public var path: String
    public var summary: String
    public var tag: String
    public var authenticated: Bool
    public var parameters: [Parameter]
    /// A schema maker, so that schemas are built only when the document is.
    public var requestSchema: (@Sendable () -> [String: Any])?
    public var responseSchema: (@Sendable () -> [String: Any])?
    public var successStatus: Int
    /// Stable error codes this operation may answer, for the document's description.
    public var errorCodes: [String]
    /// Media types of a success that is a file (a PDF, a spreadsheet) rather than JSON.
    public var fileTypes: [String] = []
}

/// The OpenAPI 3.1 document of a node, filled as routes are registered.
public final class APIDocumentation: Sendable {
    private let operations = Mutex<[APIOperation]>([])
    public let title: String

    public init(title: String) {
        self.title = title
    }

    public func add(_ operation: APIOperation) {
        operations.withLock { $0.append(operation) }
    }

    /// `METHOD /path` of every documented operation, in the router's `{name}` path form.
    public var documentedRoutes: Set<String> {
        operations.withLock { Set($0.map { "\($0.method.uppercased()) \($0.path)" }) }
    }

    /// The document as JSON.
    public func json() throws -> Data {
        let operations = self.operations.withLock { $0 }
        var paths: [String: [String: Any]] = [:]
        for operation in operations {
            var entry: [String: Any] = [
                "summary": operation.summary, "tags": [operation.tag],
                "operationId": operation.method.lowercased()
                    + operation.path.replacingOccurrences(of: "/", with: "_")
                    .replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: ""),
            ]
            if operation.authenticated { entry["security"] = [["bearerAuth": [String]()]] }
            if !operation.parameters.isEmpty {
                entry["parameters"] = operation.parameters.map { parameter -> [String: Any] in
                    var schema: [String: Any] = ["type": parameter.type]
                    if let values = parameter.enumValues { schema["enum"] = values }
                    return [
                        "name": parameter.name, "in": parameter.location, "required": parameter.required || parameter.location == "path",
                        "description": parameter.description, "schema": schema,
                    ]
                }
            }
            if let schema = operation.requestSchema {
                entry["requestBody"] = ["required": true, "content": ["application/json": ["schema": schema()]]]
            }
            var responses: [String: Any] = [:]
            var success: [String: Any] = ["description": "Succès"]
            if let schema = operation.responseSchema { success["content"] = ["application/json": ["schema": schema()]] }
            if !operation.fileTypes.isEmpty {
                success["content"] = Dictionary(
                    operation.fileTypes.map { ($0, ["schema": ["type": "string", "format": "binary"]]) }, uniquingKeysWith: { first, _ in first })
            }
            responses[String(operation.successStatus)] = success
            responses["4XX"] = [
                "description": "Erreur : " + (operation.errorCodes.isEmpty ? "voir le code" : operation.errorCodes.joined(separator: ", ")),
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]],
            ]
            if operation.method.uppercased() != "GET" {
                // Any write may meet storage that refuses it (APIError.storageUnavailable); nothing is written then.
                responses["503"] = [
                    "description": "Stockage indisponible, rien n'a été enregistré (Retry-After) : "
                        + StorageFailure.allCases.map(\.code).joined(separator: ", "),
                    "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]],
                ]
            }
            entry["responses"] = responses
            paths[operation.path, default: [:]][operation.method.lowercased()] = entry
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": ["title": title, "version": "1", "description": "API du nœud Djobea Edge. Messages d'erreur en français."],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearerAuth": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]],
                "schemas": [
                    "Error": [
                        "type": "object", "required": ["error"],
                        "properties": [
                            "error": [
                                "type": "object", "required": ["code", "message"],
                                "properties": ["code": ["type": "string"], "message": ["type": "string"]],
                            ]
                        ],
                    ]
                ],
            ],
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
    }
}
