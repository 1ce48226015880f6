import DjobeaDemo
import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Provider requests on a week of demo data")
struct ProviderRequestsDemoTests {
    /// A Saturday afternoon in Douala (15:30 local), as in the demo generator's tests.
    static let now = Date(timeIntervalSince1970: 1_773_498_600)

    private func demo() throws -> (NodeDatabase, [String]) {
        let database = try NodeDatabase.inMemory(role: .hub)
        let summary = try DemoGenerator(seed: 2026, days: 7, scale: 1, now: Self.now).generate(into: database, photos: nil, progress: { _ in })
        let ids = try database.readBlocking { db in
            try summary.demoProviders.compactMap { try String.fetchOne(db, sql: "SELECT id FROM providers WHERE phone = ?", arguments: [$0.phone]) }
        }
        return (database, ids)
    }

    @Test("every listed request opens, groups add up, and the list matches the offers and missions of the provider")
    func consistent() throws {
        let (database, providers) = try demo()
        let provider = try #require(providers.first)
        try database.readBlocking { db in
            let all = try ProviderRequestsQuery.list(
                providerId: provider, page: ProviderRequestPaging(page: 1, pageSize: 100), now: Self.now, in: db)
            let expected =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM (SELECT request_id FROM request_offers WHERE provider_id = ?
                            UNION SELECT request_id FROM missions WHERE provider_id = ?)
                        """, arguments: [provider, provider]) ?? 0
            #expect(all.total == expected && expected > 0)
            var grouped = 0
            for group in StatusGroup.allCases {
                let page = try ProviderRequestsQuery.list(
                    providerId: provider, filter: ProviderRequestFilter(statuses: [group]), page: ProviderRequestPaging(pageSize: 100), now: Self.now,
                    in: db)
                #expect(page.items.allSatisfy { $0.status == group.rawValue })
                grouped += page.total
            }
            #expect(grouped == all.total)
            for item in all.items {
                let card = try #require(try ProviderRequestsQuery.detail(providerId: provider, requestId: item.id, now: Self.now, in: db))
                #expect(card.summary == item)
                let mine = try String.fetchOne(db, sql: "SELECT provider_id FROM missions WHERE request_id = ?", arguments: [item.id]) == provider
                #expect(card.client.phoneVisible == mine)
                #expect((card.mission != nil) == mine)
                #expect(card.messages.allSatisfy { !$0.body.isEmpty })
            }
            // A provider with neither offer nor mission on a request gets nothing.
            for item in all.items.prefix(10) {
                let strangers = try String.fetchAll(
                    db,
                    sql: """
                        SELECT id FROM providers WHERE id NOT IN (SELECT provider_id FROM request_offers WHERE request_id = ?)
                            AND id NOT IN (SELECT provider_id FROM missions WHERE request_id = ? AND provider_id IS NOT NULL) LIMIT 3
                        """, arguments: [item.id, item.id])
                for stranger in strangers {
                    #expect(try ProviderRequestsQuery.detail(providerId: stranger, requestId: item.id, now: Self.now, in: db) == nil)
                }
            }
            _ = try ProviderAlertsQuery.notifications(providerId: provider, now: Self.now, in: db)
        }
    }

    @Test("every open offer of the demo can be answered, once")
    func answerOpenOffers() async throws {
        let (database, _) = try demo()
        let open = try database.readBlocking { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT o.request_id, o.provider_id FROM request_offers o JOIN missions m ON m.request_id = o.request_id
                    WHERE o.state = 'pending' AND o.expires_at > ? AND m.provider_id IS NULL ORDER BY o.id
                    """, arguments: [UTCTimestamp.format(Self.now)]
            ).map { (String($0["request_id"]), String($0["provider_id"])) }
        }
        let commands = ProviderRequestCommands(database: database)
        var accepted: Set<String> = []
        for (request, provider) in open {
            if accepted.contains(request) {
                let error = await providerRequestError { try await commands.accept(providerId: provider, requestId: request, now: Self.now) }
                #expect(error == .alreadyAssigned)
            } else {
                let result = try await commands.accept(providerId: provider, requestId: request, now: Self.now)
                #expect(result.status == "acceptee")
                accepted.insert(request)
            }
        }
        let alerts = try await RequestStore(database).alerts(providerId: open.first?.1 ?? "", now: Self.now)
        #expect(alerts.newRequests.allSatisfy { !accepted.contains($0.requestId) })
    }
}
