import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite("HTTP behaviour shared by every route")
struct HTTPBehaviourTests {
    /// A hub serving only the node's own routes (health, metrics, OpenAPI), on temporary in-memory storage; the caller
    /// removes its directory.
    func hub() throws -> Node {
        let storage = try NodeStorage.temporary("http", role: .hub, inMemory: true)
        return Node(role: .hub, configuration: storage.configuration(), storage: storage, logger: Logger(label: "test"))
    }

    @Test("a GET carries a strong ETag and a repeat with If-None-Match gets 304 and no body")
    func conditionalGet() async throws {
        let hub = try hub()
        defer { try? FileManager.default.removeItem(at: hub.directory.url) }
        try await hub.application().test(.router) { client in
            let etag = try await client.execute(uri: "/healthz", method: .get) { response -> String in
                #expect(response.status == .ok)
                let tag = try #require(response.headers[.eTag])
                #expect(tag.hasPrefix("\"") && !tag.hasPrefix("W/"))
                return tag
            }
            try await client.execute(uri: "/healthz", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/healthz", method: .get, headers: [.ifNoneMatch: "\"autre\""]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("bodies over 1 KB are gzipped for clients that accept it, and only for them")
    func gzip() async throws {
        let hub = try hub()
        defer { try? FileManager.default.removeItem(at: hub.directory.url) }
        try await hub.application().test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get, headers: [.acceptEncoding: "gzip, deflate"]) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                let bytes = Array(response.body.readableBytesView.prefix(2))
                #expect(bytes == [0x1f, 0x8b], "a gzip stream starts with its magic number")
            }
            try await client.execute(uri: "/openapi.json", method: .get, headers: [.acceptEncoding: "gzip;q=0"]) { response in
                #expect(response.headers[.contentEncoding] == nil)
            }
            try await client.execute(uri: "/healthz", method: .get, headers: [.acceptEncoding: "gzip"]) { response in
                if response.body.readableBytes < 1024 { #expect(response.headers[.contentEncoding] == nil) }
            }
        }
    }

    @Test("every route of the node is in its OpenAPI 3.1 document")
    func everyRouteDocumented() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let (router, docs) = harness.node().routes()
        let routes = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        #expect(!routes.isEmpty)
        let undocumented = routes.subtracting(docs.documentedRoutes)
        #expect(undocumented.isEmpty, "routes missing from /openapi.json: \(undocumented.sorted())")
        let document = try JSONSerialization.jsonObject(with: docs.json()) as? [String: Any]
        #expect(document?["openapi"] as? String == "3.1.0")
        let paths = document?["paths"] as? [String: Any]
        #expect(paths?["/healthz"] != nil)
        #expect(routes.count >= 25, "the provider API is mounted: \(routes.count) routes")
        for seedRoute in [
            "GET /provider/dashboard/stats", "GET /provider/dashboard/chart-data/{period}", "GET /provider/dashboard/notifications",
            "GET /provider/requests", "GET /provider/requests/{request_id}", "PUT /provider/requests/{request_id}/accept",
            "PUT /provider/requests/{request_id}/decline", "PUT /provider/requests/{request_id}/update-status",
            "POST /provider/requests/{request_id}/message", "GET /provider/profile", "PUT /provider/profile", "GET /provider/settings",
            "PUT /provider/settings", "POST /provider/availability", "GET /provider/finance/earnings/{period}", "GET /provider/finance/invoices",
        ] {
            #expect(routes.contains(seedRoute), "the seed's endpoint \(seedRoute) exists")
        }
    }
}
