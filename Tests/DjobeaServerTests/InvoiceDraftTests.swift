import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Invoice drafts: edited before they are sent, numbered when sent", .serialized)
struct InvoiceDraftTests: ReadsJSONResponses {
    /// A walk-in request of the first provider, at Réparation, logged in.
    static func repairing(_ harness: ProviderAPIHarness, _ client: some TestClientProtocol) async throws -> (String, String) {
        let (requestId, token) = try await QuoteTests.request(harness, client)
        for stage in ["arrived", "diagnosed", "repairing"] {
            let moved = try await client.execute(
                uri: "/provider/requests/\(requestId)/update-status", method: .put, headers: harness.bearer(token),
                body: harness.body(["stage": stage]))
            #expect(moved.status == .ok)
        }
        return (requestId, token)
    }

    static func call(
        _ harness: ProviderAPIHarness, _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String,
        _ body: [String: Any] = [:], key: String? = nil
    ) async throws -> TestResponse {
        var headers = harness.bearer(token)
        if let key, let name = HTTPField.Name("Idempotency-Key") { headers[name] = key }
        return try await client.execute(uri: uri, method: method, headers: headers, body: harness.body(body))
    }

    static func result(_ response: TestResponse) throws -> MissionPaymentRequestResult {
        try JSONCoding.decoder.decode(MissionPaymentRequestResult.self, from: Data(buffer: response.body))
    }

    static func messages(_ harness: ProviderAPIHarness, requestId: String) async throws -> [String] {
        try await harness.database.read { db in
            try String.fetchAll(
                db, sql: "SELECT coalesce(template_code, '') FROM messages WHERE request_id = ? AND template_code = 'demande_paiement'",
                arguments: [requestId])
        }
    }

    static func commissions(_ harness: ProviderAPIHarness, requestId: String) async throws -> [Int] {
        try await harness.database.read { db in
            try Int.fetchAll(db, sql: "SELECT amount FROM ledger_entries WHERE request_id = ? AND kind = 'commission'", arguments: [requestId])
        }
    }

    @Test("a draft sends nothing and is owed nothing; it is edited, then sent with the next number, its message and its commission")
    func draftLifecycle() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let node = try await QuoteTests.node(harness)
        try await node.application().test(.live) { client in
            let (requestId, token) = try await Self.repairing(harness, client)
            let made = try await Self.call(
                harness, client, .post, "/provider/requests/\(requestId)/payment-request", token: token,
                ["labour": 15_000, "travel": 2_000, "send": false])
            #expect(made.status == .created)
            let draft = try Self.result(made)
            #expect(draft.draft && draft.messageId == nil && draft.number == "Brouillon" && draft.total == 17_000)
            #expect(try await Self.messages(harness, requestId: requestId).isEmpty, "nothing reaches the client")
            let invoices = "/provider/finance/invoices/\(draft.invoiceId)"

            // Listed as a draft; what only a sent invoice allows is refused with a French reason.
            let listed = try await InvoiceRemindersAPITests.listed(harness, client, token: token, invoiceId: draft.invoiceId)
            #expect(listed?.status == "brouillon" && listed?.statusLabel == "Brouillon")
            for (uri, body) in [
                ("\(invoices)/remind", [String: Any]()), ("\(invoices)/credit-notes", ["amount": 1_000, "reason": "geste"]),
                ("/provider/requests/\(requestId)/collections", ["method": "mtn_momo"]),
            ] {
                let refused = try await Self.call(harness, client, .post, uri, token: token, body)
                #expect(refused.status == .conflict, "\(uri)")
                #expect(Self.errorCode(refused) == "invoice_draft", "\(uri)")
            }
            // No client page before it is sent.
            let pageToken = try #require(
                try await harness.database.read { db in
                    try String.fetchOne(db, sql: "SELECT public_token FROM invoices WHERE id = ?", arguments: [draft.invoiceId])
                })
            #expect(try await client.execute(uri: QuoteTests.pagePath(pageToken), method: .get).status == .notFound)

            // Completed while a draft: no commission on an amount that may still change.
            let done = try await Self.call(
                harness, client, .put, "/provider/requests/\(requestId)/update-status", token: token, ["stage": "completed"])
            #expect(done.status == .ok)
            #expect(try await Self.commissions(harness, requestId: requestId).isEmpty)

            // Edited: every line replaced, the total follows; bad lines and strangers are refused.
            let lines: [[String: Any]] = [
                ["kind": "main_oeuvre", "label": "Réparation de la fuite", "quantity": 1, "unit_price": 12_000],
                ["kind": "materiel", "label": "Joint", "quantity": 2, "unit_price": 1_500],
            ]
            let edited = try await Self.call(harness, client, .put, invoices, token: token, ["lines": lines])
            #expect(edited.status == .ok)
            let afterEdit = try Self.result(edited)
            #expect(afterEdit.total == 15_000 && afterEdit.lines.map(\.label) == ["Réparation de la fuite", "Joint"] && afterEdit.draft)
            let bad = try await Self.call(harness, client, .put, invoices, token: token, ["lines": [[String: Any]]()])
            #expect(bad.status == .unprocessableContent && Self.errorCode(bad) == "invalid_parameter")
            let other = try #require(harness.providers.dropFirst().first)
            let stranger = try await harness.login(client, phone: other.phone)
            #expect(try await Self.call(harness, client, .put, invoices, token: stranger, ["lines": lines]).status == .notFound)
            #expect(try await Self.call(harness, client, .post, "\(invoices)/send", token: stranger).status == .notFound)

            // Sent: numbered now, the message with the edited total and the link, the commission on the sent total.
            let sent = try await Self.call(harness, client, .post, "\(invoices)/send", token: token, ["note": "Merci !"], key: "envoi-1")
            #expect(sent.status == .ok)
            let issued = try Self.result(sent)
            let year = String(DoualaCalendar().dayKey(Date()).prefix(4))
            #expect(!issued.draft && issued.number.hasPrefix("F-\(year)-") && issued.messageId != nil && issued.total == 15_000)
            #expect(try await Self.messages(harness, requestId: requestId).count == 1)
            let body = try #require(
                try await harness.database.read { db in
                    try String.fetchOne(db, sql: "SELECT body FROM messages WHERE id = ?", arguments: [issued.messageId])
                })
            #expect(body.contains(XAF(15_000).formatted) && body.contains(issued.number) && body.contains("Merci !"))
            #expect(body.contains(QuoteTests.base + QuoteTests.pagePath(pageToken)))
            #expect(try await Self.commissions(harness, requestId: requestId).count == 1)
            #expect(try await client.execute(uri: QuoteTests.pagePath(pageToken), method: .get).status == .ok)

            // Replayed by its key: the first answer, nothing sent twice. Sent again or edited: refused.
            let replay = try await Self.call(harness, client, .post, "\(invoices)/send", token: token, ["note": "Merci !"], key: "envoi-1")
            #expect(try Self.result(replay).number == issued.number)
            #expect(try await Self.messages(harness, requestId: requestId).count == 1)
            let again = try await Self.call(harness, client, .post, "\(invoices)/send", token: token)
            #expect(again.status == .conflict && Self.errorCode(again) == "invoice_sent")
            let late = try await Self.call(harness, client, .put, invoices, token: token, ["lines": lines])
            #expect(late.status == .conflict && Self.errorCode(late) == "invoice_sent")
            #expect(try await InvoiceRemindersAPITests.listed(harness, client, token: token, invoiceId: draft.invoiceId)?.status == "envoyee")
        }
    }

    @Test("numbers follow the order of sending: an invoice sent while another waits as a draft takes the next number, no gap")
    func numbersAtSending() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let node = try await QuoteTests.node(harness)
        try await node.application().test(.live) { client in
            let (first, token) = try await Self.repairing(harness, client)
            let (second, _) = try await Self.repairing(harness, client)
            let draft = try Self.result(
                try await Self.call(
                    harness, client, .post, "/provider/requests/\(first)/payment-request", token: token, ["labour": 10_000, "send": false]))
            let direct = try Self.result(
                try await Self.call(harness, client, .post, "/provider/requests/\(second)/payment-request", token: token, ["labour": 8_000]))
            let later = try Self.result(
                try await Self.call(harness, client, .post, "/provider/finance/invoices/\(draft.invoiceId)/send", token: token))
            func sequence(_ number: String) -> Int? { Int(number.split(separator: "-").last ?? "") }
            let directNumber = try #require(sequence(direct.number))
            #expect(sequence(later.number) == directNumber + 1)
        }
    }
}
