import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Offer dispatcher")
struct OfferRoutingDispatcherTests {
    let now = OfferRoutingFixture.now
    let minute = OfferRoutingFixture.minute

    @Test("a new request is offered to the best ranked provider, change-logged, with a notification")
    func firstOffer() async throws {
        let hub = try OfferRoutingFixture()
        let best = try hub.provider(1, level: .platine)
        try hub.provider(2, level: .argent)
        try hub.provider(3, zone: hub.otherZoneId)
        let requestId = try hub.request(.aujourdhui)
        let step = try await hub.dispatcher().dispatch(requestId: requestId)
        #expect(step.newOffers.map(\.providerId) == [best])
        let row = try #require(
            try hub.database.readBlocking { db in
                try Row.fetchOne(db, sql: "SELECT * FROM request_offers WHERE request_id = ?", arguments: [requestId])
            })
        #expect(row["rank"] == 1 && row["state"] == "pending")
        #expect(row["offered_at"] == UTCTimestamp.format(now) && row["expires_at"] == UTCTimestamp.format(now.addingTimeInterval(30 * minute)))
        let notification = try #require(
            try hub.database.readBlocking { db in try Row.fetchOne(db, sql: "SELECT * FROM notifications WHERE provider_id = ?", arguments: [best]) })
        #expect(notification["kind"] == "new_request" && notification["title"] == "Nouvelle demande : Fuite sous l'évier")
        #expect((notification["body"] as String).hasPrefix("Bonamoussadi Centre · "))
        let logged = try LoggedChange.all(in: hub.database).suffix(2).map(\.table)
        #expect(logged == ["request_offers", "notifications"])
        // Dispatching again changes nothing.
        let before = try hub.changeCount()
        #expect(try await hub.dispatcher().dispatch(requestId: requestId).isEmpty)
        #expect(try hub.changeCount() == before)
    }

    @Test("an urgent request goes to three providers at once")
    func urgentInParallel() async throws {
        let hub = try OfferRoutingFixture()
        let ids = try [ProviderLevel.platine, .or, .argent, .bronze].enumerated().map { try hub.provider($0.offset + 1, level: $0.element) }
        let requestId = try hub.request(.urgent)
        try await hub.dispatcher().dispatch(requestId: requestId)
        let offers = try hub.offers(requestId)
        #expect(offers.map(\.provider) == Array(ids.prefix(3)) && offers.map(\.rank) == [1, 2, 3])
        let kinds = try hub.database.readBlocking { db in try String.fetchAll(db, sql: "SELECT DISTINCT kind FROM notifications") }
        #expect(kinds == ["urgent_request"])
    }

    @Test("an offer left unanswered expires, and the next provider gets the request")
    func expiryThenNext() async throws {
        let hub = try OfferRoutingFixture()
        let first = try hub.provider(1, level: .platine)
        let second = try hub.provider(2, level: .or)
        let requestId = try hub.request()
        let dispatcher = hub.dispatcher()
        try await dispatcher.dispatch(requestId: requestId)
        #expect(try await dispatcher.sweep(now: now.addingTimeInterval(29 * minute)).changed == false)
        let report = try await dispatcher.sweep(now: now.addingTimeInterval(30 * minute))
        #expect(report.offersExpired == 1 && report.offersMade == 1)
        #expect(try hub.offers(requestId).map { "\($0.rank):\($0.state)" } == ["1:expired", "2:pending"])
        #expect(try hub.offers(requestId).map(\.provider) == [first, second])
    }

    @Test("declines move the request on; when everyone declined it expires, by the system")
    func allDeclined() async throws {
        let hub = try OfferRoutingFixture()
        let first = try hub.provider(1, level: .platine)
        let second = try hub.provider(2, level: .or)
        let requestId = try hub.request()
        let dispatcher = hub.dispatcher()
        try await dispatcher.dispatch(requestId: requestId)
        try hub.answer(requestId, by: first, accept: false, at: now.addingTimeInterval(2 * minute))
        #expect(try hub.status(requestId) == "declinee")
        try await dispatcher.sweep(now: now.addingTimeInterval(3 * minute))
        #expect(try hub.status(requestId) == "nouvelle")
        try hub.answer(requestId, by: second, accept: false, at: now.addingTimeInterval(5 * minute))
        let report = try await dispatcher.sweep(now: now.addingTimeInterval(6 * minute))
        #expect(report.requestsExpired == 1)
        #expect(try hub.status(requestId) == "expiree")
        #expect(
            try hub.events(requestId) == [
                "declined/provider/agenda_plein", "reoffered/system/-", "declined/provider/agenda_plein", "expired/system/tous_ont_decline",
            ])
        #expect(try await dispatcher.sweep(now: now.addingTimeInterval(7 * minute)).requests == 0)
    }

    @Test("with nobody for the service in the zone, the request expires at once")
    func nobodyAtAll() async throws {
        let hub = try OfferRoutingFixture()
        try hub.provider(1, zone: hub.otherZoneId)
        let requestId = try hub.request()
        let step = try await hub.dispatcher().dispatch(requestId: requestId)
        #expect(step.requestExpiry == .noProvider)
        #expect(try hub.events(requestId) == ["expired/system/aucun_prestataire"])
    }

    @Test("a non-urgent request at night waits for the morning without writing anything")
    func nightWait() async throws {
        let hub = try OfferRoutingFixture()
        let provider = try hub.provider(1)
        let night = now.addingTimeInterval(11 * 3_600)  // 21:00 in Douala
        let requestId = try hub.request(createdAt: night)
        let before = try hub.changeCount()
        let report = try await hub.dispatcher().sweep(now: night)
        #expect(report.requestsWaiting == 1 && !report.changed)
        #expect(try hub.changeCount() == before)
        try await hub.dispatcher().sweep(now: night.addingTimeInterval(11 * 3_600))  // 08:00
        #expect(try hub.offers(requestId).map(\.provider) == [provider])
    }

    @Test("a familiar client's provider with auto-accept gets the request directly")
    func autoAcceptFamiliarClient() async throws {
        let hub = try OfferRoutingFixture()
        try hub.provider(1, level: .platine)
        let familiar = try hub.provider(2, autoAccept: true)
        try hub.pastMission(familiar, client: hub.clientId, stars: 5)
        let requestId = try hub.request()
        let step = try await hub.dispatcher().dispatch(requestId: requestId)
        #expect(step.outcome == .autoAccepted(providerId: familiar))
        #expect(try hub.status(requestId) == "acceptee")
        #expect(try hub.offers(requestId).map { "\($0.state):\($0.rank)" } == ["accepted:1"])
        #expect(try hub.events(requestId) == ["accepted/provider/auto_accept"])
        let assigned = try hub.database.readBlocking { db in
            try String.fetchOne(db, sql: "SELECT provider_id FROM missions WHERE request_id = ?", arguments: [requestId])
        }
        #expect(assigned == familiar)
        // Without the setting, the same history gives an ordinary offer to the best ranked provider.
        try hub.update(.providerSettings, try settingsId(of: familiar, in: hub), ["auto_accept_familiar_clients": 0])
        let next = try hub.request()
        #expect(try await hub.dispatcher().dispatch(requestId: next).autoAccept == nil)
    }

    @Test("a provider who goes away has their pending offer withdrawn and redirected")
    func awayRedirected() async throws {
        let hub = try OfferRoutingFixture()
        let away = try hub.provider(1, level: .platine)
        let other = try hub.provider(2, level: .or)
        let requestId = try hub.request()
        let dispatcher = hub.dispatcher()
        try await dispatcher.dispatch(requestId: requestId)
        try hub.update(
            .providers, away, ["away_mode": 1, "away_until": ColumnValue(now.addingTimeInterval(86_400))], at: now.addingTimeInterval(minute))
        let report = try await dispatcher.sweep(now: now.addingTimeInterval(2 * minute))
        #expect(report.offersWithdrawn == 1 && report.offersMade == 1)
        #expect(try hub.offers(requestId).map { "\($0.state)" } == ["withdrawn", "pending"])
        #expect(try hub.offers(requestId).last?.provider == other)
        // The second provider declares an absence: their offer is withdrawn too, and as each provider gets one offer per
        // request, nobody is left: the request expires for ops to reassign.
        try hub.database.writeBlocking(now: now.addingTimeInterval(3 * minute)) { tx in
            _ = try tx.insert(
                .absences,
                [
                    "id": .text(DjobeaID.v7()), "provider_id": .text(other), "starts_at": ColumnValue(tx.now),
                    "ends_at": ColumnValue(tx.now.addingTimeInterval(86_400)), "created_at": ColumnValue(tx.now),
                ])
        }
        let after = try await dispatcher.sweep(now: now.addingTimeInterval(4 * minute))
        #expect(after.offersWithdrawn == 1 && after.requestsExpired == 1)
        #expect(try hub.events(requestId) == ["expired/system/aucun_prestataire"])
    }

    @Test("sweeping twice at the same time changes nothing the second time")
    func idempotentSweep() async throws {
        let hub = try OfferRoutingFixture()
        for number in 1...5 { try hub.provider(number) }
        for urgency in Urgency.allCases { try hub.request(urgency, createdAt: now.addingTimeInterval(-20 * minute)) }
        let dispatcher = hub.dispatcher()
        try await dispatcher.sweep(now: now.addingTimeInterval(-20 * minute))
        let later = now.addingTimeInterval(45 * minute)
        let first = try await dispatcher.sweep(now: later)
        #expect(first.changed)
        let count = try hub.changeCount()
        let second = try await dispatcher.sweep(now: later)
        #expect(!second.changed && second.failures == 0)
        #expect(try hub.changeCount() == count)
    }

    @Test("an accepted or cancelled request is never offered again; its other offers are withdrawn")
    func neverReofferClosed() async throws {
        let hub = try OfferRoutingFixture()
        let ids = try (1...5).map { try hub.provider($0, level: ProviderLevel.allCases[$0 % 4]) }
        let dispatcher = hub.dispatcher()
        let accepted = try hub.request(.urgent)
        let cancelled = try hub.request(.urgent)
        try await dispatcher.sweep(now: now)
        let acceptor = try #require(try hub.offers(accepted).first?.provider)
        try hub.answer(accepted, by: acceptor, accept: true, at: now.addingTimeInterval(minute))
        try hub.database.writeBlocking(now: now.addingTimeInterval(minute)) { tx in
            _ = try tx.appendMissionEvent(requestId: cancelled, kind: .cancelled, actorRole: .client, reasonCode: "probleme_resolu")
        }
        let report = try await dispatcher.sweep(now: now.addingTimeInterval(2 * minute))
        #expect(report.offersMade == 0 && report.offersWithdrawn == 5)
        #expect(try hub.offers(accepted).map(\.state).sorted() == ["accepted", "withdrawn", "withdrawn"])
        #expect(try hub.offers(cancelled).allSatisfy { $0.state == "withdrawn" })
        // Long after every window: still nothing for them.
        let late = try await dispatcher.sweep(now: now.addingTimeInterval(5 * 3_600))
        #expect(late.requests == 0 && !late.changed)
        #expect(try hub.offers(accepted).count == 3 && Set(ids).isSuperset(of: try hub.offers(accepted).map(\.provider)))
        #expect(try hub.status(accepted) == "acceptee")
        #expect(try hub.status(cancelled) == "annulee")
    }

    @Test("only the hub's own zones are routed")
    func zoneFilter() async throws {
        let hub = try OfferRoutingFixture()
        try hub.provider(1)
        let requestId = try hub.request()
        #expect(try await hub.dispatcher(zoneIds: [hub.otherZoneId]).sweep(now: now).requests == 0)
        #expect(try await hub.dispatcher(zoneIds: [hub.zoneId]).sweep(now: now).offersMade == 1)
        #expect(try hub.offers(requestId).count == 1)
        await #expect(throws: StoreError.self) { try await hub.dispatcher(zoneIds: [hub.otherZoneId]).dispatch(requestId: requestId) }
        await #expect(throws: StoreError.rowNotFound(table: "service_requests", key: "inconnue")) {
            try await hub.dispatcher().dispatch(requestId: "inconnue")
        }
    }

    private func settingsId(of provider: String, in hub: OfferRoutingFixture) throws -> String {
        try hub.database.readBlocking { db in
            try #require(try String.fetchOne(db, sql: "SELECT id FROM provider_settings WHERE provider_id = ?", arguments: [provider]))
        }
    }
}
