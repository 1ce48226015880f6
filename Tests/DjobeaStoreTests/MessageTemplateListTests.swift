import DjobeaDomain
import Foundation
import Testing

@testable import DjobeaStore

@Suite("Provider message templates")
struct MessageTemplateListTests {
    @Test("a provider's own template replaces the catalogue's of the same code, and no other provider sees it")
    func ownTemplates() async throws {
        let world = try RequestsWorld()
        try world.database.writeBlocking(now: world.now) { tx in
            for (code, body) in [("arrive_15min", "J'arrive dans un quart d'heure, {client}"), ("en_route_30min", "En route, 30 minutes")] {
                try tx.insert(
                    .messageTemplates,
                    [
                        "id": .text(DjobeaID.v7()), "provider_id": .text(world.providerA), "kind": "reply", "code": .text(code), "body": .text(body),
                        "sort_order": 0,
                    ])
            }
        }
        let mine = try await RequestStore(world.database).messageTemplates(providerId: world.providerA)
        #expect(mine.replies.filter { $0.code == "arrive_15min" }.map(\.body) == ["J'arrive dans un quart d'heure, {client}"])
        #expect(mine.replies.contains { $0.code == "en_route_30min" && $0.own })
        #expect(mine.replies.contains { $0.code == "reparation_terminee" && !$0.own })
        #expect(mine.questions.map(\.code) == ["question_photo"])

        let theirs = try await RequestStore(world.database).messageTemplates(providerId: world.providerB)
        #expect(theirs.replies.filter { $0.code == "arrive_15min" }.map(\.body) == ["J'arrive dans 15 minutes"])
        #expect(!theirs.replies.contains { $0.code == "en_route_30min" }, "another provider's own template stays theirs")
        #expect(theirs.replies.allSatisfy { !$0.own })
    }
}
