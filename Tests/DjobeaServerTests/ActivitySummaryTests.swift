import DjobeaDomain
import DjobeaGateway
import DjobeaServer
import DjobeaStore
import Foundation
import GRDB
import Logging
import Testing

/// A driver whose every send fails with a transient error, and that counts its calls.
private struct FlakyMessenger: ClientMessenger {
    let calls = LockedValue(0)
    var channels: Set<ClientChannel> { [.whatsapp, .sms] }

    func send(_ message: ClientOutbound) async throws -> SendReceipt {
        calls.withLock { $0 += 1 }
        throw ClientSendError.transient(reason: "HTTP 503", retryAfter: nil)
    }
}

/// A driver that answers that the number has no WhatsApp account.
private struct NoWhatsAppMessenger: ClientMessenger {
    var channels: Set<ClientChannel> { [.whatsapp, .sms] }

    func send(_ message: ClientOutbound) async throws -> SendReceipt {
        throw ClientSendError.notOnWhatsApp(reason: "131026")
    }
}

@Suite("Activity summaries sent by the gateway")
struct ActivitySummaryTests {
    static func date(_ text: String) -> Date { UTCTimestamp.parse(text) ?? Date(timeIntervalSince1970: 0) }

    /// Monday 7 December 2026, 08:05 in Douala: week 49 is due.
    let monday = date("2026-12-07T07:05:00.000Z")
    let logger = Logger(label: "test")

    /// Central with Jean Kouam (weekly by default): one mission completed on Wednesday 2 December, 25 000 received,
    /// rated 5; and Paul Ekambi, who did nothing that week.
    func world() throws -> (database: NodeDatabase, jean: String, paul: String) {
        let database = try NodeDatabase.inMemory(role: .central)
        let jean = DjobeaID.v7()
        let paul = DjobeaID.v7()
        let client = DjobeaID.v7()
        let request = DjobeaID.v7()
        let setup = Self.date("2026-12-02T08:00:00.000Z")
        try database.writeBlocking(now: setup) { tx in
            let zone = DjobeaID.v7()
            let service = DjobeaID.v7()
            try tx.insert(.zones, ["id": .text(zone), "code": "denver", "name": "Denver", "created_at": ColumnValue(setup)])
            try tx.insert(.services, ["id": .text(service), "code": "plomberie", "name_fr": "Plomberie"])
            for (id, phone, name) in [(jean, "+237699000001", "Jean Kouam"), (paul, "+237699000002", "Paul Ekambi")] {
                try tx.insert(
                    .providers,
                    ["id": .text(id), "phone": .text(phone), "name": .text(name), "joined_at": ColumnValue(setup), "updated_at": ColumnValue(setup)])
            }
            try tx.insert(.clients, ["id": .text(client), "phone": "+237677000001", "name": "Awa Ngo", "created_at": ColumnValue(setup)])
            try tx.insert(
                .serviceRequests,
                [
                    "id": .text(request), "client_id": .text(client), "service_id": .text(service), "zone_id": .text(zone),
                    "urgency": "urgent", "title": "Fuite sous l'évier", "description": "", "address": "Denver",
                    "created_at": ColumnValue(setup), "updated_at": ColumnValue(setup),
                ])
            try tx.startLifecycle(requestId: request)
            try tx.appendMissionEvent(requestId: request, kind: .accepted, actorRole: .provider, actorId: jean, providerId: jean)
            tx.now = Self.date("2026-12-02T10:00:00.000Z")
            try tx.appendMissionEvent(requestId: request, kind: .arrived, actorRole: .provider, actorId: jean, providerId: jean)
            tx.now = Self.date("2026-12-02T12:00:00.000Z")
            try tx.appendMissionEvent(requestId: request, kind: .completed, actorRole: .provider, actorId: jean, providerId: jean)
            try tx.insert(
                .ratings,
                [
                    "id": .text(DjobeaID.v7()), "request_id": .text(request), "client_id": .text(client), "provider_id": .text(jean),
                    "stars": 5, "created_at": ColumnValue(tx.now),
                ])
        }
        _ = try database.writeBlocking(durability: .critical, now: Self.date("2026-12-02T12:30:00.000Z")) { tx in
            try tx.appendLedgerEntry(
                requestId: request, providerId: jean, invoiceId: nil, kind: .payment, method: .cash, operatorRef: nil, amount: XAF(25_000),
                recordedBy: .provider)
        }
        return (database, jean, paul)
    }

    func work(_ database: NodeDatabase, _ provider: String) throws -> Row? {
        try database.readBlocking { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM gateway_work WHERE kind = 'summary' AND work_key = ?", arguments: ["\(provider):2026-W49"])
        }
    }

    @Test("the console driver gets the template once; the second pass sends nothing; an idle provider is skipped")
    func sentOnce() async throws {
        let (database, jean, paul) = try world()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("djobea-summary-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let console = ConsoleMessenger(directory: directory)

        let first = await sendDueSummaries(storage: database, messenger: console, logger: logger, now: monday)
        #expect(first.sent == 1 && first.failed == 0 && first.retried == 0)
        let lines = try String(contentsOf: console.fileURL(for: .whatsapp), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let line = try JSONDecoder().decode(ConsoleMessenger.Line.self, from: Data(try #require(lines.first).utf8))
        #expect(line.kind == "template" && line.template == "resume_activite" && line.to == "+237699000001" && line.channel == "whatsapp")
        #expect(line.id == "summary-\(jean)-2026-W49")
        let amount = "25\u{202F}000\u{00A0}FCFA"
        #expect(line.parameters == ["Jean", "de la semaine du 30 novembre au 6 décembre", "1 mission terminée", amount, "note moyenne 5,0/5"])
        #expect(
            line.text
                == "Bonjour Jean, votre résumé Djobea de la semaine du 30 novembre au 6 décembre : 1 mission terminée, \(amount) encaissés, "
                + "note moyenne 5,0/5. Bon travail !")
        #expect(line.text == WhatsAppTemplates.activitySummary.render(line.parameters))
        #expect(try work(database, jean)?["outcome"] as String? == "sent")
        #expect(try work(database, paul)?["outcome"] as String? == "skipped", "nothing done: recorded, not sent")

        let second = await sendDueSummaries(storage: database, messenger: console, logger: logger, now: monday.addingTimeInterval(600))
        #expect(second.sent == 0 && second.failed == 0 && second.retried == 0)
        #expect(try String(contentsOf: console.fileURL(for: .whatsapp), encoding: .utf8).split(separator: "\n").count == 1)
        // Not a synced message: no `messages` row, nothing in the change log for it.
        #expect(try database.readBlocking { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM messages") } == 0)
    }

    @Test("batches smaller than the due list: every summary is handled in one pass, once")
    func batches() async throws {
        let (database, jean, paul) = try world()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("djobea-summary-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let console = ConsoleMessenger(directory: directory)
        let report = await sendDueSummaries(storage: database, messenger: console, logger: logger, now: monday, limit: 1)
        #expect(report.sent == 1 && report.failed == 0 && report.retried == 0)
        #expect(try work(database, jean)?["outcome"] as String? == "sent" && work(database, paul)?["outcome"] as String? == "skipped")
        #expect(try String(contentsOf: console.fileURL(for: .whatsapp), encoding: .utf8).split(separator: "\n").count == 1)
    }

    @Test("a transient error leaves the summary for a retry after a backoff, not done; then it goes")
    func transientThenSent() async throws {
        let (database, jean, _) = try world()
        let flaky = FlakyMessenger()
        let first = await sendDueSummaries(storage: database, messenger: flaky, logger: logger, now: monday)
        #expect(first.sent == 0 && first.failed == 0 && first.retried == 1 && flaky.calls.withLock { $0 } == 1)
        let row = try #require(try work(database, jean))
        #expect(row["done_at"] as String? == nil && row["lease_until"] as String? == nil && row["last_error"] as String? == "HTTP 503")
        #expect(row["next_attempt_at"] as String? == UTCTimestamp.format(monday.addingTimeInterval(300)))
        // Before the retry time: not taken again.
        let early = await sendDueSummaries(storage: database, messenger: flaky, logger: logger, now: monday.addingTimeInterval(120))
        #expect(early.retried == 0 && flaky.calls.withLock { $0 } == 1)
        // Second failure: the delay doubles.
        let again = await sendDueSummaries(storage: database, messenger: flaky, logger: logger, now: monday.addingTimeInterval(300))
        #expect(again.retried == 1 && flaky.calls.withLock { $0 } == 2)
        #expect(try work(database, jean)?["next_attempt_at"] as String? == UTCTimestamp.format(monday.addingTimeInterval(900)))
        #expect(try work(database, jean)?["attempts"] as Int? == 2)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("djobea-summary-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let console = ConsoleMessenger(directory: directory)
        let last = await sendDueSummaries(storage: database, messenger: console, logger: logger, now: monday.addingTimeInterval(900))
        #expect(last.sent == 1)
        #expect(try work(database, jean)?["outcome"] as String? == "sent")
    }

    @Test("a provider without WhatsApp: failed for good, never by SMS, not retried")
    func notOnWhatsApp() async throws {
        let (database, jean, _) = try world()
        let report = await sendDueSummaries(storage: database, messenger: NoWhatsAppMessenger(), logger: logger, now: monday)
        #expect(report.failed == 1 && report.sent == 0 && report.retried == 0)
        let row = try #require(try work(database, jean))
        #expect(row["outcome"] as String? == "failed" && row["done_at"] as String? != nil && row["last_error"] as String? == "131026")
        let later = await sendDueSummaries(
            storage: database, messenger: NoWhatsAppMessenger(), logger: logger, now: monday.addingTimeInterval(3_600))
        #expect(later.failed == 0)
    }

    @Test("the loop sends on its own clock and stops when cancelled")
    func loop() async throws {
        let (database, jean, _) = try world()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("djobea-summary-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let monday = self.monday
        let loop = activitySummaryLoop(
            storage: database, messenger: ConsoleMessenger(directory: directory), logger: logger, interval: .milliseconds(20), clock: { monday })
        #expect(loop.name == "gateway-summaries")
        let task = Task { try await loop.run() }
        var waited = 0
        while try work(database, jean)?["outcome"] as String? != "sent", waited < 200 {
            try await Task.sleep(for: .milliseconds(20))
            waited += 1
        }
        task.cancel()
        _ = try? await task.value
        #expect(try work(database, jean)?["outcome"] as String? == "sent")
    }
}
