import DjobeaDomain
import DjobeaStore
import Foundation
import GRDB
import Testing

@testable import DjobeaAuth

/// CONFLICTS.md rule 14 at the old hub: a provider central moved to another hub's zones keeps their history here but
/// logs in at their new hub; this hub says so in French, whatever the way in.
@Suite("A provider moved to another hub is told where to log in")
struct MovedAccountTests {
    /// What a sync round does at the old hub when central says the provider row left its partition.
    func move(_ hub: AuthHarness, toHubNamed name: String) async throws {
        let hubId = DjobeaID.v7()
        try await hub.database.write { tx in
            try tx.insert(.hubs, ["id": .text(hubId), "name": .text(name), "created_at": ColumnValue(tx.now)])
            _ = try tx.update(.providers, key: hub.activeId, ["hub_id": .text(hubId)])
        }
        try await hub.database.writer.write { db in
            try db.execute(
                sql: "INSERT INTO partition_left (table_name, row_key, left_at) VALUES ('providers', ?, ?)",
                arguments: [hub.activeId, UTCTimestamp.format(hub.clock.now)])
        }
    }

    @Test("code login, password login, refresh and a live token all answer account_moved with the new hub's name")
    func everyWayIn() async throws {
        let hub = try await AuthHarness()
        try await hub.service.setPassword(providerId: hub.activeId, password: "Mot-de-passe-solide-2026")
        let pair = try await hub.login()
        try await move(hub, toHubNamed: "Hub Deux")
        let moved = AuthError.accountMoved(hubName: "Hub Deux")
        #expect(moved.code == "account_moved" && moved.kind == .forbidden)
        #expect(moved.messageFR.contains("transféré au hub « Hub Deux »"))

        #expect(await authError { try await hub.service.authenticate(accessToken: pair.accessToken) } == moved)
        #expect(await authError { try await hub.service.refresh(refreshToken: pair.refreshToken) } == moved)
        #expect(await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: "Mot-de-passe-solide-2026") } == moved)
        // The code is still sent (it proves the phone), and using it says where to go.
        let code = try #require(try await hub.sendAndReadCode())
        #expect(await authError { try await hub.service.verifyOTP(phone: AuthHarness.activePhone, code: code) } == moved)
    }

    @Test("a provider who never left logs in as before")
    func othersUnaffected() async throws {
        let hub = try await AuthHarness()
        _ = try await hub.login()
    }
}
