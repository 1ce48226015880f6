import DjobeaDomain
import DjobeaPostgres
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

/// SIGKILL against central on PostgreSQL: two central processes on one database, hub A switching between them at
/// each start and killed mid-sync again and again, and central processes killed too; nothing is lost or doubled.
@Suite("Central on PostgreSQL survives processes killed mid-sync", .serialized, .enabled(if: PostgresTestDatabase.isAvailable))
struct CentralOnPostgresCrashTests {
    @Test("2 central processes on one database, 2 hubs; hub A and the central processes SIGKILLed at random points; then everything converges")
    func killedMidSync() async throws {
        try await PostgresTestDatabase.with(migrated: false) { database in
            try await scenario(url: database.url, database: database.database)
        }
    }

    private func scenario(url: String, database: PostgresDatabase) async throws {
        let root = try temporaryDirectory("central-postgres-kill")
        defer { try? FileManager.default.removeItem(at: root) }
        let (hubADir, hubBDir) = (root.appendingPathComponent("a"), root.appendingPathComponent("b"))
        let centralDirs = [root.appendingPathComponent("central-0"), root.appendingPathComponent("central-1")]
        let centralPorts = [try freePort(), try freePort()]
        let centralURLs = centralPorts.map { "http://127.0.0.1:\($0)" }
        let portA = try freePort()
        var centrals: [ChildProcess] = []
        for index in 0..<2 { centrals.append(try await NodeProcess.startCentral(centralDirs[index], port: centralPorts[index], postgres: url)) }
        defer { for central in centrals { central.kill(SIGTERM) } }
        let tokenA = try await NodeProcess.enrolToken(root, name: "Hub A", zones: "zone-a", postgres: url)
        let tokenB = try await NodeProcess.enrolToken(root, name: "Hub B", zones: "zone-b", postgres: url)
        setenv("DJOBEA_SYNC_INTERVAL", "0.3", 1)
        let hubB = try await NodeProcess.startHub(hubBDir, port: try freePort(), central: centralURLs[1], token: tokenB)
        defer { hubB.kill(SIGTERM) }
        let key = ["Authorization": "Bearer \(NodeProcess.apiKey)"]
        let everyDay: [String: Any] = ["start": "00:00", "end": "24:00", "days": [1, 2, 3, 4, 5, 6, 7]]
        for (index, zone) in ["zone-a", "zone-a", "zone-b"].enumerated() {
            let registered = try await NodeProcess.send(
                "POST", "\(centralURLs[1])/central/providers",
                json: [
                    "name": "Artisan \(index)", "phone": "+23769000030\(index)", "services": ["plomberie"], "zones": [zone],
                    "working_hours": everyDay,
                ], headers: key)
            #expect(registered.status == 201, "\(registered)")
        }
        var taken = 0
        /// Requests taken in through the central process that is up (the second one is never killed).
        func takeIn(_ count: Int, zone: String = "zone-a") async throws {
            for _ in 0..<count {
                taken += 1
                let created = try await NodeProcess.send(
                    "POST", "\(centralURLs[1])/central/requests",
                    json: [
                        "zone": zone, "service": "plomberie", "urgency": "aujourd_hui", "description": "Demande \(taken)",
                        "address": "Rue \(taken)", "client_name": "Client \(taken)", "client_phone": String(format: "+2376780%05d", taken),
                    ], headers: key)
                #expect(created.status == 201, "\(created)")
            }
        }
        try await takeIn(100)
        try await takeIn(10, zone: "zone-b")

        var generator = SystemRandomNumberGenerator()
        for round in 0..<12 {
            // Hub A talks to one process, then the other.
            let target = centralURLs[round % 2]
            let arguments = ["hub", "--data", hubADir.path, "--port", "\(portA)", "--host", "127.0.0.1", "--central", target]
            let hubA = try ChildProcess(round == 0 ? arguments + ["--enroll", tokenA] : arguments)
            if round == 0 {
                let syncing = await hubA.waitForLine(timeout: 90) { $0.contains("Synchronisation avec le central") }
                if syncing == nil { hubA.kill(SIGKILL) }
                try #require(syncing != nil, "hub A enrolled: \(hubA.errorText.suffix(400))")
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...1_200, using: &generator)))
            // Every third round the first central process dies too, in the middle of whatever it was doing.
            if round % 3 == 2 {
                centrals[0].kill(SIGKILL)
                centrals[0] = try await NodeProcess.startCentral(centralDirs[0], port: centralPorts[0], postgres: url)
            }
            hubA.kill(SIGKILL)
            try await takeIn(5)
        }
        let hubA = try ChildProcess(["hub", "--data", hubADir.path, "--port", "\(portA)", "--host", "127.0.0.1", "--central", centralURLs[0]])
        defer { hubA.kill(SIGTERM) }

        let zoneA = "SELECT count(*) FROM service_requests r JOIN zones z ON z.id = r.zone_id WHERE z.code = 'zone-a'"
        let offersA =
            "SELECT count(*) FROM request_offers o JOIN service_requests r ON r.id = o.request_id JOIN zones z ON z.id = r.zone_id WHERE z.code = 'zone-a'"
        let converged = try await NodeProcess.eventually(90) {
            let centralRequests = try await count(database, zoneA)
            let hubRequests = try NodeProcess.count(hubADir, zoneA)
            let hubOffers = try NodeProcess.count(hubADir, offersA)
            let centralOffers = try await count(database, offersA)
            return centralRequests == taken - 10 && hubRequests == centralRequests && hubOffers >= hubRequests && centralOffers == hubOffers
        }
        #expect(converged, "hub A and central converge after the kills")
        #expect(try NodeProcess.count(hubADir, zoneA) == taken - 10, "every request taken in for zone a reached hub A")
        let queue = try DatabaseQueue(path: hubADir.appendingPathComponent("djobea.sqlite").path, configuration: NodeProcess.readOnly)
        let (hubNode, hubHead) = try await queue.read { db -> (String, Int64) in
            let node = try String.fetchOne(db, sql: "SELECT node_id FROM node_identity") ?? ""
            return (node, try Int64.fetchOne(db, sql: "SELECT max(origin_seq) FROM change_log WHERE origin_node = ?", arguments: [node]) ?? 0)
        }
        #expect(hubHead > 0)
        #expect(
            try await NodeProcess.eventually(30) {
                let highest = try await count(database, "SELECT coalesce(max(origin_seq), 0) FROM change_log WHERE origin_node = $1", hubNode)
                let held = try await count(database, "SELECT count(*) FROM change_log WHERE origin_node = $1", hubNode)
                return highest == Int(hubHead) && held == Int(hubHead)
            }, "central holds every one of hub A's changes, once (gapless 1…\(hubHead))")
        // Central's own changes, written by two processes, one of them killed four times, number 1…n without a hole
        // or a repeat: what a hub's vector relies on.
        let centralNode = try #require(try await database.session { try $0.scalar("SELECT node_id FROM node_identity")?.textValue })
        let own = try await count(database, "SELECT count(DISTINCT origin_seq) FROM change_log WHERE origin_node = $1", centralNode)
        #expect(own > taken, "central's intake is in its log")
        #expect(try await count(database, "SELECT count(*) FROM change_log WHERE origin_node = $1", centralNode) == own)
        #expect(try await count(database, "SELECT coalesce(max(origin_seq), 0) FROM change_log WHERE origin_node = $1", centralNode) == own)
        #expect(try NodeProcess.count(hubBDir, zoneA) == 0)
    }

    private func count(_ database: PostgresDatabase, _ sql: String, _ argument: String? = nil) async throws -> Int {
        let arguments: [ColumnValue] = argument.map { [.text($0)] } ?? []
        return Int(try await database.session { try $0.scalar(sql, arguments)?.integerValue ?? 0 })
    }
}
