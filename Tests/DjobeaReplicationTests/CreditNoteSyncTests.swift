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
        let central = try NodeDatabase.inMemory(role: .central)
        let intake = IntakeStore(central)
        try await intake.seedReferenceData()
        let service = try #require(ServiceCatalogue.builtIn.first).code.rawValue
        let enrolment = try await central.enrolHub(name: "Hub Akwa", zoneCodes: ["zone-akwa"])
        let sync = CentralSyncService(storage: central, logger: Self.quiet)
        let hub = try NodeDatabase.inMemory(role: .hub)
        let answer = try await sync.enroll(EnrollRequest(token: enrolment.token, nodeId: hub.nodeId, schemaVersion: try hub.schemaVersion()))
        let transport = InMemorySyncTransport(link: CentralLink(centralURL: "memory://central", enrolment: answer), hub: hub, central: sync)
        let engine = SyncEngine(database: hub, transport: transport, logger: Self.quiet)

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
}
