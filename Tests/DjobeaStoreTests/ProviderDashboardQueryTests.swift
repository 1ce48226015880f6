import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("A provider's dashboard figures")
struct ProviderDashboardQueryTests {
    // Wednesday 25 November 2026, 15:00 in Douala.
    let now = UTCTimestamp.parse("2026-11-25T14:00:00.000Z") ?? Date()

    func at(_ text: String) -> Date { UTCTimestamp.parse(text) ?? Date() }

    @Test("KPI cards count today, this week and the last 7 days; money is folded (duplicate MoMo counted once)")
    func kpis() throws {
        let database = try NodeDatabase.inMemory()
        let fixture = try StoreFixture().install(in: database, now: at("2026-11-20T08:00:00.000Z"))
        let p = fixture.providerId
        // An offer answered in 10 minutes two days ago (accepted), one declined in 20 minutes, one pending today.
        let other = try makeRequest(database, fixture, created: at("2026-11-23T09:00:00.000Z"))
        let pending = try makeRequest(database, fixture, created: at("2026-11-25T08:00:00.000Z"))
        try database.writeBlocking(now: at("2026-11-23T09:10:00.000Z")) { tx in
            try offer(tx, fixture.requestId, p, offered: "2026-11-23T09:00:00.000Z", state: "accepted", answered: "2026-11-23T09:10:00.000Z")
            try offer(tx, other, p, offered: "2026-11-23T09:05:00.000Z", state: "declined", answered: "2026-11-23T09:25:00.000Z")
            try offer(tx, pending, p, offered: "2026-11-25T08:00:00.000Z", state: "pending", answered: nil)
            tx.now = at("2026-11-23T09:10:00.000Z")
            try tx.appendMissionEvent(requestId: fixture.requestId, kind: .accepted, actorRole: .provider, actorId: p, providerId: p)
            tx.now = at("2026-11-25T10:00:00.000Z")
            try tx.appendMissionEvent(requestId: fixture.requestId, kind: .arrived, actorRole: .provider, actorId: p, providerId: p)
            tx.now = at("2026-11-25T11:00:00.000Z")
            try tx.appendMissionEvent(requestId: fixture.requestId, kind: .completed, actorRole: .provider, actorId: p, providerId: p)
            // The same MoMo transaction recorded twice (hub and central), plus cash on Monday.
            for _ in 0..<2 {
                try tx.appendLedgerEntry(
                    requestId: fixture.requestId, providerId: p, invoiceId: nil, kind: .payment, method: .mtnMomo,
                    operatorRef: "MP2611251234.5678.A12345", amount: XAF(15_000), recordedBy: .provider)
            }
            tx.now = at("2026-11-23T12:00:00.000Z")
            try tx.appendLedgerEntry(
                requestId: other, providerId: p, invoiceId: nil, kind: .payment, method: .cash, operatorRef: nil, amount: XAF(5_000),
                recordedBy: .provider)
            try tx.insert(
                .ratings,
                [
                    "id": .text(DjobeaID.v7()), "request_id": .text(fixture.requestId), "client_id": .text(fixture.clientId),
                    "provider_id": .text(p), "stars": 5, "created_at": "2026-11-25T12:00:00.000Z",
                ])
        }
        let dashboard = try database.readBlocking { try ProviderDashboardQuery.compute(providerId: p, now: now, in: $0) }
        #expect(dashboard.todayNew == 1)
        #expect(dashboard.todayDone == 1)
        #expect(dashboard.inProgress == 0)
        #expect(dashboard.weekGross == XAF(20_000))
        #expect(dashboard.acceptanceRate7d == 0.5)
        #expect(dashboard.averageResponseMinutes7d == 15)
        #expect(dashboard.averageRating == 5 && dashboard.ratingCount == 1)
        #expect(dashboard.revenueByDay.count == 30)
        #expect(dashboard.revenueByDay.last == .init(day: "2026-11-25", amount: XAF(15_000)))
        #expect(dashboard.revenueByDay.first { $0.day == "2026-11-23" }?.amount == XAF(5_000))
        #expect(dashboard.revenueByService == ["plomberie": XAF(20_000)])
        #expect(dashboard.missionsByService == ["plomberie": 1])
        // Monday 23 Nov 10:00 local (09:00Z) and 10:05 → Monday row, hour 10; Wednesday 09:00 local.
        #expect(dashboard.heatmap[0][10] == 2)
        #expect(dashboard.heatmap[2][9] == 1)
    }

    private func makeRequest(_ database: NodeDatabase, _ fixture: StoreFixture, created: Date) throws -> String {
        try database.writeBlocking(now: created) { tx in
            let id = DjobeaID.v7(now: created)
            try tx.insert(
                .serviceRequests,
                [
                    "id": .text(id), "client_id": .text(fixture.clientId), "service_id": .text(fixture.serviceId),
                    "zone_id": .text(fixture.zoneId), "urgency": "aujourd_hui", "title": "Robinet qui goutte", "description": "",
                    "address": "Denver", "created_at": ColumnValue(created), "updated_at": ColumnValue(created),
                ])
            try tx.startLifecycle(requestId: id)
            return id
        }
    }

    private func offer(_ tx: SyncedTransaction, _ requestId: String, _ providerId: String, offered: String, state: String, answered: String?) throws {
        let offeredAt = at(offered)
        try tx.insert(
            .requestOffers,
            [
                "id": .text(DjobeaID.v7()), "request_id": .text(requestId), "provider_id": .text(providerId), "offered_at": .text(offered),
                "expires_at": ColumnValue(offeredAt.addingTimeInterval(1800)), "state": .text(state), "answered_at": ColumnValue(answered),
            ])
    }
}
