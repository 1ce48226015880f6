import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import DjobeaSync
import DjobeaTestSupport
import Foundation
import GRDB
import Logging
import Testing

/// A credit note is a synced row: made at the provider's hub, it reaches central with its number, and a payment
/// reminder rides along.
@Suite("Credit notes and reminders made at a hub sync to central")
struct CreditNoteSyncTests {
    static let quiet = Logger(label: "credit-notes", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func aCreditNoteMadeAtTheHubReachesCentral() async throws {
        let world = try await InMemoryWorld.make()
        let (central, intake, service) = (world.central, world.intake, world.service)
        let akwa = try await world.hub("Hub Akwa", zone: "zone-akwa")
        let (hub, engine) = (akwa.database, akwa.engine)

        let provider = try await intake.registerProvider(
            ProviderRegistration(name: "Prestataire Akwa", phone: "+237695000001", services: [service], zones: ["zone-akwa"]))
        let request = try await intake.intakeRequest(
            RequestIntake(
                zone: "zone-akwa", service: service, urgency: "urgent", title: nil, description: "Fuite sous l'évier", address: "Rue 1",
                clientName: "Awa Ngo", clientPhone: "+237677000001", budgetMin: nil, budgetMax: nil, wishedAt: nil, wishedTimeLabel: nil))
        _ = try await engine.syncOnce()

        // At the hub: the provider takes the mission and invoices it; then a credit note and a manual reminder.
        let invoiceId = DjobeaID.v7()
        try await hub.write { tx in
            _ = try tx.appendMissionEvent(requestId: request, kind: .accepted, actorRole: .provider, actorId: provider, providerId: provider)
            let client = try #require(try String.fetchOne(tx.db, sql: "SELECT client_id FROM service_requests WHERE id = ?", arguments: [request]))
            let now = UTCTimestamp.format(tx.now)
            try tx.insert(
                InvoiceRecord(
                    id: invoiceId, requestId: request, providerId: provider, clientId: client, number: "F-2026-0001", total: 20_000, issuedAt: now,
                    dueAt: now, sentAt: now))
        }
        let commands = ProviderRequestCommands(database: hub)
        let note = try await commands.creditNote(providerId: provider, invoiceId: invoiceId, amount: 2_500, reason: "Geste commercial")
        let reminder = try await commands.remind(providerId: provider, invoiceId: invoiceId)
        #expect(note.amountDue == 17_500 && reminder.amountDue == 17_500)
        _ = try await engine.syncOnce()

        let atCentral = try await central.read { db -> [String]? in
            try Row.fetchOne(db, sql: "SELECT number, amount, reason, provider_id FROM credit_notes WHERE id = ?", arguments: [note.creditNote.id])
                .map { [$0["number"], String($0["amount"] as Int), $0["reason"], $0["provider_id"]] }
        }
        #expect(atCentral == [note.creditNote.number, "2500", "Geste commercial", provider])
        let reminders = try await central.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM payment_reminders WHERE invoice_id = ?", arguments: [invoiceId])
        }
        #expect(reminders == 1)
    }

    @Test("a draft invoice syncs without commission; central derives the commission once the sending arrives, on the sent total")
    func draftInvoiceCommission() async throws {
        let world = try await InMemoryWorld.make()
        let (central, intake, service) = (world.central, world.intake, world.service)
        let akwa = try await world.hub("Hub Akwa", zone: "zone-akwa")
        let (hub, engine) = (akwa.database, akwa.engine)
        let provider = try await intake.registerProvider(
            ProviderRegistration(name: "Prestataire Akwa", phone: "+237695000002", services: [service], zones: ["zone-akwa"]))
        let request = try await intake.intakeRequest(
            RequestIntake(
                zone: "zone-akwa", service: service, urgency: "urgent", title: nil, description: "Prise grillée", address: "Rue 2",
                clientName: "Paul Eto", clientPhone: "+237677000002", budgetMin: nil, budgetMax: nil, wishedAt: nil, wishedTimeLabel: nil))
        _ = try await engine.syncOnce()

        try await hub.write { tx in
            for kind in [MissionEventKind.accepted, .arrived, .diagnosed, .repairing] {
                _ = try tx.appendMissionEvent(requestId: request, kind: kind, actorRole: .provider, actorId: provider, providerId: provider)
            }
        }
        let commands = ProviderRequestCommands(database: hub)
        let draft = try await commands.requestPayment(providerId: provider, requestId: request, labour: 20_000, send: false)
        try await hub.write { tx in
            _ = try tx.appendMissionEvent(requestId: request, kind: .completed, actorRole: .provider, actorId: provider, providerId: provider)
        }
        _ = try await engine.syncOnce()
        func commissions(_ node: NodeDatabase) async throws -> [Int] {
            try await node.read { db in
                try Int.fetchAll(db, sql: "SELECT amount FROM ledger_entries WHERE request_id = ? AND kind = 'commission'", arguments: [request])
            }
        }
        let draftAtCentral = try await central.read { db in
            try String.fetchOne(db, sql: "SELECT number FROM invoices WHERE id = ? AND sent_at IS NULL", arguments: [draft.invoiceId])
        }
        #expect(draftAtCentral == InvoiceDrafts.draftNumber(invoiceId: draft.invoiceId), "the draft is at central, not sent")
        let (centralBefore, hubBefore) = (try await commissions(central), try await commissions(hub))
        #expect(centralBefore.isEmpty && hubBefore.isEmpty)

        _ = try await commands.editInvoiceDraft(
            providerId: provider, invoiceId: draft.invoiceId,
            lines: [QuoteLineInput(kind: "main_oeuvre", label: "Remplacement de la prise", quantity: 1, unitPrice: 25_000)])
        let sent = try await commands.sendInvoice(providerId: provider, invoiceId: draft.invoiceId, publicBase: nil)
        _ = try await engine.syncOnce()
        // 10 % (the seeded general rate) of the total as sent, on both nodes, one entry each.
        #expect(try await commissions(hub) == [2_500])
        #expect(try await commissions(central) == [2_500])
        let numberAtCentral = try await central.read { db in
            try String.fetchOne(db, sql: "SELECT number FROM invoices WHERE id = ? AND sent_at IS NOT NULL", arguments: [draft.invoiceId])
        }
        #expect(numberAtCentral == sent.number && sent.number.hasPrefix("F-"))
    }

    @Test("credit notes lower the commission, before or after completion, the same entries at the hub and at central")
    func creditNotesLowerTheCommission() async throws {
        let world = try await InMemoryWorld.make()
        let (central, intake, service) = (world.central, world.intake, world.service)
        let akwa = try await world.hub("Hub Akwa", zone: "zone-akwa")
        let (hub, engine) = (akwa.database, akwa.engine)
        let provider = try await intake.registerProvider(
            ProviderRegistration(name: "Prestataire Akwa", phone: "+237695000003", services: [service], zones: ["zone-akwa"]))
        var requests: [String] = []
        for index in 0..<2 {
            requests.append(
                try await intake.intakeRequest(
                    RequestIntake(
                        zone: "zone-akwa", service: service, urgency: "urgent", title: nil, description: "Panne \(index)", address: "Rue 3",
                        clientName: "Marie Ebo", clientPhone: "+23767700000\(index + 3)", budgetMin: nil, budgetMax: nil, wishedAt: nil,
                        wishedTimeLabel: nil)))
        }
        _ = try await engine.syncOnce()
        let commands = ProviderRequestCommands(database: hub)
        func complete(_ request: String) async throws {
            try await hub.write { tx in
                _ = try tx.appendMissionEvent(requestId: request, kind: .completed, actorRole: .provider, actorId: provider, providerId: provider)
            }
        }
        for request in requests {
            try await hub.write { tx in
                for kind in [MissionEventKind.accepted, .arrived, .diagnosed, .repairing] {
                    _ = try tx.appendMissionEvent(requestId: request, kind: kind, actorRole: .provider, actorId: provider, providerId: provider)
                }
            }
        }
        // The first: invoiced (20 000), completed (commission 2 000 at 10 %), then two credit notes of 5 000 each.
        let first = try await commands.requestPayment(providerId: provider, requestId: requests[0], labour: 20_000)
        try await complete(requests[0])
        _ = try await engine.syncOnce()
        _ = try await commands.creditNote(providerId: provider, invoiceId: first.invoiceId, amount: 5_000, reason: "Pièce fournie")
        _ = try await engine.syncOnce()
        _ = try await commands.creditNote(providerId: provider, invoiceId: first.invoiceId, amount: 5_000, reason: "Retard")
        // The second: invoiced and credited before completion: its commission is derived on 15 000 at once.
        let second = try await commands.requestPayment(providerId: provider, requestId: requests[1], labour: 20_000)
        _ = try await commands.creditNote(providerId: provider, invoiceId: second.invoiceId, amount: 5_000, reason: "Remise")
        try await complete(requests[1])
        _ = try await engine.syncOnce()
        _ = try await engine.syncOnce()

        func ledger(_ node: NodeDatabase, _ request: String) async throws -> (commission: XAF, ids: [String]) {
            let entries = try await node.read { db in try LedgerReads.entries(sql: "request_id = ?", arguments: [request], in: db) }
            return (PaymentLedger.fold(entries).commission, entries.map(\.id).sorted())
        }
        for node in [hub, central] {
            let (firstCommission, firstIds) = try await ledger(node, requests[0])
            #expect(firstCommission == XAF(1_000), "10 % of 20 000 − 10 000")
            #expect(firstIds.count == 5, "three commissions in turn, the two superseded ones reversed")
            let (secondCommission, secondIds) = try await ledger(node, requests[1])
            #expect(secondCommission == XAF(1_500) && secondIds.count == 1, "derived once, on 15 000")
        }
        let (_, atHub) = try await ledger(hub, requests[0])
        let (_, atCentral) = try await ledger(central, requests[0])
        #expect(atHub == atCentral, "the same entries on both nodes")
    }
}
