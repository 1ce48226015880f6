import DjobeaDomain
import Foundation
import GRDB
import Logging
import Testing

@testable import DjobeaStore

/// A small hub for routing tests: one zone (and a neighbour), plumbing, two clients, providers made to order.
///
/// Times: `now` is Wednesday 2026-11-25 10:00 in Douala (09:00 UTC), inside the default 08:00–18:00 hours.
struct OfferRoutingFixture {
    static let now = Date(timeIntervalSince1970: 1_795_597_200)
    static let minute: TimeInterval = 60

    let database: NodeDatabase
    let zoneId = DjobeaID.v7()
    let otherZoneId = DjobeaID.v7()
    let serviceId = DjobeaID.v7()
    let clientId = DjobeaID.v7()
    let otherClientId = DjobeaID.v7()
    var logger: Logger {
        var logger = Logger(label: "test.offers")
        logger.logLevel = .critical
        return logger
    }

    init() throws {
        database = try NodeDatabase.inMemory()
        let (zoneId, otherZoneId, serviceId, clientId, otherClientId) = (zoneId, otherZoneId, serviceId, clientId, otherClientId)
        try database.writeBlocking(now: Self.now) { tx in
            try tx.insert(
                .zones, ["id": .text(zoneId), "code": "bonamoussadi-centre", "name": "Bonamoussadi Centre", "created_at": ColumnValue(tx.now)])
            try tx.insert(.zones, ["id": .text(otherZoneId), "code": "kotto", "name": "Kotto", "created_at": ColumnValue(tx.now)])
            try tx.insert(.services, ["id": .text(serviceId), "code": "plomberie", "name_fr": "Plomberie"])
            try tx.insert(.clients, ["id": .text(clientId), "phone": "+237677000001", "name": "Awa Ngo", "created_at": ColumnValue(tx.now)])
            try tx.insert(.clients, ["id": .text(otherClientId), "phone": "+237677000002", "name": "Paul Eto", "created_at": ColumnValue(tx.now)])
        }
    }

    func dispatcher(policy: OfferPolicy = .standard, zoneIds: Set<String>? = nil) -> OfferDispatcher {
        OfferDispatcher(database: database, policy: policy, zoneIds: zoneIds, clock: { Self.now }, logger: logger)
    }

    /// A provider of plumbing in the fixture's zone, with settings.
    @discardableResult
    func provider(
        _ number: Int, level: ProviderLevel = .bronze, hours: String? = #"{"start":"08:00","end":"18:00","days":[1,2,3,4,5]}"#,
        autoAccept: Bool = false, zone: String? = nil
    ) throws -> String {
        let id = DjobeaID.v7()
        let zone = zone ?? zoneId
        let serviceId = serviceId
        try database.writeBlocking(now: Self.now) { tx in
            try tx.insert(
                .providers,
                [
                    "id": .text(id), "phone": .text("+2376990000\(number < 10 ? "0" : "")\(number)"), "name": .text("Prestataire \(number)"),
                    "level": .text(level.rawValue), "joined_at": ColumnValue(tx.now), "updated_at": ColumnValue(tx.now),
                ])
            try tx.insert(.providerZones, ["id": .text(DjobeaID.v7()), "provider_id": .text(id), "zone_id": .text(zone)])
            try tx.insert(.providerServices, ["id": .text(DjobeaID.v7()), "provider_id": .text(id), "service_id": .text(serviceId)])
            if let hours {
                try tx.insert(
                    .providerSettings,
                    [
                        "id": .text(DjobeaID.v7()), "provider_id": .text(id), "working_hours": .text(hours),
                        "auto_accept_familiar_clients": ColumnValue(autoAccept), "created_at": ColumnValue(tx.now), "updated_at": ColumnValue(tx.now),
                    ])
            }
        }
        return id
    }

    /// A new request, with its lifecycle row unless `lifecycle` is false (as when it arrives by sync).
    @discardableResult
    func request(_ urgency: Urgency = .aujourdhui, client: String? = nil, createdAt: Date = now, lifecycle: Bool = true) throws -> String {
        let id = DjobeaID.v7(now: createdAt)
        let (clientId, serviceId, zoneId) = (client ?? clientId, serviceId, zoneId)
        try database.writeBlocking(now: createdAt) { tx in
            _ = try tx.insert(
                .serviceRequests,
                [
                    "id": .text(id), "client_id": .text(clientId), "service_id": .text(serviceId), "zone_id": .text(zoneId),
                    "urgency": .text(urgency.rawValue), "title": "Fuite sous l'évier", "description": "L'eau coule en permanence.",
                    "address": "Rue du Marché", "budget_min": 15_000, "budget_max": 25_000, "created_at": ColumnValue(createdAt),
                    "updated_at": ColumnValue(createdAt),
                ])
            if lifecycle { try tx.startLifecycle(requestId: id) }
        }
        return id
    }

    /// A finished mission of `provider` for `client` a month ago, rated `stars` if given.
    func pastMission(_ provider: String, client: String? = nil, stars: Int? = nil) throws {
        let past = Self.now.addingTimeInterval(-30 * 86_400)
        let requestId = try request(client: client ?? otherClientId, createdAt: past)
        let clientId = client ?? otherClientId
        try database.writeBlocking(now: past.addingTimeInterval(600)) { tx in
            try tx.appendMissionEvent(requestId: requestId, kind: .accepted, actorRole: .provider, actorId: provider, providerId: provider)
            try tx.appendMissionEvent(requestId: requestId, kind: .completed, actorRole: .provider, actorId: provider, providerId: provider)
            if let stars {
                try tx.insert(
                    .ratings,
                    [
                        "id": .text(DjobeaID.v7()), "request_id": .text(requestId), "client_id": .text(clientId), "provider_id": .text(provider),
                        "stars": ColumnValue(stars), "created_at": ColumnValue(tx.now),
                    ])
            }
        }
    }

    /// The provider answers their offer as the provider API would: the offer, then the request-level event.
    func answer(_ requestId: String, by provider: String, accept: Bool, at time: Date) throws {
        try database.writeBlocking(now: time) { tx in
            guard
                let offerId = try String.fetchOne(
                    tx.db, sql: "SELECT id FROM request_offers WHERE request_id = ? AND provider_id = ?", arguments: [requestId, provider])
            else { throw StoreError.rowNotFound(table: "request_offers", key: provider) }
            var values: ColumnValues = ["state": accept ? "accepted" : "declined", "answered_at": ColumnValue(time)]
            if !accept { values["decline_reason"] = "agenda_plein" }
            try tx.update(.requestOffers, key: offerId, values)
            try tx.appendMissionEvent(
                requestId: requestId, kind: accept ? .accepted : .declined, actorRole: .provider, actorId: provider, providerId: provider,
                reasonCode: accept ? nil : "agenda_plein")
        }
    }

    func update(_ table: SyncedTable, _ key: String, _ values: ColumnValues, at time: Date = now) throws {
        try database.writeBlocking(now: time) { tx in _ = try tx.update(table, key: key, values) }
    }

    /// The request's offers in rank order: (provider, state, rank).
    func offers(_ requestId: String) throws -> [(provider: String, state: String, rank: Int)] {
        try database.readBlocking { db in
            try Row.fetchAll(
                db, sql: "SELECT provider_id, state, rank FROM request_offers WHERE request_id = ? ORDER BY rank", arguments: [requestId]
            )
            .map { ($0["provider_id"], $0["state"], $0["rank"]) }
        }
    }

    func status(_ requestId: String) throws -> String? {
        try database.readBlocking { db in try String.fetchOne(db, sql: "SELECT status FROM missions WHERE request_id = ?", arguments: [requestId]) }
    }

    /// The request's events as "kind/actor_role/reason_code".
    func events(_ requestId: String) throws -> [String] {
        try database.readBlocking { db in
            try Row.fetchAll(
                db, sql: "SELECT kind, actor_role, reason_code FROM mission_events WHERE request_id = ? ORDER BY hlc", arguments: [requestId]
            )
            .map { "\($0["kind"] as String)/\($0["actor_role"] as String)/\(($0["reason_code"] as String?) ?? "-")" }
        }
    }

    func changeCount() throws -> Int {
        try database.readBlocking { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM change_log") ?? 0 }
    }
}

@Suite("Offer routing reads")
struct OfferRoutingReadsTests {
    @Test("a candidate's figures come from ratings, missions, offers, settings and absences")
    func candidateFigures() async throws {
        let hub = try OfferRoutingFixture()
        let now = OfferRoutingFixture.now
        let seasoned = try hub.provider(1, level: .or, hours: #"{"start":"07:00","end":"19:00","days":[1,2,3,4,5,6]}"#, autoAccept: true)
        let bare = try hub.provider(2, hours: nil)
        try hub.pastMission(seasoned, stars: 5)
        // One open mission, and two answered offers: 6 minutes, and one left to expire (30 minutes).
        let open = try hub.request(createdAt: now.addingTimeInterval(-3 * 3_600))
        try await hub.dispatcher().route(requestId: open, now: now.addingTimeInterval(-3 * 3_600))
        try hub.answer(open, by: seasoned, accept: true, at: now.addingTimeInterval(-3 * 3_600 + 6 * 60))
        let missed = try hub.request(createdAt: now.addingTimeInterval(-2 * 3_600))
        try await hub.dispatcher().route(requestId: missed, now: now.addingTimeInterval(-2 * 3_600))
        try await hub.dispatcher().route(requestId: missed, now: now.addingTimeInterval(-2 * 3_600 + 31 * 60))
        // Familiar only now, so that the offers above were ordinary ones.
        try hub.pastMission(seasoned, client: hub.clientId, stars: 4)
        try hub.database.writeBlocking(now: now) { tx in
            _ = try tx.insert(
                .absences,
                [
                    "id": .text(DjobeaID.v7()), "provider_id": .text(seasoned), "starts_at": ColumnValue(now.addingTimeInterval(86_400)),
                    "ends_at": ColumnValue(now.addingTimeInterval(3 * 86_400)), "created_at": ColumnValue(now),
                ])
        }

        let requestId = try hub.request()
        let candidates = try hub.database.readBlocking { db in
            let request = try #require(try OfferRoutingReads.request(id: requestId, now: now, in: db)).request
            return try OfferRoutingReads.candidates(for: request, now: now, responseHistory: 30 * 86_400, logger: hub.logger, in: db)
        }
        let byId = Dictionary(uniqueKeysWithValues: candidates.map { ($0.providerId, $0) })
        let figures = try #require(byId[seasoned])
        #expect(figures.level == .or && figures.ratingCount == 2 && figures.averageRating == 4.5)
        #expect(figures.openMissions == 1 && figures.isFamiliarClient && figures.autoAcceptFamiliarClients)
        #expect(abs((figures.averageResponseMinutes ?? 0) - 18) < 0.01)
        #expect(figures.workingHours == WorkingHours(start: 7 * 60, end: 19 * 60, days: [1, 2, 3, 4, 5, 6]))
        #expect(figures.absences == [DateInterval(start: now.addingTimeInterval(86_400), end: now.addingTimeInterval(3 * 86_400))])
        #expect(figures.serviceIds == [hub.serviceId] && figures.zoneIds == [hub.zoneId] && figures.accountStatus == .active)
        let plain = try #require(byId[bare])
        #expect(plain.workingHours == .seedDefault && plain.ratingCount == 0 && plain.averageRating == nil && !plain.isFamiliarClient)
        // Out of hours for `open`, then offered `missed` after the first provider let it expire: still pending.
        #expect(plain.averageResponseMinutes == nil && plain.openMissions == 0)
    }

    @Test("\"types de demandes à recevoir\": an urgency or a service outside the provider's list gets no offer; an empty list takes all")
    func requestTypes() async throws {
        let hub = try OfferRoutingFixture()
        let urgentOnly = try hub.provider(1)
        let plumbingOnly = try hub.provider(2)
        let everything = try hub.provider(3)
        let electricity = DjobeaID.v7()
        try hub.database.writeBlocking(now: OfferRoutingFixture.now) { tx in
            _ = try tx.insert(.services, ["id": .text(electricity), "code": "electricite", "name_fr": "Électricité"])
        }
        for (provider, types) in [(urgentOnly, #"["urgent"]"#), (plumbingOnly, #"["plomberie","aujourd_hui"]"#)] {
            let settings = try hub.database.readBlocking { db in
                try String.fetchOne(db, sql: "SELECT id FROM provider_settings WHERE provider_id = ?", arguments: [provider])
            }
            try hub.update(.providerSettings, try #require(settings), ["request_types": .text(types)])
        }
        func wants(_ urgency: Urgency) throws -> [String: Bool] {
            let requestId = try hub.request(urgency)
            let candidates = try hub.database.readBlocking { db in
                let request = try #require(try OfferRoutingReads.request(id: requestId, now: OfferRoutingFixture.now, in: db)).request
                return try OfferRoutingReads.candidates(
                    for: request, now: OfferRoutingFixture.now, responseHistory: 86_400, logger: hub.logger, in: db)
            }
            return Dictionary(uniqueKeysWithValues: candidates.map { ($0.providerId, $0.wantsRequestType) })
        }
        #expect(try wants(.urgent) == [urgentOnly: true, plumbingOnly: false, everything: true])
        #expect(try wants(.aujourdhui) == [urgentOnly: false, plumbingOnly: true, everything: true])
        let request = try hub.request(.aujourdhui)
        try await hub.dispatcher().route(requestId: request, now: OfferRoutingFixture.now)
        #expect(try hub.offers(request).map(\.provider).allSatisfy { $0 != urgentOnly })
    }

    @Test("a request that arrived without a lifecycle row gets one and is routed")
    func requestWithoutLifecycle() async throws {
        let hub = try OfferRoutingFixture()
        let provider = try hub.provider(1)
        let requestId = try hub.request(lifecycle: false)
        #expect(try hub.status(requestId) == nil)
        let report = try await hub.dispatcher().sweep(now: OfferRoutingFixture.now)
        #expect(report.offersMade == 1)
        #expect(try hub.status(requestId) == "nouvelle")
        #expect(try hub.offers(requestId).map(\.provider) == [provider])
    }
}
