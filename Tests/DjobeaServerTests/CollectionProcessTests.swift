import DjobeaDomain
import DjobeaGatewayFakes
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Mobile money, black-box: `djobea central` (the gateway, on a local fake of MTN MoMo) and a `djobea hub` process.
@Suite("Mobile money with real processes: collected at the hub's request, central SIGKILLed in the middle", .serialized)
struct CollectionProcessTests {
    typealias P = NodeProcess
    typealias Ops = OpsProcessTests

    @Test(
        "a MoMo collection started at the hub: central asks MTN, is SIGKILLed before the answer, restarts; the client is prompted once and the invoice is paid at the hub and at central with one ledger payment"
    )
    func collectedAcrossACrash() async throws {
        try await Self.collect(console: false)
    }

    @Test("the demo's console operator: a collection started at the hub is approved by the console driver and paid at the hub")
    func consoleOperator() async throws {
        try await Self.collect(console: true)
    }

    static func collect(console: Bool) async throws {
        let root = try temporaryDirectory("collection-kill")
        defer { try? FileManager.default.removeItem(at: root) }
        let fake = try await FakeMTNMoMo.start()
        defer { Task { await fake.stop() } }
        fake.outcome(.hold)
        let (centralDir, hubDir) = (root.appendingPathComponent("central"), root.appendingPathComponent("hub"))
        let (centralPort, hubPort) = (try freePort(), try freePort())
        let centralURL = "http://127.0.0.1:\(centralPort)"
        let environment =
            console
            ? ["DJOBEA_COLLECTION_FIRST_CHECK": "0.3", "DJOBEA_CONSOLE_MOMO_DELAY": "1"]
            : fake.environment.merging(["DJOBEA_COLLECTION_FIRST_CHECK": "0.3"]) { $1 }
        var central = try await GatewayProcessTests.startCentral(centralDir, port: centralPort, environment: environment)
        defer { central.kill(SIGTERM) }
        let token = try await P.enrolToken(centralDir, name: "Hub A", zones: "zone-a")
        setenv("DJOBEA_SYNC_INTERVAL", "0.5", 1)
        let hub = try await P.startHub(hubDir, port: hubPort, central: centralURL, token: token)
        defer { hub.kill(SIGTERM) }
        let hubURL = "http://127.0.0.1:\(hubPort)"

        let (phone, client) = ("+237690000701", "+237677000701")
        _ = try await Ops.provider(centralURL, name: "Jean Plombier", phone: phone, zones: ["zone-a"])
        let requestId = try await Ops.request(centralURL, client: client)
        #expect(try await P.eventually { try P.count(hubDir, "SELECT count(*) FROM request_offers WHERE request_id = ?", [requestId]) == 1 })
        let bearer = ["Authorization": "Bearer \(try await P.login(hub: hubURL, directory: hubDir, phone: phone))"]
        let base = "\(hubURL)/provider/requests/\(requestId)"
        #expect(try await P.send("PUT", "\(base)/accept", headers: bearer).status == 200)
        for stage in ["arrived", "diagnosed", "repairing"] {
            #expect(try await P.send("PUT", "\(base)/update-status", json: ["stage": stage], headers: bearer).status == 200)
        }
        #expect(try await P.send("POST", "\(base)/payment-request", json: ["labour": 20_000], headers: bearer).status == 201)
        let started = try await P.send("POST", "\(base)/collections", json: ["method": "mtn_momo"], headers: bearer)
        #expect(started.status == 202, "\(started)")
        let collection = try #require(started.decoded(CollectionStartResult.self)?.collection)

        if console {
            #expect(
                try await P.eventually(60) {
                    try await P.send("GET", "\(hubURL)/provider/collections/\(collection.id)", headers: bearer).decoded(CollectionView.self)?.status
                        == "successful"
                }, "the console operator approves: paid at the hub")
            let prompts = (try? String(contentsOf: centralDir.appendingPathComponent("outbox/mobile-money.jsonl"), encoding: .utf8)) ?? ""
            #expect(prompts.split(separator: "\n").count == 1 && prompts.contains("+237677000701"), "\(prompts)")
            return
        }
        #expect(try await P.eventually(60) { fake.prompts.count == 1 }, "central got the collection by sync and asked MTN")
        central.kill(SIGKILL)
        fake.outcome(.succeed)
        central = try await GatewayProcessTests.startCentral(centralDir, port: centralPort, environment: environment)

        #expect(
            try await P.eventually(60) {
                try await P.send("GET", "\(hubURL)/provider/collections/\(collection.id)", headers: bearer).decoded(CollectionView.self)?.status
                    == "successful"
            }, "the hub shows it paid within 60 s")
        let detail = try await P.send("GET", base, headers: bearer).decoded(ProviderRequestDetail.self)
        #expect(detail?.invoice?.status == "payee")
        let payments =
            "SELECT count(*) FROM ledger_entries WHERE request_id = ? AND kind = 'payment' AND method = 'mtn_momo' AND operator_ref = '100000001'"
        #expect(try P.count(hubDir, payments, [requestId]) == 1)
        #expect(try P.count(centralDir, payments, [requestId]) == 1)
        #expect(try P.count(centralDir, "SELECT count(*) FROM ledger_entries WHERE request_id = ? AND kind = 'payment'", [requestId]) == 1)
        #expect(fake.prompts.count == 1, "the client was prompted once")

        // Callbacks: never trusted, a lie about an unknown reference is ignored, garbage is refused.
        let lie = try await P.send(
            "PUT", "\(centralURL)/webhooks/mtn-momo",
            json: ["externalId": "00000000-0000-4000-8000-000000000000", "status": "SUCCESSFUL", "financialTransactionId": "999"])
        #expect(lie.status == 200 && String(decoding: lie.body, as: UTF8.self).contains("ignored"))
        let known = try await P.send(
            "POST", "\(centralURL)/webhooks/mtn-momo",
            json: [
                "externalId": collection.id, "referenceId": "\(CollectionReference.derive(invoiceId: collection.invoiceId, attempt: 1))",
                "status": "SUCCESSFUL",
            ])
        #expect(known.status == 200)
        let garbage = try await P.send("POST", "\(centralURL)/webhooks/orange-money", json: ["nothing": true])
        #expect(garbage.status == 400 && garbage.errorCode == "invalid_payload")
        try await Task.sleep(for: .seconds(2))
        #expect(try P.count(centralDir, "SELECT count(*) FROM ledger_entries WHERE request_id = ? AND kind = 'payment'", [requestId]) == 1)
    }
}
