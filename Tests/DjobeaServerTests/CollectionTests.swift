import DjobeaDomain
import DjobeaGateway
import DjobeaGatewayFakes
import DjobeaReplication
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Mobile money collections (SPEC.md §4.9): the provider's routes at the hub, and the default gateway's loop against
/// local fakes of MTN MoMo and Orange Money, on one node's database (the black box with real processes is
/// `CollectionProcessTests`).
@Suite("Mobile money collections: MTN MoMo and Orange Money through the gateway, one payment whatever happens")
struct CollectionTests: ReadsJSONResponses {
    /// Short delays, so a test drives passes itself.
    static var quick: CollectionGateway.Settings {
        var settings = CollectionGateway.Settings()
        settings.firstCheckAfter = 0
        settings.retryAfter = 0
        settings.maximumCheckInterval = 0.01
        return settings
    }

    /// A walk-in request of the first provider, at Réparation, with its invoice (15 000 + 2 000 = 17 000 FCFA). Returns
    /// the request id and a token.
    static func invoiced(_ harness: ProviderAPIHarness, _ client: some TestClientProtocol, phone: String? = nil) async throws -> (String, String) {
        let provider = try #require(harness.providers.first)
        let requestId = try await MissionWorkAPITests.walkIn(harness, provider: provider.id)
        let token = try await harness.login(client, phone: phone ?? provider.phone)
        let base = "/provider/requests/\(requestId)"
        for stage in ["arrived", "diagnosed", "repairing"] {
            let moved = try await client.execute(
                uri: "\(base)/update-status", method: .put, headers: harness.bearer(token), body: harness.body(["stage": stage]))
            #expect(moved.status == .ok)
        }
        let invoice = try await client.execute(
            uri: "\(base)/payment-request", method: .post, headers: harness.bearer(token), body: harness.body(["labour": 15_000, "travel": 2_000]))
        #expect(invoice.status == .created)
        return (requestId, token)
    }

    static func start(
        _ harness: ProviderAPIHarness, _ client: some TestClientProtocol, token: String, requestId: String, _ fields: [String: Any],
        key: String? = nil
    ) async throws -> TestResponse {
        var headers = harness.bearer(token)
        if let key, let name = HTTPField.Name("Idempotency-Key") { headers[name] = key }
        return try await client.execute(
            uri: "/provider/requests/\(requestId)/collections", method: .post, headers: headers, body: harness.body(fields))
    }

    static func view(_ response: TestResponse) throws -> CollectionView {
        try JSONCoding.decoder.decode(CollectionStartResult.self, from: Data(buffer: response.body)).collection
    }

    static func payments(_ harness: ProviderAPIHarness, requestId: String) throws -> [Row] {
        try harness.database.readBlocking { db in
            try Row.fetchAll(
                db, sql: "SELECT method, operator_ref, amount, recorded_by_role FROM ledger_entries WHERE request_id = ? AND kind = 'payment'",
                arguments: [requestId])
        }
    }

    static func invoiceStatus(_ harness: ProviderAPIHarness, _ client: some TestClientProtocol, token: String, requestId: String) async throws
        -> String?
    {
        let detail = try await client.execute(uri: "/provider/requests/\(requestId)", method: .get, headers: harness.bearer(token))
        return try JSONCoding.decoder.decode(ProviderRequestDetail.self, from: Data(buffer: detail.body)).invoice?.status
    }

    static func gateway(_ harness: ProviderAPIHarness, _ collectors: [any MobileMoneyCollector]) -> CollectionGateway {
        CollectionGateway(storage: harness.database, collectors: collectors, settings: quick, logger: Logger(label: "test"))
    }

    @Test(
        "MTN MoMo: exact requests; SUCCESSFUL becomes one ledger payment with MTN's transaction id and the invoice is paid; repeated callbacks and passes add nothing"
    )
    func mtnSuccessful() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let fake = try await FakeMTNMoMo.start()
        defer { Task { await fake.stop() } }
        let gateway = Self.gateway(harness, [try MTNMoMoCollector.fromEnvironment(fake.environment)])
        try await harness.application().test(.live) { client in
            let (requestId, token) = try await Self.invoiced(harness, client)
            let started = try await Self.start(harness, client, token: token, requestId: requestId, ["method": "mtn_momo"])
            #expect(started.status == .accepted, "\(String(buffer: started.body))")
            let collection = try Self.view(started)
            #expect(collection.status == "pending" && collection.amount == 17_000 && collection.payerPhone == "+237677000156")
            #expect(collection.statusLabel == "En attente de validation par le client")

            #expect(await gateway.collectDue().requested == 1)
            let reference = CollectionReference.derive(invoiceId: collection.invoiceId, attempt: 1)
            let asked = try #require(fake.requests.first { $0.path == "/collection/v1_0/requesttopay" })
            #expect(asked.headers["x-reference-id"] == reference)
            #expect(asked.headers["x-target-environment"] == "mtncameroon")
            #expect(asked.headers["ocp-apim-subscription-key"] == fake.subscriptionKey)
            #expect(asked.headers["authorization"] == "Bearer mtn-token-1")
            let body = try #require(asked.json)
            #expect(body["amount"] as? String == "17000" && body["currency"] as? String == "XAF" && body["externalId"] as? String == reference)
            #expect((body["payer"] as? [String: String]) == ["partyIdType": "MSISDN", "partyId": "237677000156"])
            let tokenCall = try #require(fake.requests.first { $0.path == "/collection/token/" })
            #expect(tokenCall.method == "POST" && tokenCall.headers["authorization"]?.hasPrefix("Basic ") == true)

            #expect(await gateway.collectDue().paid == 1)
            for _ in 0..<3 {
                #expect(try await gateway.callback(reference: reference, handle: nil) == false, "done: a callback changes nothing")
                #expect(await gateway.collectDue() == CollectionGateway.PassReport())
            }
            let payments = try Self.payments(harness, requestId: requestId)
            #expect(payments.count == 1)
            #expect(payments.first?["method"] == "mtn_momo" && payments.first?["operator_ref"] == "100000001")
            #expect(payments.first?["amount"] == 17_000)
            #expect(fake.prompts == [reference], "the client was asked once")
            #expect(fake.tokensIssued == 1, "the token is reused while it lasts")
            let shown = try await client.execute(uri: "/provider/collections/\(collection.id)", method: .get, headers: harness.bearer(token))
            let paid = try JSONCoding.decoder.decode(CollectionView.self, from: Data(buffer: shown.body))
            #expect(paid.status == "successful" && paid.statusLabel == "Paiement reçu" && paid.operatorTransactionId == "100000001")
            #expect(try await Self.invoiceStatus(harness, client, token: token, requestId: requestId) == "payee")

            // The same payment typed at the hub from the client's SMS is the same payment (CONFLICTS.md rule 8).
            let typed = try await client.execute(
                uri: "/provider/requests/\(requestId)/payments", method: .post, headers: harness.bearer(token),
                body: harness.body(["method": "mtn_momo", "reference": " 100000001 ", "amount": 17_000]))
            #expect(typed.status == .created)
            #expect(try await Self.invoiceStatus(harness, client, token: token, requestId: requestId) == "payee", "not counted twice")
        }
    }

    @Test("a callback that says SUCCESSFUL while MTN says PENDING records nothing; the payment comes when MTN says so")
    func lyingCallback() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let fake = try await FakeMTNMoMo.start()
        defer { Task { await fake.stop() } }
        fake.outcome(.hold)
        let gateway = Self.gateway(harness, [try MTNMoMoCollector.fromEnvironment(fake.environment)])
        try await harness.application().test(.live) { client in
            let (requestId, token) = try await Self.invoiced(harness, client)
            let collection = try Self.view(try await Self.start(harness, client, token: token, requestId: requestId, ["method": "mtn_momo"]))
            #expect(await gateway.collectDue().requested == 1)
            let reference = CollectionReference.derive(invoiceId: collection.invoiceId, attempt: 1)
            for _ in 0..<2 {
                #expect(try await gateway.callback(reference: reference, handle: nil), "a known reference: checked now")
                #expect(await gateway.collectDue().pending == 1)
            }
            #expect(try Self.payments(harness, requestId: requestId).isEmpty, "a callback alone never makes a payment")
            #expect(try await harness.database.read { db in try String.fetchOne(db, sql: "SELECT status FROM collections") } == "pending")
            fake.outcome(.succeed)
            #expect(await gateway.collectDue().paid == 1)
            #expect(try Self.payments(harness, requestId: requestId).count == 1)
            #expect(try await gateway.callback(reference: "00000000-0000-4000-8000-000000000000", handle: nil) == false)
        }
    }

    @Test("FAILED is shown in French with the reason; a new attempt gets a new reference; the token expiring on the way is renewed once")
    func failedThenRetried() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let fake = try await FakeMTNMoMo.start()
        defer { Task { await fake.stop() } }
        fake.outcome(.fail("APPROVAL_REJECTED"))
        let gateway = Self.gateway(harness, [try MTNMoMoCollector.fromEnvironment(fake.environment)])
        try await harness.application().test(.live) { client in
            let (requestId, token) = try await Self.invoiced(harness, client)
            let first = try Self.view(try await Self.start(harness, client, token: token, requestId: requestId, ["method": "mtn_momo"]))
            let pending = try await Self.start(harness, client, token: token, requestId: requestId, ["method": "mtn_momo"])
            #expect(pending.status == .conflict && Self.errorCode(pending) == "collection_pending")
            #expect(await gateway.collectDue().requested == 1)
            #expect(await gateway.collectDue().failed == 1)
            let shown = try await client.execute(uri: "/provider/collections/\(first.id)", method: .get, headers: harness.bearer(token))
            let failed = try JSONCoding.decoder.decode(CollectionView.self, from: Data(buffer: shown.body))
            #expect(failed.status == "failed" && failed.failureCode == "APPROVAL_REJECTED")
            #expect(failed.failureLabel == "Le client a refusé le paiement")
            #expect(try Self.payments(harness, requestId: requestId).isEmpty)

            fake.outcome(.succeed)
            let second = try Self.view(
                try await Self.start(harness, client, token: token, requestId: requestId, ["method": "mtn_momo", "payer_phone": "6 77 00 02 22"]))
            #expect(second.attempt == 2 && second.payerPhone == "+237677000222")
            #expect(await gateway.collectDue().requested == 1)
            fake.expireTokens()
            #expect(await gateway.collectDue().paid == 1, "a 401 gets a fresh token and the check goes on")
            #expect(fake.tokensIssued == 2)
            #expect(fake.prompts.count == 2 && Set(fake.prompts).count == 2, "one prompt per attempt, each its own reference")
            #expect(try Self.payments(harness, requestId: requestId).count == 1)
            let nothingDue = try await Self.start(harness, client, token: token, requestId: requestId, ["method": "mtn_momo"])
            #expect(nothingDue.status == .conflict && Self.errorCode(nothingDue) == "nothing_due")
        }
    }

    @Test("a gateway that died after MTN took the request asks its status first and never prompts the client twice; one payment")
    func crashBetweenRequestAndStatus() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let fake = try await FakeMTNMoMo.start()
        defer { Task { await fake.stop() } }
        fake.outcome(.hold)
        try await harness.application().test(.live) { client in
            let (requestId, token) = try await Self.invoiced(harness, client)
            _ = try await Self.start(harness, client, token: token, requestId: requestId, ["method": "mtn_momo"])
            let first = Self.gateway(harness, [try MTNMoMoCollector.fromEnvironment(fake.environment)])
            #expect(await first.collectDue().requested == 1)
            // The process died between MTN's 202 and its own write, even before it kept the handle: nothing of the
            // request is known here any more.
            try await harness.database.write { tx in
                try tx.db.execute(sql: "UPDATE collection_work SET handle = NULL, requested_at = NULL, submit_attempts = 0")
            }
            fake.outcome(.succeed)
            let second = Self.gateway(harness, [try MTNMoMoCollector.fromEnvironment(fake.environment)])
            #expect(await second.collectDue().requested == 1, "asked again: MTN answers 409, the reference is its")
            #expect(fake.requests.filter { $0.path == "/collection/v1_0/requesttopay" }.count == 2)
            #expect(fake.prompts.count == 1, "the client was prompted once")
            #expect(await second.collectDue().paid == 1)
            #expect(await first.collectDue().paid == 0, "the first gateway, back, finds the work done")
            #expect(try Self.payments(harness, requestId: requestId).count == 1)
        }
    }

    @Test("Orange Money: init, pay, status SUCCESSFULL with the exact requests; one payment carrying Orange's txnid")
    func orangeSuccessful() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let fake = try await FakeOrangeMoney.start()
        defer { Task { await fake.stop() } }
        let gateway = Self.gateway(harness, [try OrangeMoneyCollector.fromEnvironment(fake.environment)])
        try await harness.application().test(.live) { client in
            let (requestId, token) = try await Self.invoiced(harness, client)
            let collection = try Self.view(
                try await Self.start(
                    harness, client, token: token, requestId: requestId,
                    ["method": "orange_money", "payer_phone": "+237 6 91 11 22 33", "amount": 10_000]))
            #expect(collection.amount == 10_000 && collection.method == "orange_money")
            #expect(await gateway.collectDue().requested == 1)
            let paths = fake.requests.map(\.path)
            #expect(paths.prefix(3) == ["/token", "/omcoreapis/1.0.2/mp/init", "/omcoreapis/1.0.2/mp/pay"])
            let pay = try #require(fake.requests.first { $0.path.hasSuffix("/pay") }?.json)
            #expect(pay["subscriberMsisdn"] as? String == "691112233" && pay["amount"] as? String == "10000")
            #expect(pay["orderId"] as? String == CollectionReference.derive(invoiceId: collection.invoiceId, attempt: 1))
            #expect(pay["channelUserMsisdn"] as? String == fake.channelMsisdn && pay["pin"] as? String == fake.pin)
            #expect(try await gateway.callback(reference: nil, handle: "MP00000001ABCD"), "Orange's notification names the pay token")
            #expect(await gateway.collectDue().paid == 1)
            let payments = try Self.payments(harness, requestId: requestId)
            #expect(payments.count == 1 && payments.first?["method"] == "orange_money" && payments.first?["operator_ref"] == "MP100000001")
            #expect(try await Self.invoiceStatus(harness, client, token: token, requestId: requestId) == "partielle")
            #expect(fake.prompts.count == 1)
        }
    }

    @Test("bad input: unknown method, a number that is not a Cameroonian mobile, more than is due, no invoice, another provider, no token")
    func refusals() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await harness.application().test(.live) { client in
            let provider = try #require(harness.providers.first)
            let bare = try await MissionWorkAPITests.walkIn(harness, provider: provider.id)
            let token = try await harness.login(client, phone: provider.phone)
            let noInvoice = try await Self.start(harness, client, token: token, requestId: bare, ["method": "mtn_momo"])
            #expect(noInvoice.status == .conflict && Self.errorCode(noInvoice) == "no_invoice")
            let (requestId, _) = try await Self.invoiced(harness, client)
            let before = try harness.changeCount()
            for fields: [String: Any] in [
                ["method": "wave"], ["method": "mtn_momo", "payer_phone": "+33612345678"], ["method": "mtn_momo", "payer_phone": "222 33 44 55"],
                ["method": "mtn_momo", "amount": 17_001], ["method": "mtn_momo", "amount": 0], ["method": "mtn_momo", "amount": "cent"],
                ["payer_phone": "677000156"],
            ] {
                let refused = try await Self.start(harness, client, token: token, requestId: requestId, fields)
                // 400 for a body that does not decode, 422 for a value out of bounds (as every provider route).
                #expect([400, 422].contains(refused.status.code), "\(fields): \(String(buffer: refused.body))")
                #expect(Self.errorMessage(refused)?.isEmpty == false)
            }
            let stranger = try #require(harness.providers.dropFirst().first)
            let strangerToken = try await harness.login(client, phone: stranger.phone)
            let hidden = try await Self.start(harness, client, token: strangerToken, requestId: requestId, ["method": "mtn_momo"])
            #expect(hidden.status == .notFound)
            let anonymous = try await client.execute(
                uri: "/provider/requests/\(requestId)/collections", method: .post, headers: harness.json, body: harness.body(["method": "mtn_momo"]))
            #expect(anonymous.status == .unauthorized)
            #expect(try harness.changeCount() == before, "nothing written")

            let first = try await Self.start(harness, client, token: token, requestId: requestId, ["method": "mtn_momo"], key: "collect-1")
            let replay = try await Self.start(harness, client, token: token, requestId: requestId, ["method": "mtn_momo"], key: "collect-1")
            #expect(first.status == .accepted && replay.status == .accepted)
            #expect(try Self.view(first).id == Self.view(replay).id)
            #expect(Self.json(replay)["replayed"] as? Bool == true)
            let other = try await client.execute(
                uri: "/provider/collections/\(try Self.view(first).id)", method: .get, headers: harness.bearer(strangerToken))
            #expect(other.status == .notFound)
            let garbage = try await client.execute(uri: "/provider/collections/not-an-id", method: .get, headers: harness.bearer(token))
            #expect(garbage.status == .notFound)
        }
    }
}
