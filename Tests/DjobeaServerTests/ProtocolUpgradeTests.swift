import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaSync
import DjobeaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// SPEC.md §9.1 over real HTTP on loopback: a central one version ahead of its hubs (simulated: this build's central
/// told to serve 2…1, hubs told to speak 1, 2, 0 or 3) serves the previous version, refuses older hubs with a French
/// 426 and newer ones with a 409; the hub too old keeps serving its providers and says so.
@Suite("Protocol versions between central and hubs over HTTP", .serialized)
struct ProtocolUpgradeTests {
    /// Central at protocol 2, serving 1 and 2.
    static let served = ServedProtocols(current: 2)

    /// `nodes`' central serving `served` (sync and the platform API, as `SyncedNodes.centralNode`).
    static func centralNode(_ nodes: SyncedNodes, served: ServedProtocols) -> Node {
        let configuration = nodes.centralStorage.configuration()
        let logger = configuration.logger(role: .central)
        let sync = CentralSyncService(database: nodes.central, logger: logger, protocols: served)
        return Node(
            role: .central, configuration: configuration, storage: nodes.centralStorage, logger: logger,
            central: CentralServices(sync: sync, apiKey: SyncedNodes.apiKey))
    }

    @Test("a central at protocol 2 syncs both ways with a hub speaking 1 and one speaking 2, and names the versions it serves on every answer")
    func previousVersionServed() async throws {
        let header = try #require(HTTPField.Name(SyncSignature.Header.protocolVersion))
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await Self.centralNode(nodes, served: Self.served).application().test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let linkA = try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: nodes.hubA, protocolVersion: 1)
            let engineA = SyncEngine(
                database: nodes.hubA, client: SyncClient(link: linkA, database: nodes.hubA, protocolVersion: 1), logger: Logger(label: "test.hub"))

            let provider = try await SyncedNodes.post(
                client, "/central/providers",
                ["name": "Jean Plombier", "phone": "+237690000001", "services": ["plomberie"], "zones": ["zone-a"]])
            #expect(provider.status == .created)
            let providerId = try decode(CreatedId.self, provider).id
            let created = try await SyncedNodes.post(
                client, "/central/requests",
                [
                    "zone": "zone-a", "service": "plomberie", "urgency": "urgent", "description": "Fuite sous l'évier",
                    "address": "Bonamoussadi, carrefour Kotto", "client_name": "Awa Ndiaye", "client_phone": "+237677000002",
                ])
            #expect(created.status == .created)
            let requestId = try decode(CreatedId.self, created).id

            // Central → hub at version 1.
            let pulled = try await engineA.syncOnce()
            #expect(pulled.pulled > 0)
            #expect(try SyncedNodes.count(nodes.hubA, "SELECT count(*) FROM service_requests WHERE id = ?", [requestId]) == 1)
            // Hub → central at version 1: the provider accepts at the hub.
            _ = try await nodes.hubA.write { tx in
                _ = try tx.appendMissionEvent(
                    requestId: requestId, kind: .accepted, actorRole: .provider, actorId: providerId, providerId: providerId)
            }
            let pushed = try await engineA.syncOnce()
            #expect(pushed.pushed > 0)
            let status = try await client.execute(
                uri: "/central/requests/\(requestId)", method: .get, headers: [.authorization: "Bearer \(SyncedNodes.apiKey)"])
            #expect(try decode(CentralRequestStatus.self, status).status == "acceptee")
            #expect(try await nodes.central.peerLink(nodeId: nodes.hubA.nodeId)?.protocolVersion == 1, "ops sees the hub's version")

            // A hub already at central's version syncs alike.
            let linkB = try await SyncClient.enroll(centralURL: base, token: nodes.enrolB.token, database: nodes.hubB, protocolVersion: 2)
            let engineB = SyncEngine(
                database: nodes.hubB, client: SyncClient(link: linkB, database: nodes.hubB, protocolVersion: 2), logger: Logger(label: "test.hub"))
            _ = try await engineB.syncOnce()
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM services") > 0)
            #expect(try await nodes.central.peerLink(nodeId: nodes.hubB.nodeId)?.protocolVersion == 2)

            // Every sync answer names the versions served: an accepted one (answered in the hub's version) and a refusal.
            let again = try await client.execute(
                uri: "/sync/v1/enroll", method: .post, headers: [header: "1", .contentType: "application/json"],
                body: ByteBuffer(
                    bytes: try JSONSerialization.data(withJSONObject: [
                        "protocol": 1, "token": nodes.enrolA.token, "node_id": nodes.hubA.nodeId, "schema_version": try nodes.hubA.schemaVersion(),
                    ])))
            #expect(again.status == .ok)
            #expect(again.headers[header] == "2; min=1")
            #expect(try WireCodec.decode(EnrollResponse.self, from: Array(again.body.readableBytesView)).protocolVersion == 1)
            let unsigned = try await client.execute(
                uri: "/sync/v1/pull", method: .post, headers: [header: "1"], body: ByteBuffer(string: "{}"))
            #expect(unsigned.status == .unauthorized)
            #expect(unsigned.headers[header] == "2; min=1")

            // A hub newer than central is told to wait for central's upgrade, before its token is even looked at.
            let tooNew = await #expect(throws: SyncError.self) {
                _ = try await SyncClient.enroll(centralURL: base, token: "jeton-inconnu", database: nodes.hubB, protocolVersion: 3)
            }
            #expect(tooNew?.status == 409)
            #expect(tooNew?.code == "sync_protocol_too_new")
            #expect(tooNew?.messageFR.contains("mettez d'abord à jour le central") == true)
        }
    }

    @Test(
        "a hub two versions behind gets a French 426, waits long before trying again, logs it once, says so on /healthz and /ops, and keeps serving its providers"
    )
    func hubTooOld() async throws {
        let header = try #require(HTTPField.Name(SyncSignature.Header.protocolVersion))
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let hub = harness.database
        let log = RecordedLog()
        let link = try await Self.centralNode(nodes, served: Self.served).application().test(.live) { client -> CentralLink in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            // The refusal itself: 426, the stable code, the French message, the versions served.
            let raw = try await client.execute(
                uri: "/sync/v1/enroll", method: .post, headers: [header: "0", .contentType: "application/json"],
                body: ByteBuffer(string: "{}"))
            #expect(raw.status.code == 426)
            #expect(raw.headers[header] == "2; min=1")
            let refusal = try decode(APIErrorBody.self, raw).error
            #expect(refusal.code == "sync_protocol_too_old")
            #expect(refusal.message.contains("Mettez à jour djobea sur ce hub"))
            #expect(refusal.message.contains("les versions 1 à 2"))

            // Enrolled while it could (version 1), the hub is now left two versions behind: it speaks 0.
            let link = try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: hub, protocolVersion: 1)
            let engine = SyncEngine(
                database: hub, transport: SyncClient(link: link, database: hub, protocolVersion: 0), logger: log.logger,
                interval: .milliseconds(100), tooOldRetry: .seconds(3600))
            let running = Task { await engine.run() }
            defer { running.cancel() }
            #expect(try await eventually(timeout: 60) { try await hub.peerLink(nodeId: link.centralNodeId)?.refusesOldProtocol == true })
            let counter = try await hub.peerLink(nodeId: link.centralNodeId)?.requestCounter
            // Thirty sync intervals: a hub retrying at its rhythm, or at its backoff (1 s, then 2 s, ±25 %), would have
            // asked again by now.
            try await Task.sleep(for: .seconds(3))
            #expect(try await hub.peerLink(nodeId: link.centralNodeId)?.requestCounter == counter, "no new request before the long wait")
            #expect(await engine.protocolTooOld)
            let lastError = try await hub.peerLink(nodeId: link.centralNodeId)?.lastError ?? ""
            #expect(lastError.hasPrefix(protocolTooOldNoticeFR))
            #expect(lastError.contains("protocole de synchronisation 0"))
            #expect(log.count("sync.protocol.too_old") == 1)
            #expect(log.count("sync.round.failed") == 0, "not the warning of a transient failure")
            running.cancel()
            await running.value
            return link
        }

        // The hub serves on: health, its providers, its ops console, each saying what is wrong.
        let hubNode = Node(
            role: .hub, configuration: harness.storage.configuration(), storage: harness.storage, logger: Logger(label: "test"),
            ops: OpsConsole(settings: OpsSettings(password: OpsTests.password, hubName: link.hubName, hubId: link.hubId)),
            provider: harness.services)
        try await hubNode.application().test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok, "the hub works: only its link to central waits for an upgrade")
            let state = try decode(NodeHealth.self, health)
            #expect(state.status == "ok")
            #expect(state.sync?.code == "sync_protocol_too_old")
            #expect(state.sync?.message == protocolTooOldNoticeFR)
            #expect(state.sync?.detail?.contains("Mettez à jour djobea sur ce hub") == true)

            let phone = try #require(harness.providers.first?.phone)
            let token = try await harness.login(client, phone: phone)
            let requests = try await client.execute(uri: "/provider/requests", method: .get, headers: harness.bearer(token))
            #expect(requests.status == .ok, "the provider API answers offline")

            let (_, cookie, _) = try await OpsTests.login(client, password: OpsTests.password)
            let session = try #require(cookie)
            let status = try decode(OpsSyncStatus.self, try await client.execute(uri: "/ops/sync-status", method: .get, headers: [.cookie: session]))
            #expect(status.hubs.first?.status == "error")
            #expect(status.hubs.first?.statusLabel == protocolTooOldNoticeFR)
            let page = String(buffer: try await client.execute(uri: "/ops", method: .get, headers: [.cookie: session]).body)
            #expect(page.contains(protocolTooOldNoticeFR))
        }
    }
}

/// Log messages kept in memory, to count how often something was said.
final class RecordedLog: Sendable {
    private let messages = LockedValue<[String]>([])

    var logger: Logger {
        Logger(label: "test.hub") { _ in RecordingHandler(sink: self) }
    }

    func record(_ message: String) { messages.withLock { $0.append(message) } }

    func count(_ message: String) -> Int { messages.withLock { $0.filter { $0 == message }.count } }

    struct RecordingHandler: LogHandler {
        let sink: RecordedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) { sink.record(event.message.description) }
    }
}
