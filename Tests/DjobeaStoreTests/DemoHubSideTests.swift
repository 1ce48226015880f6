import DjobeaDemo
import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("The demo's provider actions replayed at the hub")
struct DemoHubSideTests {
    @Test("only central's own writes are replayed, never a hub's change central quarantined")
    func quarantinedChangesAreNotReplayed() async throws {
        let mesh = try await ClockMesh()
        let t = ClockMesh.start
        let hub = mesh.hubs[0]
        let provider = try await mesh.provider("Awa", phone: "+237690000001", zone: "zone-un", at: t)
        try await mesh.central.write(now: t + 60) { tx in _ = try tx.update(.providers, key: provider, ["bio": "Plombière depuis 2010"]) }
        // Another hub's change of the same provider, which central quarantined (outside that hub's partition).
        let stranger = mesh.hubs[1]
        try await stranger.db.write(now: t + 61) { tx in
            try tx.insert(
                .providers,
                [
                    "id": .text(provider), "phone": "+237690000001", "name": "Awa",
                    "joined_at": ColumnValue(t), "updated_at": ColumnValue(t),
                ])
            _ = try tx.update(.providers, key: provider, ["bio": "Texte d'un autre hub"])
        }
        let pushed = try await mesh.sync(stranger, hubClock: t + 62, centralClock: t + 62).pushed
        #expect(pushed.quarantined == 2)
        try await mesh.sync(hub, hubClock: t + 63, centralClock: t + 63)
        try await DemoHubSide.replayProviderActions(central: mesh.central, hub: hub.db)
        let bio = try hub.db.readBlocking { db in try String.fetchOne(db, sql: "SELECT bio FROM providers WHERE id = ?", arguments: [provider]) }
        #expect(bio == "Plombière depuis 2010")
    }
}
