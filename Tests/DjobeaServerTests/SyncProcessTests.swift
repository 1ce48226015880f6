import DjobeaDomain
import DjobeaStore
import Foundation
import GRDB
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Issue 4's acceptance, black-box: `djobea central` and two `djobea hub` processes on loopback.
@Suite("Sync acceptance with real processes", .serialized)
struct SyncProcessTests {
    static let apiKey = "cle-plateforme-acceptation-0123"

    /// A JSON request over a real socket; returns the status and the decoded object (or nil).
    static func call(_ method: String, _ url: String, json: [String: Any]? = nil, headers: [String: String] = [:]) async throws
        -> (Int, [String: Any]?)
    {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try? JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Polls `check` until it is true or `timeout` passes.
    static func eventually(_ timeout: TimeInterval = 30, _ check: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? await check()) == true { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try await check()
    }

    static func count(_ directory: URL, _ sql: String, _ arguments: [String] = []) throws -> Int {
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("djobea.sqlite").path, configuration: readOnly)
        return try queue.read { db in try Int.fetchOne(db, sql: sql, arguments: StatementArguments(arguments)) ?? 0 }
    }

    static var readOnly: Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        return configuration
    }

    static func startCentral(_ directory: URL, port: Int) async throws -> ChildProcess {
        let central = try ChildProcess(["central", "--data", directory.path, "--port", "\(port)", "--host", "127.0.0.1", "--api-key", apiKey])
        #expect(await central.waitForLine(timeout: 60) { $0.contains("à l'écoute") } != nil, "central: \(central.errorText.suffix(400))")
        return central
    }

    static func enrolToken(_ central: URL, name: String, zones: String) async throws -> String {
        let result = try await runDjobea(["central", "enroll-hub", "--data", central.path, "--name", name, "--zones", zones])
        #expect(result.status == 0, "enroll-hub: \(result.err)")
        return try #require(result.out.split(separator: "\n").first { $0.hasPrefix("djh1_") }.map(String.init))
    }

    /// Logs a provider in at a hub the way a phone does: code from the console notifier's outbox file.
    static func login(hub: String, directory: URL, phone: String) async throws -> String {
        let (sent, _) = try await call("POST", "\(hub)/provider/auth/send-otp", json: ["phone": phone])
        #expect(sent == 202)
        var code: String?
        _ = try await eventually(10) {
            let text = (try? String(contentsOf: directory.appendingPathComponent("outbox/whatsapp.jsonl"), encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n").reversed() {
                guard let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], json["to"] as? String == phone else {
                    continue
                }
                code = (json["variables"] as? [String: String])?["code"]
                return code != nil
            }
            return false
        }
        let (verified, tokens) = try await call("POST", "\(hub)/provider/auth/verify-otp", json: ["phone": phone, "code": try #require(code)])
        #expect(verified == 200)
        return try #require(tokens?["access_token"] as? String)
    }

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
        var central = try await Self.startCentral(centralDir, port: centralPort)
        defer { central.kill(SIGTERM) }
        let tokenA = try await Self.enrolToken(centralDir, name: "Hub A", zones: "zone-a")
        let tokenB = try await Self.enrolToken(centralDir, name: "Hub B", zones: "zone-b")
        setenv("DJOBEA_SYNC_INTERVAL", "0.5", 1)
        let hubA = try ChildProcess([
            "hub", "--data", hubADir.path, "--port", "\(portA)", "--host", "127.0.0.1", "--central", centralURL, "--enroll", tokenA,
        ])
        defer { hubA.kill(SIGTERM) }
        let hubB = try ChildProcess([
            "hub", "--data", hubBDir.path, "--port", "\(portB)", "--host", "127.0.0.1", "--central", centralURL, "--enroll", tokenB,
        ])
        defer { hubB.kill(SIGTERM) }
        for hub in [hubA, hubB] {
            #expect(await hub.waitForLine(timeout: 60) { $0.contains("Synchronisation avec le central") } != nil, "hub: \(hub.errorText.suffix(400))")
        }
        let key = ["Authorization": "Bearer \(Self.apiKey)"]
        let phone = "+237690000101"
        let (registered, provider) = try await Self.call(
            "POST", "\(centralURL)/central/providers",
            json: [
                "name": "Jean Plombier", "phone": phone, "services": ["plomberie"], "zones": ["zone-a"],
                "working_hours": ["start": "00:00", "end": "24:00", "days": [1, 2, 3, 4, 5, 6, 7]],
            ], headers: key)
        #expect(registered == 201, "\(provider ?? [:])")
        let (taken, created) = try await Self.call(
            "POST", "\(centralURL)/central/requests",
            json: [
                "zone": "zone-a", "service": "plomberie", "urgency": "urgent", "description": "Fuite sous l'évier, l'eau coule partout",
                "address": "Makepe, derrière la pharmacie", "client_name": "Awa Ndiaye", "client_phone": "+237677000102",
                "budget_min": 5000, "budget_max": 20000,
            ], headers: key)
        #expect(taken == 201)
        let requestId = try #require(created?["id"] as? String)

        // Zone a's request reaches hub A, where the provider sees it offered; it never reaches hub B.
        let hubAURL = "http://127.0.0.1:\(portA)"
        #expect(try await Self.eventually { try Self.count(hubADir, "SELECT count(*) FROM request_offers WHERE request_id = ?", [requestId]) == 1 })
        let token = try await Self.login(hub: hubAURL, directory: hubADir, phone: phone)
        let (listed, list) = try await Self.call("GET", "\(hubAURL)/provider/requests", headers: ["Authorization": "Bearer \(token)"])
        #expect(listed == 200)
        #expect((list?["items"] as? [[String: Any]])?.contains { $0["id"] as? String == requestId } == true)
        #expect(try Self.count(hubBDir, "SELECT count(*) FROM service_requests") == 0)
        #expect(try Self.count(hubBDir, "SELECT count(*) FROM clients") == 0)
        #expect(try Self.count(hubBDir, "SELECT count(*) FROM providers") == 0)

        // Central goes down; the provider accepts at hub A; central comes back and learns it.
        central.kill(SIGTERM)
        let (accepted, _) = try await Self.call(
            "PUT", "\(hubAURL)/provider/requests/\(requestId)/accept", headers: ["Authorization": "Bearer \(token)"])
        #expect(accepted == 200)
        try await Task.sleep(for: .seconds(1))
        central = try await Self.startCentral(centralDir, port: centralPort)
        #expect(
            try await Self.eventually(60) {
                let (_, status) = try await Self.call("GET", "\(centralURL)/central/requests/\(requestId)", headers: key)
                return status?["status"] as? String == "acceptee"
            }, "central learns the accept once it is back")

        // The same MoMo transaction recorded at hub A and at central: one payment on both nodes, one conflict.
        let reference = "MP261126.0101.B12345"
        let (paidAtHub, _) = try await Self.call(
            "POST", "\(hubAURL)/provider/requests/\(requestId)/payments", json: ["method": "mtn_momo", "reference": reference, "amount": 15_000],
            headers: ["Authorization": "Bearer \(token)"])
        #expect(paidAtHub == 201)
        let (paidAtCentral, _) = try await Self.call(
            "POST", "\(centralURL)/central/payments",
            json: ["request_id": requestId, "method": "mtn_momo", "reference": reference, "amount": 15_000], headers: key)
        #expect(paidAtCentral == 201)
        #expect(try await Self.eventually { try Self.count(hubADir, "SELECT count(*) FROM ledger_entries WHERE request_id = ?", [requestId]) == 2 })
        #expect(
            try await Self.eventually { try Self.count(centralDir, "SELECT count(*) FROM ledger_entries WHERE request_id = ?", [requestId]) == 2 })
        let (_, status) = try await Self.call("GET", "\(centralURL)/central/requests/\(requestId)", headers: key)
        #expect(status?["paid"] as? Int == 15_000, "one payment at central, not two")
        let hubPaid = try await DatabaseQueue(path: hubADir.appendingPathComponent("djobea.sqlite").path, configuration: Self.readOnly).read { db in
            PaymentLedger.fold(try LedgerReads.entries(sql: "request_id = ?", arguments: [requestId], in: db)).paid.francs
        }
        #expect(hubPaid == 15_000, "one payment at the hub, not two")
        #expect(try Self.count(centralDir, "SELECT count(*) FROM sync_conflicts WHERE table_name = 'ledger_entries' AND resolved_at IS NULL") == 1)
        let (opsStatus, ops) = try await Self.call("GET", "\(centralURL)/ops/sync-status", headers: key)
        #expect(opsStatus == 200)
        let ledgerConflicts = (ops?["conflicts"] as? [[String: Any]] ?? []).filter { $0["table"] as? String == "ledger_entries" }
        #expect(ledgerConflicts.count == 1, "one conflict in /ops/sync-status: \(ledgerConflicts)")
        #expect(ledgerConflicts.first?["rule"] as? String == "CONFLICTS-8")
        #expect((ops?["hubs"] as? [[String: Any]])?.contains { $0["name"] as? String == "Hub A" && $0["last_success_at"] is String } == true)

        // The provider is told too, in French, in the app.
        #expect(
            try await Self.eventually {
                let (_, conflicts) = try await Self.call("GET", "\(hubAURL)/provider/conflicts", headers: ["Authorization": "Bearer \(token)"])
                let items = conflicts?["items"] as? [[String: Any]] ?? []
                return items.contains { $0["request_id"] as? String == requestId && ($0["message"] as? String)?.isEmpty == false }
            }, "the duplicate payment shows in the provider's conflicts")

        // A walk-in client's request entered at hub A reaches central, already accepted by the provider.
        let (walkedIn, walkIn) = try await Self.call(
            "POST", "\(hubAURL)/provider/requests/walk-in",
            json: [
                "zone": "zone-a", "service": "plomberie", "urgency": "aujourd_hui", "description": "Robinet qui fuit, client venu à l'atelier",
                "address": "Makepe", "client_name": "Paul Client", "client_phone": "+237677000103",
            ], headers: ["Authorization": "Bearer \(token)"])
        #expect(walkedIn == 201, "\(walkIn ?? [:])")
        let walkInId = try #require(walkIn?["id"] as? String)
        #expect(
            try await Self.eventually {
                let (_, status) = try await Self.call("GET", "\(centralURL)/central/requests/\(walkInId)", headers: key)
                return status?["status"] as? String == "acceptee"
            }, "the walk-in request reaches central")
        let (outside, _) = try await Self.call(
            "POST", "\(hubAURL)/provider/requests/walk-in",
            json: [
                "zone": "zone-b", "service": "plomberie", "urgency": "aujourd_hui", "description": "x", "address": "y", "client_name": "Z",
                "client_phone": "+237677000104",
            ], headers: ["Authorization": "Bearer \(token)"])
        #expect(outside == 400, "a walk-in outside the hub's zones is refused at the hub")
    }
}
