import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import DjobeaSync
import DjobeaTestSupport
import Foundation
import GRDB
import Logging
import Testing

/// A provider moved from one hub to another while the old hub still held an invoice it had not pushed: the new hub
/// waits for the numbering, and no number is given twice.
@Suite("Invoice numbering handed over when a provider moves hub")
struct NumberingHandoverTests {
    @Test("the new hub refuses to number until the old one has pushed its offline invoice; then it takes the next number")
    func handover() async throws {
        let world = try await InMemoryWorld.make()
        let central = world.central
        let akwa = try await world.hub("Hub Akwa", zone: "zone-akwa")
        let bonapriso = try await world.hub("Hub Bonapriso", zone: "zone-bonapriso")
        let provider = try await world.provider("Prestataire mobile", phone: "+237695000004", zone: "zone-akwa")
        var requests: [String] = []
        for index in 0..<3 {
            requests.append(try await world.request(zone: "zone-akwa", "Travaux \(index)", client: "Eric Nko", phone: "+23767700001\(index)"))
        }
        _ = try await akwa.engine.syncOnce()
        for request in requests { try await InMemoryWorld.repairing(request, provider: provider, at: akwa.database) }
        let atAkwa = ProviderRequestCommands(database: akwa.database)
        let first = try await atAkwa.requestPayment(providerId: provider, requestId: requests[0], labour: 10_000)
        _ = try await akwa.engine.syncOnce()
        // Made at Akwa while its link is down: not at central yet.
        let offline = try await atAkwa.requestPayment(providerId: provider, requestId: requests[1], labour: 11_000)
        let year = String(DoualaCalendar().dayKey(Date()).prefix(4))
        #expect(first.number == "F-\(year)-0001" && offline.number == "F-\(year)-0002")

        // Ops move the provider to Bonapriso. Bonapriso gets their requests, but not the numbering yet.
        _ = try await OpsStore(central).updateProvider(id: provider, ProviderPatch(zones: ["zone-bonapriso"]), actor: OpsActor("ops"))
        _ = try await bonapriso.engine.syncOnce()
        let atBonapriso = ProviderRequestCommands(database: bonapriso.database)
        let draft = try await atBonapriso.requestPayment(providerId: provider, requestId: requests[2], labour: 12_000, send: false)
        await #expect(throws: ProviderRequestError.self) {
            _ = try await atBonapriso.sendInvoice(providerId: provider, invoiceId: draft.invoiceId, publicBase: nil)
        }
        do {
            _ = try await atBonapriso.sendInvoice(providerId: provider, invoiceId: draft.invoiceId, publicBase: nil)
        } catch let error as ProviderRequestError {
            #expect(error.code == "numbering_pending" && error.messageFR.contains("brouillon"))
        }
        await #expect(throws: ProviderRequestError.self) {
            _ = try await atBonapriso.creditNote(providerId: provider, invoiceId: first.invoiceId, amount: 1_000, reason: "Geste")
        }

        // Akwa's link is back: it learns of the move and pushes its invoice; at its next quiet pull it hands over.
        _ = try await akwa.engine.syncOnce()
        _ = try await akwa.engine.syncOnce()
        let holder = try await central.read { db in
            try String.fetchOne(db, sql: "SELECT coalesce(numbering_hub_id, 'none') FROM providers WHERE id = ?", arguments: [provider])
        }
        #expect(holder == "none", "central handed the numbering over")
        _ = try await bonapriso.engine.syncOnce()
        let sent = try await atBonapriso.sendInvoice(providerId: provider, invoiceId: draft.invoiceId, publicBase: nil)
        #expect(sent.number == "F-\(year)-0003", "after the one Akwa made offline, never the same")
        _ = try await bonapriso.engine.syncOnce()
        let all = try await central.read { db in
            try String.fetchAll(db, sql: "SELECT number FROM invoices WHERE provider_id = ? ORDER BY number", arguments: [provider])
        }
        #expect(all == ["F-\(year)-0001", "F-\(year)-0002", "F-\(year)-0003"], "three invoices, three numbers, none twice")
    }
}
