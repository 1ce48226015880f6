import DjobeaDomain
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

/// Issue 4: a hub SIGKILLed mid-sync, again and again, loses nothing and converges.
@Suite("Sync survives a hub killed mid-sync", .serialized)
struct SyncCrashTests {
    @Test("central and 2 hubs on loopback; hub A SIGKILLed 20 times at random points while syncing; then everything converges")
    func killedMidSync() async throws {
        let root = try temporaryDirectory("sync-kill")
        defer { try? FileManager.default.removeItem(at: root) }
        let (centralDir, hubADir, hubBDir) = (
            root.appendingPathComponent("central"), root.appendingPathComponent("a"), root.appendingPathComponent("b")
        )
        let (centralPort, portA, portB) = (try freePort(), try freePort(), try freePort())
        let centralURL = "http://127.0.0.1:\(centralPort)"
        let central = try await NodeProcess.startCentral(centralDir, port: centralPort)
        defer { central.kill(SIGTERM) }
        let tokenA = try await NodeProcess.enrolToken(centralDir, name: "Hub A", zones: "zone-a")
        let tokenB = try await NodeProcess.enrolToken(centralDir, name: "Hub B", zones: "zone-b")
        setenv("DJOBEA_SYNC_INTERVAL", "0.3", 1)
        let hubB = try ChildProcess([
            "hub", "--data", hubBDir.path, "--port", "\(portB)", "--host", "127.0.0.1", "--central", centralURL, "--enroll", tokenB,
        ])
        defer { hubB.kill(SIGTERM) }
        let key = ["Authorization": "Bearer \(NodeProcess.apiKey)"]
        let everyDay: [String: Any] = ["start": "00:00", "end": "24:00", "days": [1, 2, 3, 4, 5, 6, 7]]
        for (index, zone) in ["zone-a", "zone-a", "zone-b"].enumerated() {
            let registered = try await NodeProcess.send(
                "POST", "\(centralURL)/central/providers",
                json: [
                    "name": "Artisan \(index)", "phone": "+23769000020\(index)", "services": ["plomberie"], "zones": [zone],
                    "working_hours": everyDay,
                ],
                headers: key)
            #expect(registered.status == 201, "\(registered)")
        }
        var taken = 0
        func takeIn(_ count: Int, zone: String = "zone-a") async throws {
            for _ in 0..<count {
                taken += 1
                let created = try await NodeProcess.send(
                    "POST", "\(centralURL)/central/requests",
                    json: [
                        "zone": zone, "service": "plomberie", "urgency": "aujourd_hui", "description": "Demande \(taken)",
                        "address": "Rue \(taken)", "client_name": "Client \(taken)", "client_phone": String(format: "+2376770%05d", taken),
                    ], headers: key)
                #expect(created.status == 201, "\(created)")
            }
        }
        try await takeIn(150)
        try await takeIn(10, zone: "zone-b")

        var generator = SystemRandomNumberGenerator()
        for round in 0..<20 {
            let arguments = ["hub", "--data", hubADir.path, "--port", "\(portA)", "--host", "127.0.0.1", "--central", centralURL]
            let hubA = try ChildProcess(round == 0 ? arguments + ["--enroll", tokenA] : arguments)
            if round == 0 {
                // The enrolment token is used once: a kill before the hub saved its credential (central-link.json)
                // would leave every later start "pas encore enrôlé". So this round's random kill delay only starts
                // once the hub says it syncs, which it prints after saving the credential and starting its sync loop.
                let syncing = await hubA.waitForLine(timeout: 90) { $0.contains("Synchronisation avec le central") }
                if syncing == nil { hubA.kill(SIGKILL) }
                try #require(syncing != nil, "hub A enrolled: \(hubA.errorText.suffix(400))")
                #expect(FileManager.default.fileExists(atPath: hubADir.appendingPathComponent("central-link.json").path))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...1_200, using: &generator)))
            hubA.kill(SIGKILL)
            try await takeIn(5)
        }
        let hubA = try ChildProcess(["hub", "--data", hubADir.path, "--port", "\(portA)", "--host", "127.0.0.1", "--central", centralURL])
        defer { hubA.kill(SIGTERM) }

        let zoneA = "SELECT count(*) FROM service_requests r JOIN zones z ON z.id = r.zone_id WHERE z.code = 'zone-a'"
        let offersA =
            "SELECT count(*) FROM request_offers o JOIN service_requests r ON r.id = o.request_id JOIN zones z ON z.id = r.zone_id WHERE z.code = 'zone-a'"
        let converged = try await NodeProcess.eventually(90) {
            let centralRequests = try NodeProcess.count(centralDir, zoneA)
            let hubRequests = try NodeProcess.count(hubADir, zoneA)
            let hubOffers = try NodeProcess.count(hubADir, offersA)
            let centralOffers = try NodeProcess.count(centralDir, offersA)
            return centralRequests == taken - 10 && hubRequests == centralRequests && hubOffers >= hubRequests && centralOffers == hubOffers
        }
        #expect(converged, "hub A and central converge after 20 kills")
        #expect(try NodeProcess.count(hubADir, zoneA) == taken - 10, "every request taken in for zone a reached hub A")
        // Every change hub A made reached central exactly once; none of zone a's rows reached hub B.
        let queue = try DatabaseQueue(path: hubADir.appendingPathComponent("djobea.sqlite").path, configuration: NodeProcess.readOnly)
        let (hubNode, hubHead, integrity) = try await queue.read { db -> (String, Int64, String) in
            let node = try String.fetchOne(db, sql: "SELECT node_id FROM node_identity") ?? ""
            let head = try Int64.fetchOne(db, sql: "SELECT max(origin_seq) FROM change_log WHERE origin_node = ?", arguments: [node]) ?? 0
            return (node, head, try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "")
        }
        #expect(integrity == "ok")
        #expect(hubHead > 0)
        #expect(
            try await NodeProcess.eventually(30) {
                let highest = try NodeProcess.count(
                    centralDir, "SELECT coalesce(max(origin_seq), 0) FROM change_log WHERE origin_node = ?", [hubNode])
                let held = try NodeProcess.count(centralDir, "SELECT count(*) FROM change_log WHERE origin_node = ?", [hubNode])
                return highest == hubHead && held == hubHead
            }, "central holds every one of hub A's changes, once (gapless 1…\(hubHead))")
        #expect(try NodeProcess.count(hubBDir, zoneA) == 0)
    }
}
