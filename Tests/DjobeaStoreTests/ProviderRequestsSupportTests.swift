import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

/// A small hub for the provider requests tests: two quarters, two services, three providers, two clients and the
/// seed's message templates. Wednesday 25 November 2026, 15:00 in Douala, is `now`.
struct RequestsWorld {
    let database: NodeDatabase
    let now = RequestsWorld.at("2026-11-25T14:00:00.000Z")
    let denver = DjobeaID.v7()
    let makepe = DjobeaID.v7()
    let plomberie = DjobeaID.v7()
    let electricite = DjobeaID.v7()
    /// Jean Kouam, Paul Ebogo, Alice Mbarga.
    let providerA = DjobeaID.v7()
    let providerB = DjobeaID.v7()
    let providerC = DjobeaID.v7()
    /// Awa Ngo (+237677000056) and Eric Tchami.
    let client = DjobeaID.v7()
    let otherClient = DjobeaID.v7()

    static func at(_ text: String) -> Date { UTCTimestamp.parse(text) ?? Date(timeIntervalSince1970: 0) }

    var commands: ProviderRequestCommands { ProviderRequestCommands(database: database) }

    init() throws {
        database = try NodeDatabase.inMemory()
        let setup = now.addingTimeInterval(-60 * 86_400)
        try database.writeBlocking(now: setup) { [self] tx in
            let at = ColumnValue(setup)
            try tx.insert(.zones, ["id": .text(denver), "code": "denver", "name": "Denver", "created_at": at])
            try tx.insert(.zones, ["id": .text(makepe), "code": "makepe", "name": "Makepe", "created_at": at])
            try tx.insert(.services, ["id": .text(plomberie), "code": "plomberie", "name_fr": "Plomberie"])
            try tx.insert(.services, ["id": .text(electricite), "code": "electricite", "name_fr": "Électricité"])
            for (id, phone, name) in [
                (providerA, "+237699000001", "Jean Kouam"), (providerB, "+237699000002", "Paul Ebogo"), (providerC, "+237699000003", "Alice Mbarga"),
            ] {
                try tx.insert(.providers, ["id": .text(id), "phone": .text(phone), "name": .text(name), "joined_at": at, "updated_at": at])
            }
            try tx.insert(.clients, ["id": .text(client), "phone": "+237677000056", "name": "Awa Ngo", "created_at": at])
            try tx.insert(.clients, ["id": .text(otherClient), "phone": "+237677000099", "name": "Eric Tchami", "created_at": at])
            let templates: [(String, String, String)] = [
                ("reply", "arrive_15min", "J'arrive dans 15 minutes"), ("reply", "diagnostic_en_cours", "Diagnostic en cours, je vous explique"),
                ("reply", "reparation_terminee", "Réparation terminée, tout fonctionne"),
                ("reply", "facture_envoyee", "Facture envoyée, merci pour votre confiance"),
                ("reply", "arrive_dans", "Bonjour {client}, j'arrive dans {minutes} minutes"),
                ("question", "question_photo", "Pouvez-vous m'envoyer une photo du problème ?"),
            ]
            for (order, (kind, code, body)) in templates.enumerated() {
                try tx.insert(
                    .messageTemplates,
                    ["id": .text(DjobeaID.v7()), "kind": .text(kind), "code": .text(code), "body": .text(body), "sort_order": ColumnValue(order)])
            }
        }
    }

    /// A new request created at `created`, in status Nouvelle.
    @discardableResult
    func request(
        _ title: String = "Fuite sous l'évier", urgency: Urgency = .urgent, service: String? = nil, zone: String? = nil, created: Date? = nil,
        budget: (Int, Int)? = (15_000, 25_000), client: String? = nil, description: String = "L'eau coule en permanence."
    ) throws -> String {
        let created = created ?? now.addingTimeInterval(-15 * 60)
        return try database.writeBlocking(now: created) { [self] tx in
            let id = DjobeaID.v7(now: created)
            try tx.insert(
                .serviceRequests,
                [
                    "id": .text(id), "client_id": .text(client ?? self.client), "service_id": .text(service ?? plomberie),
                    "zone_id": .text(zone ?? denver), "urgency": .text(urgency.rawValue), "title": .text(title), "description": .text(description),
                    "address": "Denver, Rue du Marché", "budget_min": ColumnValue(budget?.0), "budget_max": ColumnValue(budget?.1),
                    "created_at": ColumnValue(created), "updated_at": ColumnValue(created),
                ])
            try tx.startLifecycle(requestId: id)
            return id
        }
    }

    /// An offer of `request` to `provider`, offered `ago` seconds before `now`, open for `window` seconds.
    @discardableResult
    func offer(_ request: String, to provider: String, ago: TimeInterval = 10 * 60, window: TimeInterval = 30 * 60, seen: Bool = false) throws
        -> String
    {
        let offeredAt = now.addingTimeInterval(-ago)
        return try database.writeBlocking(now: offeredAt) { tx in
            let id = DjobeaID.v7(now: offeredAt)
            try tx.insert(
                .requestOffers,
                [
                    "id": .text(id), "request_id": .text(request), "provider_id": .text(provider), "offered_at": ColumnValue(offeredAt),
                    "expires_at": ColumnValue(offeredAt.addingTimeInterval(window)), "state": "pending",
                    "seen_at": seen ? ColumnValue(offeredAt.addingTimeInterval(30)) : .null,
                ])
            return id
        }
    }

    /// Appends an event made by someone other than the provider (a client's cancel, ops' reassignment).
    func event(_ request: String, _ kind: MissionEventKind, by role: ActorRole, provider: String? = nil, at: Date? = nil) throws {
        _ = try database.writeBlocking(now: at ?? now.addingTimeInterval(-60)) { tx in
            try tx.appendMissionEvent(requestId: request, kind: kind, actorRole: role, providerId: provider)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try database.readBlocking(body)
    }

    func count(_ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        try read { try Int.fetchOne($0, sql: sql, arguments: arguments) ?? 0 }
    }

    func events(_ request: String) throws -> [MissionEvent] {
        try read { try MissionProjection.events(requestId: request, in: $0) }
    }

    func changeCount() throws -> Int { try count("SELECT count(*) FROM change_log") }

    func list(_ provider: String, _ filter: ProviderRequestFilter = ProviderRequestFilter(), page: ProviderRequestPaging = ProviderRequestPaging())
        throws -> ProviderRequestPage
    {
        try read { try ProviderRequestsQuery.list(providerId: provider, filter: filter, page: page, now: now, in: $0) }
    }

    func detail(_ provider: String, _ request: String) throws -> ProviderRequestDetail? {
        try read { try ProviderRequestsQuery.detail(providerId: provider, requestId: request, now: now, in: $0) }
    }
}

/// Runs `body` and returns the `ProviderRequestError` it threw, nil if none.
func providerRequestError(_ body: () async throws -> some Any) async -> ProviderRequestError? {
    do {
        _ = try await body()
        return nil
    } catch let error as ProviderRequestError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

@Suite("Provider requests: French wording")
struct ProviderRequestsWordingTests {
    let now = RequestsWorld.at("2026-11-25T14:00:00.000Z")

    static let agoCases: [(Double, String)] = [
        (0.0, "à l'instant"), (59, "à l'instant"), (60, "il y a 1 min"), (15 * 60, "il y a 15 min"), (59 * 60 + 59, "il y a 59 min"),
        (3_600, "il y a 1 h"), (2 * 3_600 + 1_799, "il y a 2 h"), (86_399, "il y a 23 h"), (86_400, "il y a 1 j"), (3 * 86_400 + 5, "il y a 3 j"),
        (-120, "à l'instant"),
    ]

    @Test("time since asked: min, h, j", arguments: agoCases)
    func ago(seconds: Double, expected: String) {
        #expect(ProviderRequestWording.ago(now.addingTimeInterval(-seconds), now: now) == expected)
    }

    @Test("budget, masked phone, first name, duration, reputation")
    func labels() {
        #expect(ProviderRequestWording.budget(min: 15_000, max: 25_000) == "15\u{202F}000 – 25\u{202F}000\u{00A0}FCFA")
        #expect(ProviderRequestWording.budget(min: 5_000, max: nil) == "À partir de 5\u{202F}000\u{00A0}FCFA")
        #expect(ProviderRequestWording.budget(min: nil, max: nil) == "Budget à discuter")
        #expect(ProviderRequestWording.maskedPhone("+237677000056") == "+237 6XX XXX X56")
        #expect(ProviderRequestWording.firstName("Jean Kouam") == "Jean")
        #expect(ProviderRequestWording.duration(seconds: 200) == "3 min 20 s")
        #expect(ProviderRequestWording.duration(seconds: 3_900) == "1 h 05 min")
        #expect(ProviderRequestWording.clientReputation(averageStars: 4.75, ratings: 12, requests: 15) == "4,8/5 (12 avis)")
        #expect(ProviderRequestWording.clientReputation(averageStars: nil, ratings: 0, requests: 1) == "Nouveau client")
    }

    @Test("a slot in Douala time")
    func slot() {
        // 08:00Z is 9 h in Douala.
        let start = RequestsWorld.at("2026-12-02T08:00:00.000Z")
        #expect(ProviderRequestWording.slot(start: start, end: start.addingTimeInterval(7_200)) == "mercredi 2 décembre entre 9 h et 11 h")
        let first = RequestsWorld.at("2026-12-01T08:30:00.000Z")
        #expect(ProviderRequestWording.slot(start: first, end: first.addingTimeInterval(5_400)) == "mardi 1er décembre entre 9 h 30 et 11 h")
        let evening = RequestsWorld.at("2026-12-01T17:00:00.000Z")
        #expect(
            ProviderRequestWording.slot(start: evening, end: evening.addingTimeInterval(9 * 3_600 + 1_800))
                == "du mardi 1er décembre à 18 h au mercredi 2 décembre à 3 h 30")
    }
}
