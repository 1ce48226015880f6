import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Provider requests: the list")
struct ProviderRequestsListTests {
    @Test("a provider lists only requests offered or assigned to them, each in their own view")
    func ownViewOnly() async throws {
        let world = try RequestsWorld()
        let open = try world.request("Fuite sous l'évier")
        try world.offer(open, to: world.providerA)
        let taken = try world.request("Disjoncteur qui saute", created: world.now.addingTimeInterval(-3 * 3_600))
        try world.offer(taken, to: world.providerA, ago: 2 * 3_600)
        try world.offer(taken, to: world.providerB, ago: 2 * 3_600 - 60)
        _ = try await world.commands.decline(
            providerId: world.providerA, requestId: taken, reason: .agendaPlein, now: world.now.addingTimeInterval(-7_000))
        _ = try await world.commands.accept(providerId: world.providerB, requestId: taken, now: world.now.addingTimeInterval(-6_900))
        let assigned = try world.request("Prise grillée", created: world.now.addingTimeInterval(-86_400))
        try world.event(assigned, .reassigned, by: .ops, provider: world.providerA)
        try world.request("Demande d'un autre quartier")  // offered to nobody

        let page = try world.list(world.providerA)
        #expect(page.total == 3)
        let byId = Dictionary(uniqueKeysWithValues: page.items.map { ($0.id, $0) })
        #expect(byId[open]?.status == "nouvelle")
        #expect(byId[taken]?.status == "declinee")
        #expect(byId[assigned]?.status == "acceptee")
        #expect(try world.list(world.providerB).items.map(\.status) == ["acceptee"])
        #expect(try world.list(world.providerC).total == 0)
    }

    @Test("the provider's view: expired, taken by another, cancelled, under way")
    func views() async throws {
        let world = try RequestsWorld()
        let expired = try world.request("Chauffe-eau", created: world.now.addingTimeInterval(-7_200))
        try world.offer(expired, to: world.providerA, ago: 3_600, window: 600)  // pending, past its expiry
        let raced = try world.request("Robinet", created: world.now.addingTimeInterval(-1_800))
        try world.offer(raced, to: world.providerA)
        try world.offer(raced, to: world.providerB)
        _ = try await world.commands.accept(providerId: world.providerB, requestId: raced, now: world.now.addingTimeInterval(-60))
        let cancelled = try world.request("Ventilateur", created: world.now.addingTimeInterval(-1_200))
        try world.offer(cancelled, to: world.providerA)
        try world.event(cancelled, .cancelled, by: .client)
        let working = try world.request("Tableau électrique", created: world.now.addingTimeInterval(-600))
        try world.offer(working, to: world.providerA, ago: 500)
        _ = try await world.commands.accept(providerId: world.providerA, requestId: working, now: world.now.addingTimeInterval(-400))
        _ = try await world.commands.updateStatus(
            providerId: world.providerA, requestId: working, stage: .diagnosed, now: world.now.addingTimeInterval(-300))

        let items = Dictionary(uniqueKeysWithValues: try world.list(world.providerA).items.map { ($0.id, $0) })
        #expect(items[expired]?.status == "expiree")
        #expect(items[expired]?.offerExpiresAt == nil)
        #expect(items[raced]?.status == "expiree")
        #expect(items[raced]?.statusLabel == "Attribuée à un autre prestataire")
        #expect(items[cancelled]?.status == "annulee")
        #expect(items[working]?.status == "en_cours")
        #expect(items[working]?.stage == "diagnostic")
        #expect(items[working]?.statusLabel == "Diagnostic")
        let enCours = try world.list(world.providerA, ProviderRequestFilter(statuses: [.enCours]))
        #expect(enCours.items.map(\.id) == [working])
        let closed = try world.list(world.providerA, ProviderRequestFilter(statuses: [.expiree, .annulee]))
        #expect(Set(closed.items.map(\.id)) == [expired, raced, cancelled])
    }

    @Test("a line carries what the list shows")
    func itemFields() throws {
        let world = try RequestsWorld()
        let id = try world.request("Fuite sous l'évier", created: world.now.addingTimeInterval(-15 * 60))
        let offer = try world.offer(id, to: world.providerA, ago: 14 * 60)
        let item = try #require(try world.list(world.providerA).items.first)
        #expect(item.id == id)
        #expect(item.service == CodeName(code: "plomberie", name: "Plomberie"))
        #expect(item.zone == CodeName(code: "denver", name: "Denver"))
        #expect(item.urgency == CodeLabel(code: "urgent", label: "Urgent"))
        #expect(item.askedAgo == "il y a 15 min")
        #expect(item.budgetMin == 15_000 && item.budgetMax == 25_000)
        #expect(item.budgetLabel == "15\u{202F}000 – 25\u{202F}000\u{00A0}FCFA")
        #expect(item.clientFirstName == "Awa")
        #expect(item.offerId == offer)
        #expect(item.offerUnseen)
        #expect(item.offerExpiresAt == "2026-11-25T14:16:00.000Z")
        #expect(item.createdAt == "2026-11-25T13:45:00.000Z")
    }

    @Test("filters: urgency, service, zone, search")
    func filters() throws {
        let world = try RequestsWorld()
        let a = try world.request("Fuite cuisine", urgency: .urgent, created: world.now.addingTimeInterval(-100))
        let b = try world.request("Prise grillée", urgency: .planifie, service: world.electricite, created: world.now.addingTimeInterval(-200))
        let c = try world.request("Fuite salle de bain", urgency: .aujourdhui, zone: world.makepe, created: world.now.addingTimeInterval(-300))
        for id in [a, b, c] { try world.offer(id, to: world.providerA) }
        func ids(_ filter: ProviderRequestFilter) throws -> [String] { try world.list(world.providerA, filter).items.map(\.id) }
        #expect(try ids(ProviderRequestFilter(urgencies: [.urgent, .planifie])) == [a, b])
        #expect(try ids(ProviderRequestFilter(serviceCodes: ["electricite"])) == [b])
        #expect(try ids(ProviderRequestFilter(zoneCodes: ["makepe"])) == [c])
        #expect(try ids(ProviderRequestFilter(search: "  fuite ")) == [a, c])
        #expect(try ids(ProviderRequestFilter(search: "100%")) == [])
        #expect(try ids(ProviderRequestFilter(serviceCodes: ["menuiserie"])) == [])
    }

    @Test("the date range is in Douala days, both ends included")
    func dateRange() throws {
        let world = try RequestsWorld()
        // 23:30 UTC on the 23rd is 00:30 on the 24th in Douala; 22:59 UTC on the 24th is 23:59 there.
        let early = try world.request("Avant", created: RequestsWorld.at("2026-11-23T22:59:00.000Z"))
        let first = try world.request("Premier", created: RequestsWorld.at("2026-11-23T23:30:00.000Z"))
        let last = try world.request("Dernier", created: RequestsWorld.at("2026-11-24T22:59:00.000Z"))
        let late = try world.request("Après", created: RequestsWorld.at("2026-11-24T23:00:00.000Z"))
        for id in [early, first, last, late] { try world.offer(id, to: world.providerA) }
        let page = try world.list(world.providerA, ProviderRequestFilter(from: "2026-11-24", to: "2026-11-24", sort: .createdAsc))
        #expect(page.items.map(\.id) == [first, last])
        let open = try world.list(world.providerA, ProviderRequestFilter(from: "2026-11-25"))
        #expect(open.items.map(\.id) == [late])
    }

    @Test("bad filters and pages are refused with the field at fault")
    func validation() throws {
        let world = try RequestsWorld()
        func field(_ filter: ProviderRequestFilter, _ page: ProviderRequestPaging = ProviderRequestPaging()) -> String? {
            do {
                _ = try world.list(world.providerA, filter, page: page)
                return nil
            } catch let error as ProviderRequestError {
                #expect(error.kind == .invalid && error.code == "invalid_parameter")
                return error.field
            } catch {
                return "unexpected"
            }
        }
        #expect(field(ProviderRequestFilter(from: "2026-11-25", to: "2026-11-24")) == "from")
        #expect(field(ProviderRequestFilter(from: "2025-01-01", to: "2026-01-02")) == "to")
        #expect(field(ProviderRequestFilter(from: "2025-01-01", to: "2026-01-01")) == nil)  // 366 days
        #expect(field(ProviderRequestFilter(from: "2026-02-30")) == "from")
        #expect(field(ProviderRequestFilter(to: "25/11/2026")) == "to")
        #expect(field(ProviderRequestFilter(search: String(repeating: "a", count: 101))) == "q")
        #expect(field(ProviderRequestFilter(serviceCodes: ["Plomberie!"])) == "service")
        #expect(field(ProviderRequestFilter(), ProviderRequestPaging(page: 0)) == "page")
        #expect(field(ProviderRequestFilter(), ProviderRequestPaging(pageSize: 101)) == "page_size")
        #expect(field(ProviderRequestFilter(), ProviderRequestPaging(pageSize: 0)) == "page_size")
    }

    @Test("sorts: newest first by default, oldest first, most urgent first")
    func sorting() throws {
        let world = try RequestsWorld()
        let planned = try world.request("Planifié", urgency: .planifie, created: world.now.addingTimeInterval(-100))
        let urgentOld = try world.request("Urgent ancien", urgency: .urgent, created: world.now.addingTimeInterval(-400))
        let today = try world.request("Aujourd'hui", urgency: .aujourdhui, created: world.now.addingTimeInterval(-300))
        let urgentNew = try world.request("Urgent récent", urgency: .urgent, created: world.now.addingTimeInterval(-200))
        for id in [planned, urgentOld, today, urgentNew] { try world.offer(id, to: world.providerA) }
        #expect(try world.list(world.providerA).items.map(\.id) == [planned, urgentNew, today, urgentOld])
        #expect(try world.list(world.providerA, ProviderRequestFilter(sort: .createdAsc)).items.map(\.id) == [urgentOld, today, urgentNew, planned])
        #expect(try world.list(world.providerA, ProviderRequestFilter(sort: .urgency)).items.map(\.id) == [urgentNew, urgentOld, today, planned])
    }

    @Test("paging: total, page count, last partial page, past the end")
    func paging() throws {
        let world = try RequestsWorld()
        var ids: [String] = []
        for index in 0..<7 {
            let id = try world.request("Demande \(index)", created: world.now.addingTimeInterval(-Double(index + 1) * 60))
            try world.offer(id, to: world.providerA)
            ids.append(id)
        }
        let first = try world.list(world.providerA, page: ProviderRequestPaging(page: 1, pageSize: 3))
        #expect(first.total == 7 && first.totalPages == 3 && first.items.map(\.id) == Array(ids[0..<3]))
        let last = try world.list(world.providerA, page: ProviderRequestPaging(page: 3, pageSize: 3))
        #expect(last.items.map(\.id) == [ids[6]])
        let beyond = try world.list(world.providerA, page: ProviderRequestPaging(page: 9, pageSize: 3))
        #expect(beyond.items.isEmpty && beyond.total == 7)
        #expect(try world.list(world.providerA).pageSize == 20)
    }

    @Test("the query string is parsed and checked")
    func parse() throws {
        let (filter, paging) = try ProviderRequestFilter.parse(query: [
            "status": "nouvelle,en_cours", "urgency": "urgent", "service": "plomberie", "zone": "denver,makepe", "from": "2026-11-01",
            "to": "2026-11-25", "q": "fuite", "sort": "urgency", "page": "2", "page_size": "50",
        ])
        #expect(filter.statuses == [.nouvelle, .enCours])
        #expect(filter.urgencies == [.urgent])
        #expect(filter.zoneCodes == ["denver", "makepe"])
        #expect(filter.sort == .urgency)
        #expect(paging == ProviderRequestPaging(page: 2, pageSize: 50))
        #expect(try ProviderRequestFilter.parse(query: [:]).paging == ProviderRequestPaging())
        for (key, value) in [("status", "finie"), ("urgency", "demain"), ("sort", "prix"), ("page", "deux"), ("page_size", "500"), ("from", "hier")] {
            #expect(throws: ProviderRequestError.self) { try ProviderRequestFilter.parse(query: [key: value]) }
        }
    }
}
