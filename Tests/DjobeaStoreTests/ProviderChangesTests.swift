import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

/// `GET /provider/changes` at the store: a provider's requests by delta over the change log.
@Suite("Provider requests: delta feed since a cursor")
struct ProviderChangesTests {
    private func changes(_ world: RequestsWorld, _ provider: String, since cursor: String?, limit: Int = 200) throws -> ProviderChanges {
        try world.read { db in
            try ProviderChangesQuery.changes(providerId: provider, cursor: ProviderChangesCursor(cursor), limit: limit, now: world.now, in: db)
        }
    }

    private func ids(_ answer: ProviderChanges) -> Set<String> { Set(answer.requests.map(\.id)) }

    @Test("cursor texts: delta, full-load continuation, and anything else unreadable")
    func cursorTexts() {
        let id = DjobeaID.v7()
        #expect(ProviderChangesCursor("d:42") == .delta(seq: 42))
        #expect(ProviderChangesCursor("d:0") == .delta(seq: 0))
        let full = ProviderChangesCursor("f:7:2026-11-25T13:45:00.000Z,\(id)")
        #expect(full == .full(seq: 7, afterCreatedAt: "2026-11-25T13:45:00.000Z", afterId: id))
        #expect(full?.text == "f:7:2026-11-25T13:45:00.000Z,\(id)")
        for bad in [
            nil, "", "d:", "d:-1", "d:abc", "d:1:2", "x:1", "f:1", "f:1:nope,\(id)", "f:1:2026-11-25T13:45:00.000Z,nope", "d:99999999999999999999",
            String(repeating: "d", count: 500), "d:٣",
        ] {
            #expect(ProviderChangesCursor(bad) == nil, "\(bad ?? "nil")")
        }
    }

    @Test("no cursor: a full load of the visible requests, newest first, paged by limit with a continuation cursor")
    func fullLoadPages() throws {
        let world = try RequestsWorld()
        var expected: [String] = []
        for minutes in [50, 40, 30, 20, 10] {
            let request = try world.request("Demande \(minutes)", created: world.now.addingTimeInterval(-Double(minutes) * 60))
            try world.offer(request, to: world.providerA, ago: Double(minutes) * 60 - 30)
            expected.insert(request, at: 0)
        }
        try world.offer(try world.request("Pour B seulement"), to: world.providerB)
        let head = try world.count("SELECT max(local_seq) FROM change_log")

        let first = try changes(world, world.providerA, since: nil, limit: 2)
        #expect(first.full && first.more)
        #expect(first.requests.map(\.id) == Array(expected.prefix(2)))
        #expect(first.touched == ["dashboard", "finance", "profile", "notifications"])
        #expect(first.cursor.hasPrefix("f:\(head):"))
        // A new request between pages does not shift the pages: it comes with the delta after the load.
        let late = try world.request("Arrivée pendant le chargement")
        try world.offer(late, to: world.providerA)
        let second = try changes(world, world.providerA, since: first.cursor, limit: 2)
        #expect(second.full && second.more && second.touched.isEmpty)
        #expect(second.requests.map(\.id) == Array(expected[2..<4]))
        let third = try changes(world, world.providerA, since: second.cursor, limit: 2)
        #expect(third.full && !third.more)
        #expect(third.requests.map(\.id) == [expected[4]])
        #expect(third.cursor == "d:\(head)")
        let after = try changes(world, world.providerA, since: third.cursor)
        #expect(!after.full && !after.more)
        #expect(after.requests.map(\.id) == [late])
        // Same items as the list answers.
        let listed = try world.list(world.providerA).items.first { $0.id == late }
        #expect(after.requests.first == listed)
        let settled = try changes(world, world.providerA, since: after.cursor)
        #expect(settled.requests.isEmpty && settled.removed.isEmpty && settled.touched.isEmpty && settled.cursor == after.cursor)
    }

    @Test("an unreadable cursor or one past the log's head starts a full load; a bad limit is refused")
    func badCursors() throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        for cursor in ["garbage", "d:999999", "f:999999:2026-11-25T13:45:00.000Z,\(DjobeaID.v7())", "d:1;DROP TABLE change_log"] {
            let answer = try changes(world, world.providerA, since: cursor)
            #expect(answer.full && ids(answer) == [request], "\(cursor)")
        }
        for limit in [0, -1, 501] {
            let error = try? #require(throws: ProviderRequestError.self) { try changes(world, world.providerA, since: nil, limit: limit) }
            #expect(error?.code == "invalid_parameter")
        }
    }

    @Test("delta after a new offer, an accept, a status change, a message, and an expired offer that moved on")
    func deltaContents() async throws {
        let world = try RequestsWorld()
        let first = try world.request("Fuite")
        try world.offer(first, to: world.providerA)
        let start = try changes(world, world.providerA, since: nil)
        #expect(ids(start) == [first])
        var cursor = start.cursor

        // A new offer.
        let second = try world.request("Prise grillée", urgency: .aujourdhui, service: world.electricite)
        try world.offer(second, to: world.providerA)
        var delta = try changes(world, world.providerA, since: cursor)
        #expect(!delta.full && ids(delta) == [second] && delta.removed.isEmpty)
        #expect(delta.requests.first?.stage == "nouvelle")
        #expect(delta.touched.contains("dashboard") && delta.touched.contains("notifications") == false)
        cursor = delta.cursor

        // Accept.
        _ = try await world.commands.accept(providerId: world.providerA, requestId: first, now: world.now)
        delta = try changes(world, world.providerA, since: cursor)
        #expect(ids(delta) == [first])
        #expect(delta.requests.first?.stage == "acceptee")
        cursor = delta.cursor

        // A status change.
        _ = try await world.commands.updateStatus(providerId: world.providerA, requestId: first, stage: .arrived, now: world.now)
        delta = try changes(world, world.providerA, since: cursor)
        #expect(ids(delta) == [first])
        #expect(delta.requests.first?.stage == "arrive")
        cursor = delta.cursor

        // A message only (a dependent row): the request is listed again.
        _ = try await world.commands.sendMessage(providerId: world.providerA, requestId: first, templateCode: "arrive_15min", now: world.now)
        delta = try changes(world, world.providerA, since: cursor)
        #expect(ids(delta) == [first])
        cursor = delta.cursor

        // The offer of `second` expires (as the offer sweep writes it) and moves on to B: A still sees it, as expired.
        let offerId = try #require(
            try world.read { try String.fetchOne($0, sql: "SELECT id FROM request_offers WHERE request_id = ?", arguments: [second]) })
        try world.database.writeBlocking(now: world.now) { tx in _ = try tx.update(.requestOffers, key: offerId, ["state": "expired"]) }
        try world.offer(second, to: world.providerB, ago: 0)
        delta = try changes(world, world.providerA, since: cursor)
        #expect(ids(delta) == [second])
        #expect(delta.requests.first?.stage == "expiree")
        #expect(delta.requests.first?.offerExpiresAt == nil)
        #expect(delta.removed.isEmpty, "an expired offer stays in the provider's list, as GET /provider/requests shows it")
        let forB = try changes(world, world.providerB, since: cursor)
        #expect(ids(forB) == [second] && forB.requests.first?.stage == "nouvelle")
        cursor = delta.cursor

        // A change of the client (their name) touches every request of theirs.
        try world.database.writeBlocking(now: world.now) { tx in _ = try tx.update(.clients, key: world.client, ["name": "Awa Ngo Bell"]) }
        delta = try changes(world, world.providerA, since: cursor)
        #expect(ids(delta) == [first, second])
    }

    @Test("a request assigned without an offer, then taken back: removed from the provider's copy, listed for the next one")
    func reassignedAwayIsRemoved() throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.event(request, .reassigned, by: .ops, provider: world.providerC)
        let start = try changes(world, world.providerC, since: nil)
        #expect(ids(start) == [request])
        let startB = try changes(world, world.providerB, since: nil)
        #expect(startB.requests.isEmpty)

        _ = try world.database.writeBlocking(now: world.now) { tx in
            try tx.appendMissionEvent(requestId: request, kind: .reopened, actorRole: .ops, reopenTo: .nouvelle)
            try tx.appendMissionEvent(requestId: request, kind: .reassigned, actorRole: .ops, providerId: world.providerB)
        }
        let delta = try changes(world, world.providerC, since: start.cursor)
        #expect(delta.requests.isEmpty)
        #expect(delta.removed == [request])
        #expect(delta.touched.contains("dashboard"))
        let forB = try changes(world, world.providerB, since: startB.cursor)
        #expect(ids(forB) == [request] && forB.removed.isEmpty)
        #expect(forB.requests.first?.stage == "acceptee")
        // Provider A never had it: not even its id.
        let forA = try changes(world, world.providerA, since: start.cursor)
        #expect(forA.requests.isEmpty && forA.removed.isEmpty)
    }

    @Test("security: B's full load and deltas never name A's requests, whatever happens to them")
    func othersNeverLeak() async throws {
        let world = try RequestsWorld()
        let mine = try world.request("Pour A")
        try world.offer(mine, to: world.providerA)
        let shared = try world.request("Offerte aux deux")
        try world.offer(shared, to: world.providerA)
        try world.offer(shared, to: world.providerB)
        let startB = try changes(world, world.providerB, since: nil)
        #expect(ids(startB) == [shared])

        _ = try await world.commands.accept(providerId: world.providerA, requestId: mine, now: world.now)
        _ = try await world.commands.updateStatus(providerId: world.providerA, requestId: mine, stage: .diagnosed, now: world.now)
        _ = try await world.commands.sendMessage(providerId: world.providerA, requestId: mine, templateCode: "arrive_15min", now: world.now)
        _ = try await world.commands.recordCall(
            providerId: world.providerA, requestId: mine, direction: .out, startedAt: world.now, durationSeconds: 30, now: world.now)
        try world.database.writeBlocking(now: world.now) { tx in
            _ = try tx.update(.clients, key: world.client, ["name": "Awa N."])
            try tx.insert(
                .notifications,
                [
                    "id": .text(DjobeaID.v7()), "provider_id": .text(world.providerA), "kind": "system", "request_id": .text(mine),
                    "title": "Pour A", "body": "Privé", "created_at": ColumnValue(world.now),
                ])
        }
        var cursor: String? = startB.cursor
        for _ in 0..<3 {
            let answer = try changes(world, world.providerB, since: cursor, limit: 1)
            #expect(!ids(answer).contains(mine) && !answer.removed.contains(mine))
            #expect(!answer.touched.contains("notifications"), "A's notification is not B's")
            cursor = answer.cursor
        }
        // A's accept of `shared`: B sees the request go to someone else, never A's details.
        _ = try await world.commands.accept(providerId: world.providerA, requestId: shared, now: world.now)
        let delta = try changes(world, world.providerB, since: cursor)
        #expect(ids(delta) == [shared])
        #expect(delta.requests.first?.statusLabel == "Attribuée à un autre prestataire")
        for cursor in [nil, "d:0", "garbage"] {
            let answer = try changes(world, world.providerB, since: cursor)
            #expect(ids(answer) == [shared] && answer.removed.isEmpty, "\(cursor ?? "nil")")
        }
        for stranger in ["not-a-provider", "' OR 1=1 --", DjobeaID.v7()] {
            for cursor in [nil, "d:0"] {
                let answer = try changes(world, stranger, since: cursor)
                #expect(answer.requests.isEmpty && answer.removed.isEmpty)
            }
        }
    }

    @Test("a long delta is served in slices of whole log stretches, with more and the next cursor")
    func deltaSlices() throws {
        let world = try RequestsWorld()
        let start = try changes(world, world.providerA, since: nil)
        var created: [String] = []
        for index in 0..<5 {
            let request = try world.request("Demande \(index)")
            try world.offer(request, to: world.providerA)
            created.append(request)
        }
        var seen: [String] = []
        var cursor = start.cursor
        var rounds = 0
        while rounds < 10 {
            rounds += 1
            let answer = try changes(world, world.providerA, since: cursor, limit: 2)
            #expect(!answer.full && answer.requests.count <= 2)
            seen += answer.requests.map(\.id)
            cursor = answer.cursor
            if !answer.more { break }
        }
        #expect(Set(seen) == Set(created))
        #expect(rounds == 3)
    }

    @Test("touched: finance for the provider's ledger, profile for their settings and absences, notifications for theirs")
    func touchedScreens() throws {
        let world = try RequestsWorld()
        let start = try changes(world, world.providerA, since: nil)
        _ = try world.database.writeBlocking(now: world.now) { tx in
            try tx.insert(
                .notifications,
                [
                    "id": .text(DjobeaID.v7()), "provider_id": .text(world.providerA), "kind": "system", "title": "Bonjour", "body": "Bienvenue",
                    "created_at": ColumnValue(world.now),
                ])
        }
        var answer = try changes(world, world.providerA, since: start.cursor)
        #expect(answer.touched == ["notifications"])
        #expect(try changes(world, world.providerB, since: start.cursor).touched.isEmpty)

        try world.database.writeBlocking(now: world.now) { tx in
            _ = try tx.update(.providers, key: world.providerA, ["name": "Jean K. Kouam"])
        }
        answer = try changes(world, world.providerA, since: answer.cursor)
        #expect(answer.touched == ["profile"])
        #expect(try changes(world, world.providerB, since: start.cursor).touched.isEmpty)
    }
}
