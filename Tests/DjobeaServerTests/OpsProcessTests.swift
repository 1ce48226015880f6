import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Central ops, black-box: `djobea central` and two `djobea hub` processes on loopback, hub A behind a TCP proxy the
/// test can cut (the userspace link emulator of `deploy/netem/`, with no delay and no bandwidth limit).
@Suite("Ops actions keep every node in agreement, with real processes", .serialized)
struct OpsProcessTests {
    typealias P = NodeProcess
    static let key = ["Authorization": "Bearer \(P.apiKey)"]

    /// A plain TCP forwarder to central; killing it takes the hub behind it offline.
    final class Link {
        let port: Int
        let target: Int
        private var process: Process?

        init(target: Int) throws {
            self.port = try freePort()
            self.target = target
            try up()
        }

        func up() throws {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("deploy/netem/slowlink.py")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", script.path, "--listen", "127.0.0.1:\(port)", "--target", "127.0.0.1:\(target)", "--rtt-ms", "0", "--down-kbit", "0",
                "--up-kbit", "0", "--cut-every-s", "0",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            self.process = process
            Thread.sleep(forTimeInterval: 0.5)
        }

        /// Cuts the link at once (SIGKILL: open connections drop like a lost radio link).
        func down() {
            if let process, process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            process = nil
        }
    }

    static func provider(_ centralURL: String, name: String, phone: String, zones: [String]) async throws -> String {
        let created = try await P.send(
            "POST", "\(centralURL)/central/providers",
            json: [
                "name": name, "phone": phone, "services": ["plomberie"], "zones": zones,
                "working_hours": ["start": "00:00", "end": "24:00", "days": [1, 2, 3, 4, 5, 6, 7]],
            ], headers: key)
        #expect(created.status == 201, "\(created)")
        return try #require(created.decoded(CreatedId.self)?.id)
    }

    static func request(_ centralURL: String, client: String) async throws -> String {
        let created = try await P.send(
            "POST", "\(centralURL)/central/requests",
            json: [
                "zone": "zone-a", "service": "plomberie", "urgency": "urgent", "description": "Fuite sous l'évier", "address": "Makepe",
                "client_name": "Awa Ndiaye", "client_phone": client,
            ], headers: key)
        #expect(created.status == 201)
        return try #require(created.decoded(CreatedId.self)?.id)
    }

    static func missionProvider(_ directory: URL, _ request: String) throws -> String? {
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("djobea.sqlite").path, configuration: P.readOnly)
        return try queue.read { db in try String.fetchOne(db, sql: "SELECT provider_id FROM missions WHERE request_id = ?", arguments: [request]) }
    }

    @Test("a provider moved with an open mission logs in at the new hub and advances it within 60 s; the old hub says where they went")
    func providerMove() async throws {
        let root = try temporaryDirectory("ops-move")
        defer { try? FileManager.default.removeItem(at: root) }
        let (centralDir, dirA, dirB) = (root.appendingPathComponent("central"), root.appendingPathComponent("a"), root.appendingPathComponent("b"))
        let (centralPort, portA, portB) = (try freePort(), try freePort(), try freePort())
        let centralURL = "http://127.0.0.1:\(centralPort)"
        let central = try await P.startCentral(centralDir, port: centralPort)
        defer { central.kill(SIGTERM) }
        let tokenA = try await P.enrolToken(centralDir, name: "Hub A", zones: "zone-a")
        let tokenB = try await P.enrolToken(centralDir, name: "Hub B", zones: "zone-b")
        setenv("DJOBEA_SYNC_INTERVAL", "0.5", 1)
        let hubA = try await P.startHub(dirA, port: portA, central: centralURL, token: tokenA)
        defer { hubA.kill(SIGTERM) }
        let hubB = try await P.startHub(dirB, port: portB, central: centralURL, token: tokenB)
        defer { hubB.kill(SIGTERM) }
        let (urlA, urlB) = ("http://127.0.0.1:\(portA)", "http://127.0.0.1:\(portB)")

        let phone = "+237690000201"
        let providerId = try await Self.provider(centralURL, name: "Jean Plombier", phone: phone, zones: ["zone-a"])
        let requestId = try await Self.request(centralURL, client: "+237677000201")
        #expect(try await P.eventually { try P.count(dirA, "SELECT count(*) FROM request_offers WHERE request_id = ?", [requestId]) == 1 })
        let tokenAtA = try await P.login(hub: urlA, directory: dirA, phone: phone)
        let bearerA = ["Authorization": "Bearer \(tokenAtA)"]
        #expect(try await P.send("PUT", "\(urlA)/provider/requests/\(requestId)/accept", headers: bearerA).status == 200)
        #expect(
            try await P.send("PUT", "\(urlA)/provider/requests/\(requestId)/update-status", json: ["stage": "arrived"], headers: bearerA).status
                == 200)
        #expect(
            try await P.eventually {
                try await P.send("GET", "\(centralURL)/central/requests/\(requestId)", headers: Self.key).decoded(CentralRequestStatus.self)?.status
                    == "arrive"
            })

        // Ops move the provider to hub B's zone.
        let started = Date()
        let patched = try await P.send(
            "PATCH", "\(centralURL)/central/providers/\(providerId)", json: ["zones": ["zone-b"], "reason": "Déménagement à Kotto"], headers: Self.key
        )
        #expect(patched.status == 200, "\(patched)")
        #expect(try await P.eventually(60) { try P.count(dirB, "SELECT count(*) FROM missions WHERE request_id = ?", [requestId]) == 1 })
        let tokenAtB = try await P.login(hub: urlB, directory: dirB, phone: phone)
        let bearerB = ["Authorization": "Bearer \(tokenAtB)"]
        let detail = try await P.send("GET", "\(urlB)/provider/requests/\(requestId)", headers: bearerB)
        #expect(detail.status == 200, "the open mission is at hub B: \(detail)")
        #expect(
            try await P.send("PUT", "\(urlB)/provider/requests/\(requestId)/update-status", json: ["stage": "diagnosed"], headers: bearerB).status
                == 200)
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 60, "moved, logged in at the new hub and advanced in \(elapsed) s")
        #expect(
            try await P.eventually {
                try await P.send("GET", "\(centralURL)/central/requests/\(requestId)", headers: Self.key).decoded(CentralRequestStatus.self)?.status
                    == "diagnostic"
            })
        #expect(
            try await P.eventually {
                try P.count(dirA, "SELECT count(*) FROM missions WHERE request_id = ? AND status = 'diagnostic'", [requestId]) == 1
            }, "the old hub, whose zone it is, follows")

        // At the old hub, the provider is told in French where to log in now.
        #expect(
            try await P.eventually {
                try P.count(dirA, "SELECT count(*) FROM partition_left WHERE table_name = 'providers' AND row_key = ?", [providerId]) == 1
            })
        let refused = try await P.send("GET", "\(urlA)/provider/requests", headers: bearerA)
        let error = refused.decoded(APIErrorBody.self)?.error
        #expect(refused.status == 403 && error?.code == "account_moved", "\(refused)")
        #expect(error?.message.contains("Hub B") == true)
    }

    @Test("a zone moved while its old hub is offline with an accept in flight: one provider on every node, a French conflict for the other")
    func zoneHandoverWhileOffline() async throws {
        let root = try temporaryDirectory("ops-zone")
        defer { try? FileManager.default.removeItem(at: root) }
        let (centralDir, dirA, dirB) = (root.appendingPathComponent("central"), root.appendingPathComponent("a"), root.appendingPathComponent("b"))
        let (centralPort, portA, portB) = (try freePort(), try freePort(), try freePort())
        let centralURL = "http://127.0.0.1:\(centralPort)"
        let central = try await P.startCentral(centralDir, port: centralPort)
        defer { central.kill(SIGTERM) }
        let link = try Link(target: centralPort)
        defer { link.down() }
        let tokenA = try await P.enrolToken(centralDir, name: "Hub A", zones: "zone-a")
        let tokenB = try await P.enrolToken(centralDir, name: "Hub B", zones: "zone-b")
        setenv("DJOBEA_SYNC_INTERVAL", "0.5", 1)
        let hubA = try await P.startHub(dirA, port: portA, central: "http://127.0.0.1:\(link.port)", token: tokenA)
        defer { hubA.kill(SIGTERM) }
        let hubB = try await P.startHub(dirB, port: portB, central: centralURL, token: tokenB)
        defer { hubB.kill(SIGTERM) }
        let (urlA, urlB) = ("http://127.0.0.1:\(portA)", "http://127.0.0.1:\(portB)")

        let (phone1, phone2) = ("+237690000301", "+237690000302")
        let first = try await Self.provider(centralURL, name: "Awa Plombière", phone: phone1, zones: ["zone-a"])
        let second = try await Self.provider(centralURL, name: "Ben Plombier", phone: phone2, zones: ["zone-b"])
        let requestId = try await Self.request(centralURL, client: "+237677000301")
        #expect(try await P.eventually { try P.count(dirA, "SELECT count(*) FROM request_offers WHERE request_id = ?", [requestId]) == 1 })
        let tokenAtA = try await P.login(hub: urlA, directory: dirA, phone: phone1)

        // Hub A loses its link; its provider accepts there.
        link.down()
        let accepted = try await P.send(
            "PUT", "\(urlA)/provider/requests/\(requestId)/accept", headers: ["Authorization": "Bearer \(tokenAtA)"])
        #expect(accepted.status == 200)
        // Ops give zone a to hub B and its provider (ranked first there); he accepts at hub B.
        let patched = try await P.send(
            "PATCH", "\(centralURL)/central/providers/\(second)", json: ["zones": ["zone-b", "zone-a"], "level": "platine"], headers: Self.key)
        #expect(patched.status == 200)
        let moved = try await P.send("POST", "\(centralURL)/central/zones/zone-a/move", json: ["to_hub": "Hub B"], headers: Self.key)
        #expect(moved.status == 200, "\(moved)")
        #expect(
            try await P.eventually(60) {
                try P.count(dirB, "SELECT count(*) FROM request_offers WHERE request_id = ? AND provider_id = ?", [requestId, second]) == 1
            }, "hub B offers the request to its provider")
        let tokenAtB = try await P.login(hub: urlB, directory: dirB, phone: phone2)
        let bearerB = ["Authorization": "Bearer \(tokenAtB)"]
        #expect(try await P.send("PUT", "\(urlB)/provider/requests/\(requestId)/accept", headers: bearerB).status == 200)
        #expect(try await P.eventually { try Self.missionProvider(centralDir, requestId) == second })

        // Hub A comes back: the first accept (hers, at hub A) wins on every node.
        try link.up()
        for directory in [centralDir, dirA, dirB] {
            #expect(try await P.eventually(90) { try Self.missionProvider(directory, requestId) == first }, "\(directory.lastPathComponent)")
        }
        #expect(try P.count(centralDir, "SELECT count(*) FROM sync_conflicts WHERE kind = 'out_of_partition'") == 0)
        let listed = try await P.send("GET", "\(urlB)/provider/conflicts", headers: bearerB)
        #expect(listed.status == 200)
        let items = listed.decoded(ProviderConflictList.self)?.items ?? []
        #expect(
            items.contains { $0.requestId == requestId && $0.message.contains("déjà attribuée") },
            "the other provider is told in French: \(items)")
    }
}
