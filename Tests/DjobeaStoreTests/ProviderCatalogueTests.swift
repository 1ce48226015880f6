import DjobeaDomain
import Foundation
import Testing

@testable import DjobeaStore

@Suite("Provider catalogue (profile choices)")
struct ProviderCatalogueTests {
    @Test("a provider chooses among the quarters of their own hub, and the active services")
    func hubQuarters() async throws {
        let world = try RequestsWorld()
        let (hubA, hubB) = (DjobeaID.v7(), DjobeaID.v7())
        let kotto = DjobeaID.v7()
        let akwa = DjobeaID.v7()
        try world.database.writeBlocking(now: world.now) { tx in
            try tx.insert(.hubs, ["id": .text(hubA), "name": "Bonamoussadi", "created_at": ColumnValue(world.now)])
            try tx.insert(.hubs, ["id": .text(hubB), "name": "Akwa", "created_at": ColumnValue(world.now)])
            try tx.insert(
                .zones, ["id": .text(kotto), "code": "kotto", "name": "Kotto", "hub_id": .text(hubA), "created_at": ColumnValue(world.now)])
            try tx.insert(.zones, ["id": .text(akwa), "code": "akwa", "name": "Akwa", "hub_id": .text(hubB), "created_at": ColumnValue(world.now)])
            try tx.insert(.providerZones, ["id": .text(DjobeaID.v7()), "provider_id": .text(world.providerA), "zone_id": .text(kotto)])
        }
        let catalogue = try await AccountStore(world.database).catalogue(providerId: world.providerA)
        #expect(catalogue.zones.map(\.code) == ["kotto"], "only hub A's quarters")
        #expect(Set(catalogue.services.map(\.code)) == ["plomberie", "electricite"])

        let newcomer = try await AccountStore(world.database).catalogue(providerId: world.providerB)
        #expect(Set(newcomer.zones.map(\.code)).isSuperset(of: ["kotto", "akwa", "denver", "makepe"]), "no quarter yet: every known one")
    }
}
