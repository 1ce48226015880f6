import DjobeaDomain
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

@Suite("Invoice reminders (relances) and credit notes (avoirs) over HTTP", .serialized)
struct InvoiceRemindersAPITests: ReadsJSONResponses {
    static let day: TimeInterval = 86_400

    /// The invoice of `requestId`: id, issue and due instants.
    static func invoice(_ harness: ProviderAPIHarness, requestId: String) async throws -> (id: String, dueAt: Date) {
        try await harness.database.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT id, due_at FROM invoices WHERE request_id = ?", arguments: [requestId]))
            return (row["id"], try #require(UTCTimestamp.parse(row["due_at"])))
        }
    }

    /// The reminders of an invoice, oldest first: (sent_at, template_code, body).
    static func reminders(_ harness: ProviderAPIHarness, invoiceId: String) async throws -> [(sentAt: String, code: String?, body: String)] {
        try await harness.database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.sent_at, m.template_code, m.body FROM payment_reminders r JOIN messages m ON m.id = r.message_id
                    WHERE r.invoice_id = ? ORDER BY r.sent_at, r.id
                    """, arguments: [invoiceId]
            ).map { ($0["sent_at"], $0["template_code"], $0["body"]) }
        }
    }

    static func pay(_ harness: ProviderAPIHarness, _ client: some TestClientProtocol, token: String, requestId: String, amount: Int) async throws {
        let paid = try await client.execute(
            uri: "/provider/requests/\(requestId)/payments", method: .post, headers: harness.bearer(token),
            body: harness.body(["method": "cash", "amount": amount]))
        #expect(paid.status == .created)
    }

    /// The invoice as `GET /provider/finance/invoices` lists it.
    static func listed(_ harness: ProviderAPIHarness, _ client: some TestClientProtocol, token: String, invoiceId: String) async throws
        -> ProviderInvoice?
    {
        let response = try await client.execute(uri: "/provider/finance/invoices?page_size=100", method: .get, headers: harness.bearer(token))
        #expect(response.status == .ok)
        return try JSONCoding.decoder.decode(ProviderInvoicePage.self, from: Data(buffer: response.body)).items.first { $0.id == invoiceId }
    }

    func post(
        _ harness: ProviderAPIHarness, _ client: some TestClientProtocol, _ uri: String, token: String, body: [String: Any]? = nil,
        key: String? = nil
    ) async throws -> TestResponse {
        var headers = harness.bearer(token)
        if let key, let name = HTTPField.Name("Idempotency-Key") { headers[name] = key }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: harness.body(body ?? [:]))
    }

    @Test("automatic reminders: none before the day after the due date, then one, then the second 7 days after, never a third, nothing twice")
    func automaticReminders() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await harness.application().test(.live) { client in
            let (requestId, token) = try await CollectionTests.invoiced(harness, client)
            let invoice = try await Self.invoice(harness, requestId: requestId)
            let schedule = PaymentReminderSchedule.default
            let calendar = DoualaCalendar()
            let dueDay = calendar.startOfDay(invoice.dueAt)

            // Not due yet: before the due date, and on the due day itself.
            for now in [Date(), invoice.dueAt.addingTimeInterval(60), dueDay.addingTimeInterval(Self.day - 1)] {
                _ = try await InvoiceReminders.sendDue(schedule: schedule, database: harness.database, now: now)
            }
            #expect(try await Self.reminders(harness, invoiceId: invoice.id).isEmpty)

            // The Douala day after the due date: one reminder with the whole amount; a second pass (or a restart) adds none.
            let firstAt = dueDay.addingTimeInterval(Self.day + 3_600)
            for offset in [0.0, 1, 3_600] {
                _ = try await InvoiceReminders.sendDue(schedule: schedule, database: harness.database, now: firstAt.addingTimeInterval(offset))
            }
            var sent = try await Self.reminders(harness, invoiceId: invoice.id)
            #expect(sent.count == 1)
            #expect(sent.first?.code == "relance_auto")
            #expect(sent.first?.body.contains(XAF(17_000).formatted) == true)
            #expect(sent.first?.body.contains("Reste à payer") == true)

            // Day 6 after the due date: still one. Day 7: the second. Later: never a third.
            _ = try await InvoiceReminders.sendDue(
                schedule: schedule, database: harness.database, now: dueDay.addingTimeInterval(6 * Self.day + 9_000))
            #expect(try await Self.reminders(harness, invoiceId: invoice.id).count == 1)
            for days in [7.0, 7.5, 8, 30, 90] {
                _ = try await InvoiceReminders.sendDue(
                    schedule: schedule, database: harness.database, now: dueDay.addingTimeInterval(days * Self.day + 3_600))
            }
            sent = try await Self.reminders(harness, invoiceId: invoice.id)
            #expect(sent.count == 2)

            // The queued messages use the approved template and the listing shows both.
            let templates = try await harness.database.read { db in
                try String.fetchAll(
                    db, sql: "SELECT m.template_name FROM payment_reminders r JOIN messages m ON m.id = r.message_id WHERE r.invoice_id = ?",
                    arguments: [invoice.id])
            }
            #expect(templates == ["relance_paiement", "relance_paiement"])
            let listed = try await Self.listed(harness, client, token: token, invoiceId: invoice.id)
            #expect(listed?.remindersSent == 2)
            #expect(listed?.reminders.map(\.kind) == ["automatique", "automatique"])
        }
    }

    @Test("a paid invoice gets no automatic reminder; a partly paid one is reminded of the balance")
    func stoppedByPayment() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await harness.application().test(.live) { client in
            let (paidRequest, token) = try await CollectionTests.invoiced(harness, client)
            try await Self.pay(harness, client, token: token, requestId: paidRequest, amount: 17_000)
            let paid = try await Self.invoice(harness, requestId: paidRequest)

            let (partRequest, _) = try await CollectionTests.invoiced(harness, client)
            try await Self.pay(harness, client, token: token, requestId: partRequest, amount: 5_000)
            let part = try await Self.invoice(harness, requestId: partRequest)

            let later = DoualaCalendar().startOfDay(paid.dueAt).addingTimeInterval(Self.day + 3_600)
            _ = try await InvoiceReminders.sendDue(schedule: .default, database: harness.database, now: later)
            #expect(try await Self.reminders(harness, invoiceId: paid.id).isEmpty)
            let partReminders = try await Self.reminders(harness, invoiceId: part.id)
            #expect(partReminders.count == 1)
            #expect(partReminders.first?.body.contains(XAF(12_000).formatted) == true, "the balance, not the total")
        }
    }

    @Test("Relancer: a manual reminder, listed on the invoice; refused within 24 h, refused once paid, replayed by its key")
    func manualReminder() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await harness.application().test(.live) { client in
            let (requestId, token) = try await CollectionTests.invoiced(harness, client)
            let invoice = try await Self.invoice(harness, requestId: requestId)
            let uri = "/provider/finance/invoices/\(invoice.id)/remind"

            let first = try await post(harness, client, uri, token: token, key: "relance-1")
            #expect(first.status == .created)
            let result = try JSONCoding.decoder.decode(InvoiceReminderResult.self, from: Data(buffer: first.body))
            #expect(result.reminder.kind == "manuelle" && result.amountDue == 17_000 && !result.replayed)
            let replay = try await post(harness, client, uri, token: token, key: "relance-1")
            #expect(replay.status == .created)
            #expect(try JSONCoding.decoder.decode(InvoiceReminderResult.self, from: Data(buffer: replay.body)).replayed)
            #expect(try await Self.reminders(harness, invoiceId: invoice.id).count == 1, "the replay sent nothing")

            let tooSoon = try await post(harness, client, uri, token: token, key: "relance-2")
            #expect(tooSoon.status == .conflict)
            #expect(Self.errorCode(tooSoon) == "reminder_too_soon")
            #expect(Self.errorMessage(tooSoon)?.contains("24 heures") == true)

            let listed = try await Self.listed(harness, client, token: token, invoiceId: invoice.id)
            #expect(listed?.reminders.map(\.kind) == ["manuelle"])
            #expect(listed?.reminders.first?.kindLabel == "Relance manuelle")

            // A manual reminder does not use up the automatic ones: two more come after the due date.
            let dueDay = DoualaCalendar().startOfDay(invoice.dueAt)
            for days in [1.0, 7, 20] {
                _ = try await InvoiceReminders.sendDue(
                    schedule: .default, database: harness.database, now: dueDay.addingTimeInterval(days * Self.day + 3_600))
            }
            #expect(try await Self.reminders(harness, invoiceId: invoice.id).map(\.code) == ["relance_manuelle", "relance_auto", "relance_auto"])

            try await Self.pay(harness, client, token: token, requestId: requestId, amount: 17_000)
            let paid = try await post(harness, client, uri, token: token, key: "relance-3")
            #expect(paid.status == .conflict)
            #expect(Self.errorCode(paid) == "invoice_paid")
        }
    }

    @Test("credit notes: numbered per provider and year, listed, over-credit refused, paid once paid + credited covers the total")
    func creditNotes() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await harness.application().test(.live) { client in
            let (requestId, token) = try await CollectionTests.invoiced(harness, client)
            let invoice = try await Self.invoice(harness, requestId: requestId)
            let uri = "/provider/finance/invoices/\(invoice.id)/credit-notes"
            let year = String(DoualaCalendar().dayKey(Date()).prefix(4))
            let before = try harness.changeCount()

            for (body, code) in [
                (["amount": 0, "reason": "Geste"], "invalid_parameter"), (["amount": 1_000], "invalid_parameter"),
                (["amount": 1_000, "reason": "   "], "invalid_parameter"), (["amount": -5, "reason": "Geste"], "invalid_parameter"),
            ] as [([String: Any], String)] {
                let refused = try await post(harness, client, uri, token: token, body: body)
                #expect(refused.status.code == 422, "\(body)")
                #expect(Self.errorCode(refused) == code)
            }
            #expect(try harness.changeCount() == before, "nothing written by a refused credit note")
            var feed = try await ProviderChangesAPITests.get(client, harness, token, "")
            while feed.more { feed = try await ProviderChangesAPITests.get(client, harness, token, "?since=\(feed.cursor)") }

            let first = try await post(
                harness, client, uri, token: token, body: ["amount": 1_500, "reason": "Joint fourni par le client"], key: "avoir-1")
            #expect(first.status == .created)
            let made = try JSONCoding.decoder.decode(CreditNoteResult.self, from: Data(buffer: first.body))
            #expect(made.creditNote.number == "A-\(year)-0001")
            #expect(made.credited == 1_500 && made.amountDue == 15_500)
            // The client is told by WhatsApp: the credit note, the reason, what is left to pay.
            let told = try await harness.database.read { db -> [String?] in
                let row = try Row.fetchOne(db, sql: "SELECT template_name, body FROM messages WHERE id = ?", arguments: [made.messageId])
                return [row?["template_name"], row?["body"]]
            }
            #expect(told.first == "avoir_emis")
            let toldBody = (told.last ?? nil) ?? ""
            #expect(
                toldBody.contains("A-\(year)-0001") && toldBody.contains(XAF(1_500).formatted) && toldBody.contains("Joint fourni par le client")
                    && toldBody.contains("Reste à payer : \(XAF(15_500).formatted)"), "\(toldBody)")
            // The phone hears of it through the delta feed: the request and the Finances screen.
            let delta = try await ProviderChangesAPITests.get(client, harness, token, "?since=\(feed.cursor)")
            #expect(delta.requests.map(\.id).contains(requestId))
            #expect(delta.touched.contains("finance"))
            let replay = try await post(
                harness, client, uri, token: token, body: ["amount": 1_500, "reason": "Joint fourni par le client"], key: "avoir-1")
            #expect(try JSONCoding.decoder.decode(CreditNoteResult.self, from: Data(buffer: replay.body)).creditNote.number == "A-\(year)-0001")

            let second = try await post(harness, client, uri, token: token, body: ["amount": 500, "reason": "Retard"])
            #expect(try JSONCoding.decoder.decode(CreditNoteResult.self, from: Data(buffer: second.body)).creditNote.number == "A-\(year)-0002")

            let over = try await post(harness, client, uri, token: token, body: ["amount": 15_001, "reason": "Trop"])
            #expect(over.status == .conflict)
            #expect(Self.errorCode(over) == "credit_exceeds_invoice")

            // 17 000 − 2 000 credited: 15 000 paid makes it paid.
            try await Self.pay(harness, client, token: token, requestId: requestId, amount: 15_000)
            let listed = try #require(try await Self.listed(harness, client, token: token, invoiceId: invoice.id))
            #expect(listed.status == "payee" && listed.amountDue == 0 && listed.credited == 2_000 && listed.total == 17_000)
            #expect(listed.creditNotes.map(\.number) == ["A-\(year)-0001", "A-\(year)-0002"])
            #expect(listed.creditNotes.first?.reason == "Joint fourni par le client")
            #expect(try await CollectionTests.invoiceStatus(harness, client, token: token, requestId: requestId) == "payee")
            // Paid: no reminder any more.
            let remind = try await post(harness, client, "/provider/finance/invoices/\(invoice.id)/remind", token: token)
            #expect(Self.errorCode(remind) == "invoice_paid")
        }
    }

    @Test("credit note numbers restart each Douala year")
    func numberingPerYear() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let provider = try #require(harness.providers.first)
        let (requestId, invoiceId) = try await harness.application().test(.live) { client in
            let (requestId, _) = try await CollectionTests.invoiced(harness, client)
            return (requestId, try await Self.invoice(harness, requestId: requestId).id)
        }
        _ = requestId
        let commands = ProviderRequestCommands(database: harness.database)
        let now = Date()
        let year = Int(DoualaCalendar().dayKey(now).prefix(4)) ?? 0
        // 31 Dec 23:30 in Douala is still this year; 1 Jan 00:30 in Douala (31 Dec 23:30 UTC) is the next.
        let lastEvening = try #require(DoualaCalendar().startOfDay(dayKey: "\(year)-12-31")).addingTimeInterval(23.5 * 3_600)
        let newYear = lastEvening.addingTimeInterval(3_600)
        let a = try await commands.creditNote(providerId: provider.id, invoiceId: invoiceId, amount: 100, reason: "A", now: now)
        let b = try await commands.creditNote(providerId: provider.id, invoiceId: invoiceId, amount: 100, reason: "B", now: lastEvening)
        let c = try await commands.creditNote(providerId: provider.id, invoiceId: invoiceId, amount: 100, reason: "C", now: newYear)
        let d = try await commands.creditNote(providerId: provider.id, invoiceId: invoiceId, amount: 100, reason: "D", now: newYear)
        #expect(
            [a, b, c, d].map(\.creditNote.number) == ["A-\(year)-0001", "A-\(year)-0002", "A-\(year + 1)-0001", "A-\(year + 1)-0002"])
    }

    @Test("another provider's invoice is 404 on both routes, and nothing is written")
    func isolation() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let stranger = try #require(harness.providers.dropFirst().first)
        try await harness.application().test(.live) { client in
            let (requestId, _) = try await CollectionTests.invoiced(harness, client)
            let invoice = try await Self.invoice(harness, requestId: requestId)
            let token = try await harness.login(client, phone: stranger.phone)
            let before = try harness.changeCount()
            for (uri, body) in [
                ("/provider/finance/invoices/\(invoice.id)/remind", [:]),
                ("/provider/finance/invoices/\(invoice.id)/credit-notes", ["amount": 100, "reason": "Geste"]),
                ("/provider/finance/invoices/pas-un-id/remind", [:]),
            ] as [(String, [String: Any])] {
                let response = try await post(harness, client, uri, token: token, body: body)
                #expect(response.status == .notFound, "\(uri)")
                #expect(Self.errorCode(response) == "not_found")
            }
            #expect(try harness.changeCount() == before)
        }
    }

    @Test("a hub with an invalid DJOBEA_REMINDER_DAYS does not start, and says why in French")
    func invalidSetting() async throws {
        let storage = try NodeStorage.temporary("reminders", role: .hub)
        defer { try? FileManager.default.removeItem(at: storage.directory.url) }
        let error = await #expect(throws: PaymentReminderSchedule.SettingError.self) {
            _ = try await HubServices.make(
                database: storage.database, dataDirectory: storage.directory.url, notifier: .console, environment: ["DJOBEA_REMINDER_DAYS": "7,1"],
                logger: Logger(label: "test"))
        }
        #expect(error?.line.contains("DJOBEA_REMINDER_DAYS") == true)
    }

    @Test("an enrolled hub reminds only for the providers registered to it (a moved provider's new hub does)")
    func onlyTheProvidersHub() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let provider = try #require(harness.providers.first)
        try await harness.application().test(.live) { client in
            let (requestId, _) = try await CollectionTests.invoiced(harness, client)
            let invoice = try await Self.invoice(harness, requestId: requestId)
            let home = try await harness.database.read { db in
                try String.fetchOne(db, sql: "SELECT hub_id FROM providers WHERE id = ?", arguments: [provider.id])
            }
            let later = DoualaCalendar().startOfDay(invoice.dueAt).addingTimeInterval(Self.day + 3_600)
            harness.database.homeHubId = DjobeaID.v7()
            _ = try await InvoiceReminders.sendDue(schedule: .default, database: harness.database, now: later)
            #expect(try await Self.reminders(harness, invoiceId: invoice.id).isEmpty, "another hub's provider")
            let providersHub: String = try #require(home)
            harness.database.homeHubId = providersHub
            _ = try await InvoiceReminders.sendDue(schedule: .default, database: harness.database, now: later)
            #expect(try await Self.reminders(harness, invoiceId: invoice.id).count == 1)
        }
    }
}
