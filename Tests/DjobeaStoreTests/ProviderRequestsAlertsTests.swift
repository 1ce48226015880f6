import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Provider requests: dashboard alerts")
struct ProviderRequestsAlertsTests {
    private func alerts(_ world: RequestsWorld, _ provider: String) throws -> ProviderAlerts {
        try world.read { try ProviderAlertsQuery.notifications(providerId: provider, now: world.now, in: $0) }
    }

    @Test("unseen new offers, urgent ones, offers waiting more than 30 minutes; closed offers are not alerts")
    func offers() async throws {
        let world = try RequestsWorld()
        let fresh = try world.request("Nouvelle", urgency: .aujourdhui)
        let freshOffer = try world.offer(fresh, to: world.providerA, ago: 5 * 60)
        let urgent = try world.request("Urgente vue", urgency: .urgent)
        try world.offer(urgent, to: world.providerA, ago: 2 * 60, seen: true)
        let waiting = try world.request("En attente", urgency: .cetteSemaine, created: world.now.addingTimeInterval(-3_600))
        try world.offer(waiting, to: world.providerA, ago: 45 * 60, window: 2 * 3_600, seen: true)
        let expired = try world.request("Expirée")
        try world.offer(expired, to: world.providerA, ago: 50 * 60, window: 30 * 60)
        let answered = try world.request("Acceptée")
        try world.offer(answered, to: world.providerA)
        _ = try await world.commands.accept(providerId: world.providerA, requestId: answered, now: world.now)

        let result = try alerts(world, world.providerA)
        #expect(result.newRequests.map(\.requestId) == [fresh])
        #expect(result.newRequests.first?.offerId == freshOffer && result.newRequests.first?.offeredAgo == "il y a 5 min")
        #expect(result.urgent.map(\.requestId) == [urgent])
        #expect(result.waiting.map(\.requestId) == [waiting])
        #expect(result.unseenNewCount == 1 && result.urgentCount == 1 && result.waitingCount == 1)
        #expect(result.count == 3)
        #expect(try alerts(world, world.providerB).count == 0)
    }

    @Test("payments of the last 7 days: one MoMo transaction recorded twice counts once, reversals deducted")
    func payments() throws {
        let world = try RequestsWorld()
        let paid = try world.request("Payée", created: world.now.addingTimeInterval(-3 * 86_400))
        let reversed = try world.request("Remboursée", created: world.now.addingTimeInterval(-3 * 86_400))
        let old = try world.request("Ancienne", created: world.now.addingTimeInterval(-20 * 86_400))
        for id in [paid, reversed, old] {
            try world.event(id, .reassigned, by: .ops, provider: world.providerA, at: world.now.addingTimeInterval(-19 * 86_400))
        }
        try world.database.writeBlocking(durability: .critical, now: world.now.addingTimeInterval(-2 * 86_400)) { tx in
            for _ in 0..<2 {
                try tx.appendLedgerEntry(
                    requestId: paid, providerId: world.providerA, invoiceId: nil, kind: .payment, method: .mtnMomo,
                    operatorRef: "MP2611231234.5678.A12345", amount: XAF(15_000), recordedBy: .provider)
            }
            let cash = try tx.appendLedgerEntry(
                requestId: reversed, providerId: world.providerA, invoiceId: nil, kind: .payment, method: .cash, operatorRef: nil,
                amount: XAF(8_000), recordedBy: .provider)
            try tx.appendLedgerEntry(
                requestId: reversed, providerId: world.providerA, invoiceId: nil, kind: .reversal, method: nil, operatorRef: nil,
                amount: XAF(3_000), reversesEntryId: cash.id, recordedBy: .hubOperator)
            tx.now = world.now.addingTimeInterval(-10 * 86_400)
            try tx.appendLedgerEntry(
                requestId: old, providerId: world.providerA, invoiceId: nil, kind: .payment, method: .cash, operatorRef: nil, amount: XAF(9_000),
                recordedBy: .provider)
        }
        let result = try alerts(world, world.providerA)
        #expect(result.payments.map(\.amount).sorted() == [5_000, 15_000])
        #expect(result.paymentsTotal == 20_000 && result.paymentsCount == 2)
        #expect(result.paymentsTotalLabel == "20\u{202F}000\u{00A0}FCFA")
        #expect(result.payments.first { $0.amount == 15_000 }?.methodLabel == "MTN MoMo")
        #expect(result.payments.first?.receivedAgo == "il y a 2 j")
        #expect(result.count == 0)
        #expect(try alerts(world, world.providerB).payments.isEmpty)
    }

    @Test("mark seen: own offers and notifications only; others' ids are ignored like unknown ones")
    func markSeen() async throws {
        let world = try RequestsWorld()
        let request = try world.request(urgency: .aujourdhui)
        let offerA = try world.offer(request, to: world.providerA, ago: 60)
        let offerB = try world.offer(request, to: world.providerB, ago: 60)
        let notificationA = DjobeaID.v7()
        let systemA = DjobeaID.v7()
        try world.database.writeBlocking(now: world.now.addingTimeInterval(-60)) { tx in
            for (id, kind) in [(notificationA, "new_request"), (systemA, "system")] {
                try tx.insert(
                    .notifications,
                    [
                        "id": .text(id), "provider_id": .text(world.providerA), "kind": .text(kind), "request_id": .text(request),
                        "title": "Nouvelle demande", "body": "Denver", "created_at": ColumnValue(tx.now),
                    ])
            }
        }
        #expect(try alerts(world, world.providerA).notifications.map(\.id) == [systemA])
        #expect(try alerts(world, world.providerA).count == 2)
        let changes = try world.changeCount()
        let foreign = try await world.commands.markSeen(
            providerId: world.providerB, offerIds: [offerA, "pas-un-id"], notificationIds: [notificationA, systemA], now: world.now)
        #expect(foreign == 0)
        #expect(try world.changeCount() == changes)

        let own = try await world.commands.markSeen(
            providerId: world.providerA, offerIds: [offerA, offerB], notificationIds: [systemA], now: world.now)
        #expect(own == 2)
        let after = try alerts(world, world.providerA)
        #expect(after.count == 0 && after.unseenNewCount == 0 && after.notifications.isEmpty)
        #expect(try world.count("SELECT count(*) FROM notifications WHERE seen_at IS NULL") == 0)
        #expect(try world.count("SELECT count(*) FROM request_offers WHERE id = ? AND seen_at IS NULL", [offerB]) == 1)
        #expect(try world.list(world.providerA).items.first?.offerUnseen == false)
        let tooMany = await providerRequestError {
            try await world.commands.markSeen(providerId: world.providerA, offerIds: Array(repeating: offerA, count: 201), now: world.now)
        }
        #expect(tooMany?.kind == .invalid)
    }
}
