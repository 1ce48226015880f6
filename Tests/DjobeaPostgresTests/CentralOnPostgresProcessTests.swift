import DjobeaDomain
import DjobeaPostgres
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

/// Issue 13's acceptance, black-box: `djobea central --postgres` (one process, then two processes on one database)
/// with two `djobea hub` processes on different zones, everything on loopback.
@Suite("Central on PostgreSQL with real processes", .serialized, .enabled(if: PostgresTestDatabase.isAvailable))
struct CentralOnPostgresProcessTests {
    typealias P = NodeProcess

    @Test(
        "intake reaches only the right hub; an accept made while central is down reaches it; one MoMo reference twice is one payment and one conflict",
        arguments: [1, 2])
    func acceptance(processes: Int) async throws {
        try await PostgresTestDatabase.with(migrated: false) { database in
            try await scenario(processes: processes, url: database.url, database: database.database)
        }
    }

    /// With two processes, hub A syncs with the first and hub B with the second; ops and the platform API use the
    /// second, so every answer about hub A's work crosses from one process to the other through the database.
    private func scenario(processes: Int, url: String, database: PostgresDatabase) async throws {
        let root = try temporaryDirectory("central-postgres")
        defer { try? FileManager.default.removeItem(at: root) }
        let (hubADir, hubBDir) = (root.appendingPathComponent("a"), root.appendingPathComponent("b"))
        let centralDirs = (0..<processes).map { root.appendingPathComponent("central-\($0)") }
        let centralPorts = try centralDirs.map { _ in try freePort() }
        let (portA, portB) = (try freePort(), try freePort())
        var centrals: [ChildProcess] = []
        for (directory, port) in zip(centralDirs, centralPorts) {
            centrals.append(try await P.startCentral(directory, port: port, postgres: url))
        }
        defer { for central in centrals { central.kill(SIGTERM) } }
        let urlA = "http://127.0.0.1:\(centralPorts[0])"
        let urlB = "http://127.0.0.1:\(centralPorts[processes - 1])"
        let centralURL = urlB
        // One VAPID key for the whole central, whichever process started last (browsers subscribe with its public half).
        let publishedKey = try await database.session {
            try $0.query("SELECT vapid_public_key FROM gateway_keys").compactMap { $0[0].textValue }
        }
        #expect(publishedKey.count == 1, "\(publishedKey)")
        // Enrolment needs no running central: the command writes to the database.
        let tokenA = try await P.enrolToken(root, name: "Hub A", zones: "zone-a", postgres: url)
        let tokenB = try await P.enrolToken(root, name: "Hub B", zones: "zone-b", postgres: url)
        setenv("DJOBEA_SYNC_INTERVAL", "0.5", 1)
        let hubA = try await P.startHub(hubADir, port: portA, central: urlA, token: tokenA)
        defer { hubA.kill(SIGTERM) }
        let hubB = try await P.startHub(hubBDir, port: portB, central: urlB, token: tokenB)
        defer { hubB.kill(SIGTERM) }
        let key = ["Authorization": "Bearer \(P.apiKey)"]
        let phone = "+237690000201"
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
                "address": "Makepe, derrière la pharmacie", "client_name": "Awa Ndiaye", "client_phone": "+237677000202",
                "budget_min": 5000, "budget_max": 20000,
            ], headers: key)
        #expect(created.status == 201, "\(created)")
        let requestId = try #require(created.decoded(CreatedId.self)?.id)

        // Zone a's request reaches hub A, where the provider sees it offered; nothing of it reaches hub B.
        let hubAURL = "http://127.0.0.1:\(portA)"
        #expect(try await P.eventually { try P.count(hubADir, "SELECT count(*) FROM request_offers WHERE request_id = ?", [requestId]) == 1 })
        let token = try await P.login(hub: hubAURL, directory: hubADir, phone: phone)
        let listed = try await P.send("GET", "\(hubAURL)/provider/requests", headers: ["Authorization": "Bearer \(token)"])
        #expect(listed.decoded(ProviderRequestPage.self)?.items.contains { $0.id == requestId } == true)
        #expect(try await P.eventually { try P.count(hubBDir, "SELECT count(*) FROM zones") > 0 }, "hub B synced its reference data")
        #expect(try P.count(hubBDir, "SELECT count(*) FROM service_requests") == 0)
        #expect(try P.count(hubBDir, "SELECT count(*) FROM clients") == 0)
        #expect(try P.count(hubBDir, "SELECT count(*) FROM providers") == 0)

        // Hub A's central goes down; the provider accepts at hub A; it comes back and the accept reaches central
        // (read through the other process when there are two).
        centrals[0].kill(SIGTERM)
        let accepted = try await P.send("PUT", "\(hubAURL)/provider/requests/\(requestId)/accept", headers: ["Authorization": "Bearer \(token)"])
        #expect(accepted.status == 200)
        try await Task.sleep(for: .seconds(1))
        centrals[0] = try await P.startCentral(centralDirs[0], port: centralPorts[0], postgres: url)
        #expect(
            try await P.eventually(60) {
                let status = try await P.send("GET", "\(centralURL)/central/requests/\(requestId)", headers: key)
                return status.decoded(CentralRequestStatus.self)?.status == "acceptee"
            }, "central learns the accept once it is back")
        let keyAfterRestart = try await database.session {
            try $0.query("SELECT vapid_public_key FROM gateway_keys").compactMap { $0[0].textValue }
        }
        #expect(keyAfterRestart == publishedKey, "a restarted process keeps the shared key, it does not publish its own")

        // Central's gateway tells the client, once: exactly one process sends it (the one holding the gateway's job
        // lock), whichever process the accept arrived through.
        let client = "+237677000202"
        func sentToClient() -> [String] {
            centralDirs.flatMap { directory -> [String] in
                let file = directory.appendingPathComponent("outbox/whatsapp.jsonl")
                guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [] }
                return text.split(separator: "\n").map(String.init).filter { $0.contains(client) }
            }
        }
        #expect(try await P.eventually(60) { !sentToClient().isEmpty }, "the client is told through central's gateway")
        #expect(
            try await P.eventually {
                try await count(
                    database, "SELECT count(*) FROM messages WHERE request_id = $1 AND direction = 'out' AND delivery_status = 'queued'", requestId)
                    == 0
            }, "no message left queued")
        let sentMessages = try await count(
            database, "SELECT count(*) FROM messages WHERE request_id = $1 AND direction = 'out' AND delivery_status <> 'queued'", requestId)
        #expect(sentMessages > 0)
        let lines = sentToClient()
        #expect(lines.count == sentMessages, "each message to the client left once, by one process: \(lines)")

        // The process sending for the gateway dies: the other takes the job over, and the provider's next message to
        // the client still leaves, once.
        if processes == 2 {
            let holder = try #require(
                centralDirs.firstIndex { directory in
                    (try? String(contentsOf: directory.appendingPathComponent("outbox/whatsapp.jsonl"), encoding: .utf8))?.contains(client) == true
                })
            centrals[holder].kill(SIGKILL)
            let written = try await P.send(
                "POST", "\(hubAURL)/provider/requests/\(requestId)/message", json: ["body": "J'arrive dans 20 minutes, Jean."],
                headers: ["Authorization": "Bearer \(token)"])
            #expect(written.status == 200 || written.status == 201 || written.status == 202, "\(written)")
            if holder == 0 {
                // Hub A synced through the dead process: it needs a live one to hand its message over.
                centrals[0] = try await P.startCentral(centralDirs[0], port: centralPorts[0], postgres: url)
            }
            #expect(
                try await P.eventually(60) { sentToClient().contains { $0.contains("J'arrive dans 20 minutes") } },
                "the message leaves although the process that was sending died (process \(holder))")
            #expect(sentToClient().filter { $0.contains("J'arrive dans 20 minutes") }.count == 1)
            if holder == 1 {
                centrals[1] = try await P.startCentral(centralDirs[1], port: centralPorts[1], postgres: url)
            }
        }

        // The same MoMo transaction recorded at hub A and at central: one payment on both nodes, one conflict.
        let reference = "MP261207.0201.C12345"
        let paidAtHub = try await P.send(
            "POST", "\(hubAURL)/provider/requests/\(requestId)/payments", json: ["method": "mtn_momo", "reference": reference, "amount": 15_000],
            headers: ["Authorization": "Bearer \(token)"])
        #expect(paidAtHub.status == 201)
        let paidAtCentral = try await P.send(
            "POST", "\(centralURL)/central/payments",
            json: ["request_id": requestId, "method": "mtn_momo", "reference": reference, "amount": 15_000], headers: key)
        #expect(paidAtCentral.status == 201, "\(paidAtCentral)")
        #expect(try await P.eventually { try P.count(hubADir, "SELECT count(*) FROM ledger_entries WHERE request_id = ?", [requestId]) == 2 })
        #expect(
            try await P.eventually {
                try await count(database, "SELECT count(*) FROM ledger_entries WHERE request_id = $1", requestId) == 2
            })
        let status = try await P.send("GET", "\(centralURL)/central/requests/\(requestId)", headers: key)
        #expect(status.decoded(CentralRequestStatus.self)?.paid == 15_000, "one payment at central, not two: \(status)")
        let hubPaid = try await DatabaseQueue(path: hubADir.appendingPathComponent("djobea.sqlite").path, configuration: P.readOnly).read { db in
            PaymentLedger.fold(try LedgerReads.entries(sql: "request_id = ?", arguments: [requestId], in: db)).paid.francs
        }
        #expect(hubPaid == 15_000, "one payment at the hub, not two")
        #expect(
            try await P.eventually {
                let answer = try await P.send("GET", "\(centralURL)/ops/sync-status", headers: key)
                let conflicts = answer.decoded(OpsSyncStatus.self)?.conflicts.filter { $0.table == "ledger_entries" } ?? []
                return conflicts.count == 1 && conflicts.first?.rule == "CONFLICTS-8"
            }, "one conflict in /ops/sync-status")
        let ops = try #require(try await P.send("GET", "\(centralURL)/ops/sync-status", headers: key).decoded(OpsSyncStatus.self))
        #expect(ops.hubs.contains { $0.name == "Hub A" && $0.lastSuccessAt != nil })
        #expect(ops.hubs.contains { $0.name == "Hub B" && $0.lastSuccessAt != nil })
        #expect(try await count(database, "SELECT count(*) FROM sync_conflicts WHERE table_name = 'ledger_entries' AND resolved_at IS NULL") == 1)
        // /metrics on PostgreSQL reads the same figures: a last success per hub, the duplicate payment among the conflicts.
        let metrics = String(decoding: try await P.send("GET", "\(centralURL)/metrics").body, as: UTF8.self)
        for hub in ["Hub A", "Hub B"] {
            #expect(metrics.contains("djobea_sync_last_success_timestamp_seconds{hub=\"\(hub)\"} "), "\(hub) in:\n\(metrics)")
            #expect(metrics.contains("djobea_sync_clock_offset_seconds{hub=\"\(hub)\"} "))
        }
        let warnings = metrics.split(separator: "\n").first { $0.hasPrefix("djobea_open_conflicts{severity=\"warning\"} ") }
        #expect((warnings?.split(separator: " ").last.flatMap { Int($0) } ?? 0) >= 1, "the duplicate payment (same amount): \(metrics)")

        // Both processes are one node: same identity, same health.
        for base in Set([urlA, urlB]) {
            let health = try await P.send("GET", "\(base)/healthz")
            #expect(health.status == 200, "\(health)")
            #expect(String(decoding: health.body, as: UTF8.self).contains("\"role\":\"central\""), "\(health)")
        }
    }

    private func count(_ database: PostgresDatabase, _ sql: String, _ argument: String? = nil) async throws -> Int {
        let arguments: [ColumnValue] = argument.map { [.text($0)] } ?? []
        return Int(try await database.session { try $0.scalar(sql, arguments)?.integerValue ?? 0 })
    }
}
