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

/// Central's ops actions, black-box, with central and three hubs: each action reaches the hub concerned within a sync
/// round or two, the other hubs never see it, and every node ends with the same answer.
@Suite("Ops actions with central and three hubs, real processes", .serialized)
struct OpsThreeHubsProcessTests {
    typealias P = NodeProcess
    typealias O = OpsProcessTests

    static func request(_ centralURL: String, zone: String, client: String) async throws -> String {
        let created = try await P.send(
            "POST", "\(centralURL)/central/requests",
            json: [
                "zone": zone, "service": "plomberie", "urgency": "urgent", "description": "Fuite d'eau", "address": "Rue \(zone)",
                "client_name": "Client \(zone)", "client_phone": client,
            ], headers: O.key)
        #expect(created.status == 201)
        return try #require(created.decoded(CreatedId.self)?.id)
    }

    static func status(_ directory: URL, _ request: String) throws -> String? {
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("djobea.sqlite").path, configuration: P.readOnly)
        return try queue.read { db in try String.fetchOne(db, sql: "SELECT status FROM missions WHERE request_id = ?", arguments: [request]) }
    }

    @Test("cancel, reassign, reverse and suspend at central reach the hub concerned and only it")
    func actionsReachTheirHub() async throws {
        let root = try temporaryDirectory("ops-three")
        defer { try? FileManager.default.removeItem(at: root) }
        let centralDir = root.appendingPathComponent("central")
        let dirs = ["a", "b", "c"].map { root.appendingPathComponent($0) }
        let centralPort = try freePort()
        let ports = try dirs.map { _ in try freePort() }
        let centralURL = "http://127.0.0.1:\(centralPort)"
        let central = try await P.startCentral(centralDir, port: centralPort)
        defer { central.kill(SIGTERM) }
        setenv("DJOBEA_SYNC_INTERVAL", "0.5", 1)
        var hubs: [ChildProcess] = []
        defer { for hub in hubs { hub.kill(SIGTERM) } }
        for (index, zone) in ["zone-a", "zone-b", "zone-c"].enumerated() {
            let token = try await P.enrolToken(centralDir, name: "Hub \(zone.suffix(1).uppercased())", zones: zone)
            hubs.append(try await P.startHub(dirs[index], port: ports[index], central: centralURL, token: token))
        }
        let (dirA, dirB, dirC) = (dirs[0], dirs[1], dirs[2])
        let urls = ports.map { "http://127.0.0.1:\($0)" }

        let awa = try await O.provider(centralURL, name: "Awa", phone: "+237690000401", zones: ["zone-a"])
        let ben = try await O.provider(centralURL, name: "Ben", phone: "+237690000402", zones: ["zone-b"])
        let carl = try await O.provider(centralURL, name: "Carl", phone: "+237690000403", zones: ["zone-b"])
        let dora = try await O.provider(centralURL, name: "Dora", phone: "+237690000404", zones: ["zone-c"])
        let ra = try await Self.request(centralURL, zone: "zone-a", client: "+237677000401")
        let rb = try await Self.request(centralURL, zone: "zone-b", client: "+237677000402")
        let rc = try await Self.request(centralURL, zone: "zone-c", client: "+237677000403")

        // Cancel zone a's request for the client: hub A closes it; hubs B and C never hold it.
        let cancelled = try await P.send(
            "POST", "\(centralURL)/central/requests/\(ra)/cancel", json: ["reason": "Le client a trouvé quelqu'un", "by": "client"],
            headers: O.key.merging(["Idempotency-Key": "cancel-ra"]) { $1 })
        #expect(cancelled.status == 200, "\(cancelled)")
        #expect(try await P.eventually(60) { try Self.status(dirA, ra) == "annulee" })
        #expect(try P.count(dirB, "SELECT count(*) FROM service_requests WHERE id = ?", [ra]) == 0)
        #expect(try P.count(dirC, "SELECT count(*) FROM service_requests WHERE id = ?", [ra]) == 0)
        _ = awa

        // Reassign zone b's request to Carl: hub B has it assigned to him.
        let reassigned = try await P.send(
            "POST", "\(centralURL)/central/requests/\(rb)/reassign", json: ["provider_id": carl, "reason": "Client habituel de Carl"],
            headers: O.key)
        #expect(reassigned.status == 200)
        #expect(try await P.eventually(60) { try O.missionProvider(dirB, rb) == carl })
        _ = ben

        // Dora accepts zone c's request and is paid at her hub; ops reverse the payment: the refund reaches hub C.
        #expect(try await P.eventually { try P.count(dirC, "SELECT count(*) FROM request_offers WHERE request_id = ?", [rc]) >= 1 })
        let token = try await P.login(hub: urls[2], directory: dirC, phone: "+237690000404")
        let bearer = ["Authorization": "Bearer \(token)"]
        #expect(try await P.send("PUT", "\(urls[2])/provider/requests/\(rc)/accept", headers: bearer).status == 200)
        let payment = try await P.send(
            "POST", "\(urls[2])/provider/requests/\(rc)/payments", json: ["method": "mtn_momo", "reference": "MP0404", "amount": 12_000],
            headers: bearer)
        #expect(payment.status == 201)
        let paymentId = try #require(payment.decoded(CreatedId.self)?.id)
        #expect(try await P.eventually(60) { try P.count(centralDir, "SELECT count(*) FROM ledger_entries WHERE id = ?", [paymentId]) == 1 })
        let reversed = try await P.send(
            "POST", "\(centralURL)/central/payments/\(paymentId)/reverse", json: ["reason": "Remboursement"], headers: O.key)
        #expect(reversed.status == 200)
        #expect(
            try await P.eventually(60) {
                try P.count(dirC, "SELECT count(*) FROM ledger_entries WHERE kind = 'reversal' AND reverses_entry_id = ?", [paymentId]) == 1
            })
        #expect(try P.count(dirA, "SELECT count(*) FROM ledger_entries") == 0)

        // Suspend Dora: hub C refuses her at once (her live token too), in French.
        let suspended = try await P.send("POST", "\(centralURL)/central/providers/\(dora)/suspend", json: ["reason": "Enquête"], headers: O.key)
        #expect(suspended.status == 200)
        #expect(
            try await P.eventually(60) {
                let refused = try await P.send("GET", "\(urls[2])/provider/requests", headers: bearer)
                return refused.status == 403 && refused.errorCode == "account_suspended"
            })
        // Every ops action is in central's log, with its actor.
        #expect(try P.count(centralDir, "SELECT count(*) FROM ops_actions WHERE actor = 'api'") == 4)
    }
}
