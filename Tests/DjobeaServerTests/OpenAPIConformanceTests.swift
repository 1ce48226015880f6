import DjobeaServer
import DjobeaStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Every answer of the provider's GET routes matches the schema its OpenAPI entry publishes.
@Suite("Answers match /openapi.json", .serialized)
struct OpenAPIConformanceTests {
    @Test("each GET of the provider API, on demo data, validates against its documented response schema")
    func getsMatchTheirSchemas() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let phone = try #require(harness.providers.first?.phone)
        try await harness.application().test(.router) { client in
            let token = try await harness.login(client, phone: phone)
            let documentResponse = try await client.execute(uri: "/openapi.json", method: .get)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: documentResponse.body)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let list = try await client.execute(uri: "/provider/requests", method: .get, headers: harness.bearer(token))
            let requestId = try #require(try JSONCoding.decoder.decode(ProviderRequestPage.self, from: Data(buffer: list.body)).items.first?.id)
            let checks: [(String, String)] = [
                ("/provider/dashboard/stats", "/provider/dashboard/stats"),
                ("/provider/dashboard/chart-data/90d", "/provider/dashboard/chart-data/{period}"),
                ("/provider/dashboard/notifications", "/provider/dashboard/notifications"), ("/provider/requests", "/provider/requests"),
                ("/provider/requests/\(requestId)", "/provider/requests/{request_id}"), ("/provider/profile", "/provider/profile"),
                ("/provider/settings", "/provider/settings"), ("/provider/availability", "/provider/availability"),
                ("/provider/absences", "/provider/absences"), ("/provider/finance/earnings/year", "/provider/finance/earnings/{period}"),
                ("/provider/finance/invoices", "/provider/finance/invoices"), ("/healthz", "/healthz"),
                ("/provider/changes?limit=3", "/provider/changes"), ("/provider/changes?since=d:0&limit=3", "/provider/changes"),
                ("/provider/finance/earnings/custom?from=2026-01-01&to=2026-12-31", "/provider/finance/earnings/custom"),
                ("/provider/finance/goal", "/provider/finance/goal"),
            ]
            for (uri, template) in checks {
                let response = try await client.execute(uri: uri, method: .get, headers: harness.bearer(token))
                #expect(response.status == .ok, "\(uri)")
                let operation = paths[template]?["get"] as? [String: Any]
                let success = (operation?["responses"] as? [String: Any])?["200"] as? [String: Any]
                let schema = ((success?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
                let documented = try #require(schema, "\(template) documents its response schema")
                let body = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: response.body))
                let problems = SchemaCheck.problems(body, documented, at: "$")
                #expect(problems.isEmpty, "\(uri): \(problems.prefix(5))")
            }
        }
    }
}

/// A JSON value that keeps booleans, integers and fractions apart (JSONSerialization blurs 0/1 and false/true).
enum JSONValue: Decodable {
    case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}

/// Checks a JSON value against the subset of JSON Schema the document uses (type, properties, required, items, enum).
enum SchemaCheck {
    static func problems(_ value: JSONValue, _ schema: [String: Any], at path: String) -> [String] {
        guard let type = schema["type"] as? String else { return [] }
        switch (type, value) {
        case ("object", .object(let object)):
            var found: [String] = []
            for name in schema["required"] as? [String] ?? [] {
                if case .null = object[name] ?? .null { found.append("\(path).\(name): champ obligatoire absent") }
            }
            for (name, propertySchema) in schema["properties"] as? [String: [String: Any]] ?? [:] {
                if let child = object[name] { found += problems(child, propertySchema, at: "\(path).\(name)") }
            }
            return found
        case ("array", .array(let array)):
            guard let items = schema["items"] as? [String: Any] else { return [] }
            return array.prefix(20).enumerated().flatMap { problems($1, items, at: "\(path)[\($0)]") }
        case ("string", .string(let text)):
            if let values = schema["enum"] as? [String], !values.contains(text) { return ["\(path): « \(text) » hors de \(values)"] }
            return []
        case ("integer", .integer), ("number", .integer), ("number", .number), ("boolean", .bool), (_, .null):
            return []
        default:
            return ["\(path): \(type) attendu, reçu \(value)"]
        }
    }
}
