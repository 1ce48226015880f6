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

/// Issue 4's acceptance, black-box: `djobea central` and two `djobea hub` processes on loopback.
@Suite("Sync acceptance with real processes", .serialized)
struct SyncProcessTests {
    typealias P = NodeProcess

    @Test(
        "zone a's request shows at A and never at B; an accept made while central is down reaches it; one MoMo payment twice is one payment and one conflict"
    )
    func acceptance() async throws {
        let root = try temporaryDirectory("sync-processes")
        defer { try? FileManager.default.removeItem(at: root) }
        let (centralDir, hubADir, hubBDir) = (
            root.appendingPathComponent("central"), root.appendingPathComponent("a"), root.appendingPathComponent("b")
        )
        let (centralPort, portA, portB) = (try freePort(), try freePort(), try freePort())
        let centralURL = "http://127.0.0.1:\(centralPort)"
        var central = try await P.startCentral(centralDir, port: centralPort)
        defer { central.kill(SIGTERM) }
        let tokenA = try await P.enrolToken(centralDir, name: "Hub A", zones: "zone-a")
        let tokenB = try await P.enrolToken(centralDir, name: "Hub B", zones: "zone-b")
        setenv("DJOBEA_SYNC_INTERVAL", "0.5", 1)
        let hubA = try await P.startHub(hubADir, port: portA, central: centralURL, token: tokenA)
        defer { hubA.kill(SIGTERM) }
        let hubB = try await P.startHub(hubBDir, port: portB, central: centralURL, token: tokenB)
        defer { hubB.kill(SIGTERM) }
        let key = ["Authorization": "Bearer \(P.apiKey)"]
        let phone = "+237690000101"
        let registered = try await P.send(
            "POST", "\(centralURL)/central/providers",
            json: [
                "name": "Jean Plombier", "phone": phone, "services": ["plomberie"], "zones": ["zone-a"],
                "working_hours": ["start": "00:00", "end": "24:00", "days": [1, 2, 3, 4, 5, 6, 7]],
            ], headers: key)
        #expect(registered.status == 201, "\(registered)")
        let created = try await P.send(
            "POST", "\(centralURL)/central/requests",
            json: [
                "zone": "zone-a", "service": "plomberie", "urgency": "urgent", "description": "Fuite sous l'évier, l'eau coule partout",
                "address": "Makepe, derrière la pharmacie", "client_name": "Awa Ndiaye", "client_phone": "+237677000102",
                "budget_min": 5000, "budget_max": 20000,
            ], headers: key)
        #expect(created.status == 201)
        let requestId = try #require(created.decoded(CreatedId.self)?.id)

        // Zone a's request reaches hub A, where the provider sees it offered; it never reaches hub B.
        let hubAURL = "http://127.0.0.1:\(portA)"
        #expect(try await P.eventually { try P.count(hubADir, "SELECT count(*) FROM request_offers WHERE request_id = ?", [requestId]) == 1 })
        let token = try await P.login(hub: hubAURL, directory: hubADir, phone: phone)
        let listed = try await P.send("GET", "\(hubAURL)/provider/requests", headers: ["Authorization": "Bearer \(token)"])
        #expect(listed.status == 200)
        #expect(listed.decoded(ProviderRequestPage.self)?.items.contains { $0.id == requestId } == true)
        #expect(try P.count(hubBDir, "SELECT count(*) FROM service_requests") == 0)
        #expect(try P.count(hubBDir, "SELECT count(*) FROM clients") == 0)
        #expect(try P.count(hubBDir, "SELECT count(*) FROM providers") == 0)

        // Central goes down; the provider accepts at hub A; central comes back and learns it.
        central.kill(SIGTERM)
        let accepted = try await P.send(
            "PUT", "\(hubAURL)/provider/requests/\(requestId)/accept", headers: ["Authorization": "Bearer \(token)"])
        #expect(accepted.status == 200)
        try await Task.sleep(for: .seconds(1))
        central = try await P.startCentral(centralDir, port: centralPort)
        #expect(
            try await P.eventually(60) {
                let status = try await P.send("GET", "\(centralURL)/central/requests/\(requestId)", headers: key)
                return status.decoded(CentralRequestStatus.self)?.status == "acceptee"
            }, "central learns the accept once it is back")

        // The same MoMo transaction recorded at hub A and at central: one payment on both nodes, one conflict.
        let reference = "MP261126.0101.B12345"
        let paidAtHub = try await P.send(
            "POST", "\(hubAURL)/provider/requests/\(requestId)/payments", json: ["method": "mtn_momo", "reference": reference, "amount": 15_000],
            headers: ["Authorization": "Bearer \(token)"])
        #expect(paidAtHub.status == 201)
        let paidAtCentral = try await P.send(
            "POST", "\(centralURL)/central/payments",
            json: ["request_id": requestId, "method": "mtn_momo", "reference": reference, "amount": 15_000], headers: key)
        #expect(paidAtCentral.status == 201)
        #expect(try await P.eventually { try P.count(hubADir, "SELECT count(*) FROM ledger_entries WHERE request_id = ?", [requestId]) == 2 })
        #expect(
            try await P.eventually { try P.count(centralDir, "SELECT count(*) FROM ledger_entries WHERE request_id = ?", [requestId]) == 2 })
        let status = try await P.send("GET", "\(centralURL)/central/requests/\(requestId)", headers: key)
        #expect(status.decoded(CentralRequestStatus.self)?.paid == 15_000, "one payment at central, not two: \(status)")
        let hubPaid = try await DatabaseQueue(path: hubADir.appendingPathComponent("djobea.sqlite").path, configuration: P.readOnly).read { db in
            PaymentLedger.fold(try LedgerReads.entries(sql: "request_id = ?", arguments: [requestId], in: db)).paid.francs
        }
        #expect(hubPaid == 15_000, "one payment at the hub, not two")
        #expect(try P.count(centralDir, "SELECT count(*) FROM sync_conflicts WHERE table_name = 'ledger_entries' AND resolved_at IS NULL") == 1)
        let opsAnswer = try await P.send("GET", "\(centralURL)/ops/sync-status", headers: key)
        #expect(opsAnswer.status == 200)
        let ops = try #require(opsAnswer.decoded(OpsSyncStatus.self), "\(opsAnswer)")
        let ledgerConflicts = ops.conflicts.filter { $0.table == "ledger_entries" }
        #expect(ledgerConflicts.count == 1, "one conflict in /ops/sync-status: \(ledgerConflicts)")
        #expect(ledgerConflicts.first?.rule == "CONFLICTS-8")
        #expect(ops.hubs.contains { $0.name == "Hub A" && $0.lastSuccessAt != nil })

        // The provider is told too, in French, in the app.
        #expect(
            try await P.eventually {
                let conflicts = try await P.send("GET", "\(hubAURL)/provider/conflicts", headers: ["Authorization": "Bearer \(token)"])
                let items = conflicts.decoded(ProviderConflictList.self)?.items ?? []
                return items.contains { $0.requestId == requestId && !$0.message.isEmpty }
            }, "the duplicate payment shows in the provider's conflicts")

        // A walk-in client's request entered at hub A reaches central, already accepted by the provider.
        let walkedIn = try await P.send(
            "POST", "\(hubAURL)/provider/requests/walk-in",
            json: [
                "zone": "zone-a", "service": "plomberie", "urgency": "aujourd_hui", "description": "Robinet qui fuit, client venu à l'atelier",
                "address": "Makepe", "client_name": "Paul Client", "client_phone": "+237677000103",
            ], headers: ["Authorization": "Bearer \(token)"])
        #expect(walkedIn.status == 201, "\(walkedIn)")
        let walkInId = try #require(walkedIn.decoded(CreatedId.self)?.id)
        #expect(
            try await P.eventually {
                let status = try await P.send("GET", "\(centralURL)/central/requests/\(walkInId)", headers: key)
                return status.decoded(CentralRequestStatus.self)?.status == "acceptee"
            }, "the walk-in request reaches central")
        let outside = try await P.send(
            "POST", "\(hubAURL)/provider/requests/walk-in",
            json: [
                "zone": "zone-b", "service": "plomberie", "urgency": "aujourd_hui", "description": "x", "address": "y", "client_name": "Z",
                "client_phone": "+237677000104",
            ], headers: ["Authorization": "Bearer \(token)"])
        #expect(outside.status == 400, "a walk-in outside the hub's zones is refused at the hub")
    }
}
