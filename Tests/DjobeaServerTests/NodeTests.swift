import DjobeaServer
import DjobeaStore
import DjobeaSync
import DjobeaTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// The composition root: central and a hub wired by `Node.build` exactly as `djobea central` and `djobea hub` wire them.
@Suite("Node: one composition root")
struct NodeTests {
    static let environment = ["DJOBEA_OPS_PASSWORD": "mot-de-passe-ops", "DJOBEA_SYNC_INTERVAL": "0.5", "LOG_LEVEL": "error"]

    static func configuration(_ directory: URL) -> NodeConfiguration {
        var configuration = NodeConfiguration(dataDirectory: directory.path, environment: environment)
        configuration.host = "127.0.0.1"
        configuration.port = 0
        return configuration
    }

    @Test("central and a hub built by Node.build: the hub enrols, syncs through its engine and serves its provider API")
    func centralAndHub() async throws {
        let root = try temporaryDirectory("node")
        defer { try? FileManager.default.removeItem(at: root) }
        var centralConfiguration = Self.configuration(root.appendingPathComponent("central"))
        centralConfiguration.apiKey = "cle-de-test-0123456789"
        let central = try await Node.build(role: .central, configuration: centralConfiguration)
        #expect(central.central != nil && central.gateway != nil && central.provider == nil && central.syncEngine == nil)
        #expect(central.apiKey?.value == "cle-de-test-0123456789" && central.apiKey?.file == nil)
        #expect(central.ops.hint == "mot de passe : DJOBEA_OPS_PASSWORD")
        #expect(central.central?.syncInterval == 0.5)
        #expect(central.logger.label == "djobea.central")
        try await central.application().test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let enrolment = try await central.database.enrolHub(name: "Bonamoussadi", zoneCodes: ["makepe"])
            var hubConfiguration = Self.configuration(root.appendingPathComponent("hub"))
            hubConfiguration.centralURL = base
            hubConfiguration.enrollmentToken = enrolment.token
            let announced = Mutex<[String]>([])
            let hub = try await Node.build(role: .hub, configuration: hubConfiguration) { line in announced.withLock { $0.append(line) } }
            #expect(announced.withLock { $0 } == ["Hub enrôlé auprès du central : « Bonamoussadi », zones makepe."])
            #expect(hub.link?.hubName == "Bonamoussadi" && hub.database.homeHubId == hub.link?.hubId)
            #expect(hub.provider != nil && hub.central == nil && hub.gateway == nil && hub.apiKey == nil)
            #expect(hub.background.map(\.name) == ["whatsapp-queue", "offer-routing", "slot-answers", "payment-reminders", "sync"])
            #expect(hub.baseURL(port: 8080) == "http://127.0.0.1:8080")
            let engine = try #require(hub.syncEngine)
            let report = try await engine.syncOnce()
            #expect(report.pulled > 0, "central's service catalogue reached the hub")
            try await hub.application().test(.router) { hubClient in
                let health = try await hubClient.execute(uri: "/healthz", method: .get)
                #expect(health.status == .ok)
                let login = try await hubClient.execute(uri: "/ops/login", method: .get)
                #expect(login.status == .ok, "the hub's ops console is served")
            }
        }
    }

    @Test("a hub given central but no credential nor token is refused with the operator's line")
    func hubWithoutEnrolment() async throws {
        let root = try temporaryDirectory("node")
        defer { try? FileManager.default.removeItem(at: root) }
        var configuration = Self.configuration(root)
        configuration.centralURL = "http://127.0.0.1:9"
        do {
            _ = try await Node.build(role: .hub, configuration: configuration)
            Issue.record("a hub without enrolment should not start")
        } catch let error as NodeStartupError {
            #expect(error.description.hasPrefix("Ce hub n'est pas encore enrôlé"))
        }
        var missing = Self.configuration(root.appendingPathComponent("absent"))
        missing.createDirectory = false
        await #expect(throws: DataDirectoryError.self) { _ = try await Node.build(role: .hub, configuration: missing) }
    }

    @Test("a node from its parts serves only those: a bare hub has health but no provider API nor console; a part set in it is served")
    func fromParts() async throws {
        let storage = try NodeStorage.temporary("node", role: .hub, inMemory: true)
        defer { try? FileManager.default.removeItem(at: storage.directory.url) }
        var hub = Node(role: .hub, configuration: storage.configuration(), storage: storage)
        #expect(hub.provider == nil && hub.syncEngine == nil && hub.background.isEmpty && hub.ops.settings == nil)
        #expect(hub.logger.label == "djobea.hub" && hub.storageProbeInterval == .seconds(15))
        let paths = try Self.paths(hub)
        #expect(paths.contains("/healthz") && !paths.contains { $0.hasPrefix("/provider/") } && !paths.contains("/ops/login"))
        try await hub.application().test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            let login = try await client.execute(uri: "/ops/login", method: .get)
            #expect(health.status == .ok && login.status == .notFound)
        }
        hub.ops = OpsConsole(settings: OpsSettings(password: "mot-de-passe-ops"))
        #expect(try Self.paths(hub).contains("/ops/login"))
        try await hub.application().test(.router) { client in
            let login = try await client.execute(uri: "/ops/login", method: .get)
            #expect(login.status == .ok)
        }
    }

    /// The paths of the node's OpenAPI document.
    static func paths(_ node: Node) throws -> Set<String> {
        let document = try JSONSerialization.jsonObject(with: node.routes().docs.json()) as? [String: Any]
        return Set((document?["paths"] as? [String: Any])?.keys.map { $0 } ?? [])
    }
}
