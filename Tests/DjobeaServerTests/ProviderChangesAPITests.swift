import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /provider/changes` over a real socket, on demo data.
@Suite("Provider API: delta feed", .serialized)
struct ProviderChangesAPITests {
    static func get(_ client: some TestClientProtocol, _ harness: ProviderAPIHarness, _ token: String, _ query: String) async throws
        -> ProviderChanges
    {
        let response = try await client.execute(uri: "/provider/changes\(query)", method: .get, headers: harness.bearer(token))
        #expect(response.status == .ok, "\(query): \(String(buffer: response.body))")
        return try decode(ProviderChanges.self, response)
    }

    /// Every request id of the provider's list, through all its pages.
    static func listed(_ client: some TestClientProtocol, _ harness: ProviderAPIHarness, _ token: String) async throws -> [ProviderRequestItem] {
        var items: [ProviderRequestItem] = []
        var page = 1
        while page < 100 {
            let response = try await client.execute(
                uri: "/provider/requests?page_size=100&page=\(page)", method: .get, headers: harness.bearer(token))
            let decoded = try decode(ProviderRequestPage.self, response)
            items += decoded.items
            if page >= decoded.totalPages { break }
            page += 1
        }
        return items
    }

    /// A full load through all its pages: the items and the delta cursor it ends with.
    static func fullLoad(_ client: some TestClientProtocol, _ harness: ProviderAPIHarness, _ token: String, limit: Int) async throws -> (
        items: [ProviderRequestItem], cursor: String
    ) {
        var answer = try await get(client, harness, token, "?limit=\(limit)")
        #expect(answer.full)
        var items = answer.requests
        var rounds = 0
        while answer.more, rounds < 1000 {
            rounds += 1
            // As the app's URLSearchParams sends it: percent-encoded.
            let since = answer.cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? answer.cursor
            answer = try await get(client, harness, token, "?since=\(since)&limit=\(limit)")
            #expect(answer.full)
            items += answer.requests
        }
        #expect(answer.cursor.hasPrefix("d:"))
        return (items, answer.cursor)
    }

    @Test("full load equals the list; a call on a mission comes back by delta to its provider only; bad input never 500s")
    func deltaOverHTTP() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let owner = try #require(harness.providers.first)
        let stranger = try #require(harness.providers.dropFirst().first)
        try await harness.application().test(.live) { client in
            let ownerToken = try await harness.login(client, phone: owner.phone)
            let strangerToken = try await harness.login(client, phone: stranger.phone)

            var listed = try await Self.listed(client, harness, ownerToken)
            var full = try await Self.fullLoad(client, harness, ownerToken, limit: 7)
            // "il y a N min" is computed at each read: on a loaded machine the two reads can straddle the minute at which
            // one request's age changes. Read both again once, then the comparison below must hold.
            if Dictionary(uniqueKeysWithValues: full.items.map { ($0.id, $0) }) != Dictionary(uniqueKeysWithValues: listed.map { ($0.id, $0) }) {
                listed = try await Self.listed(client, harness, ownerToken)
                full = try await Self.fullLoad(client, harness, ownerToken, limit: 7)
            }
            #expect(full.items.map(\.id) == listed.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.map(\.id))
            #expect(Set(full.items.map(\.id)).count == full.items.count, "no request twice across pages")
            #expect(Dictionary(uniqueKeysWithValues: full.items.map { ($0.id, $0) }) == Dictionary(uniqueKeysWithValues: listed.map { ($0.id, $0) }))
            let strangerFull = try await Self.fullLoad(client, harness, strangerToken, limit: 500)
            let strangerIds = Set(try await Self.listed(client, harness, strangerToken).map(\.id))
            #expect(Set(strangerFull.items.map(\.id)) == strangerIds)

            // Nothing happened: an empty delta.
            let quiet = try await Self.get(client, harness, ownerToken, "?since=\(full.cursor)")
            #expect(!quiet.full && !quiet.more && quiet.requests.isEmpty && quiet.removed.isEmpty)

            // The owner notes a call on one of their missions that the stranger cannot see.
            let assigned = ["acceptee", "arrive", "diagnostic", "reparation", "terminee"]
            let target = try #require(full.items.first { assigned.contains($0.stage) && !strangerIds.contains($0.id) })
            let call = try await client.execute(
                uri: "/provider/requests/\(target.id)/calls", method: .post, headers: harness.bearer(ownerToken),
                body: harness.body(["direction": "out", "started_at": UTCTimestamp.format(Date()), "duration_seconds": 42]))
            #expect(call.status == .ok || call.status == .created, "\(call.status): \(String(buffer: call.body))")
            let delta = try await Self.get(client, harness, ownerToken, "?since=\(full.cursor)")
            #expect(!delta.full && !delta.more)
            #expect(delta.requests.map(\.id) == [target.id])
            #expect(delta.touched.contains("dashboard"))
            #expect(delta.cursor != full.cursor)
            let strangerDelta = try await Self.get(client, harness, strangerToken, "?since=\(strangerFull.cursor)")
            #expect(!strangerDelta.requests.contains { $0.id == target.id } && !strangerDelta.removed.contains(target.id))
            // The owner's cursor in the stranger's hands gives the stranger's view, never the owner's requests.
            let borrowed = try await Self.get(client, harness, strangerToken, "?since=\(full.cursor)")
            #expect(!borrowed.requests.contains { $0.id == target.id } && !borrowed.removed.contains(target.id))

            // Unreadable cursors start a full load; a bad limit is a 422; no token is a 401.
            for since in ["nimportequoi", "d:-4", "d:99999999999", "f:1:pas-une-date,x", "%27%20OR%201%3D1"] {
                let answer = try await Self.get(client, harness, ownerToken, "?since=\(since)&limit=3")
                #expect(answer.full && answer.requests.count == min(3, listed.count), "\(since)")
            }
            for limit in ["0", "501", "abc", "-3", "9999999"] {
                let response = try await client.execute(uri: "/provider/changes?limit=\(limit)", method: .get, headers: harness.bearer(ownerToken))
                #expect(response.status == .unprocessableContent, "limit=\(limit)")
                #expect(String(buffer: response.body).contains("invalid_parameter"))
            }
            let anonymous = try await client.execute(uri: "/provider/changes", method: .get)
            #expect(anonymous.status == .unauthorized)
        }
    }
}
