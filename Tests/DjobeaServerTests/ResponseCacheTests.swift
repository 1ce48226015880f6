import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Response cache of the provider's read routes", .serialized)
struct ResponseCacheTests {
    @Test("the commit generation grows with every committed write, change-logged or not, and never with a read")
    func commitGeneration() async throws {
        let database = try NodeDatabase.inMemory()
        let start = database.commitGeneration
        _ = try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM change_log") }
        #expect(database.commitGeneration == start)
        try await database.writer.write { db in try db.execute(sql: "CREATE TABLE IF NOT EXISTS scratch (x)") }
        #expect(database.commitGeneration == start + 1)
        _ = try? await database.writer.write { db in
            try db.execute(sql: "INSERT INTO scratch VALUES (1)")
            throw CancellationError()
        }
        #expect(database.commitGeneration == start + 1, "a rolled-back transaction is not a commit")
    }

    @Test("a provider's list shows a decline at once, the same answer is served again with the same ETag, and 304 when the client has it")
    func writesShowAtOnce() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let phone = try #require(harness.providers.first?.phone)
        try await harness.application().test(.router) { client in
            let token = try await harness.login(client, phone: phone)
            let uri = "/provider/requests?status=nouvelle&page_size=100"
            let first = try await client.execute(uri: uri, method: .get, headers: harness.bearer(token))
            let second = try await client.execute(uri: uri, method: .get, headers: harness.bearer(token))
            let etag = try #require(first.headers[.eTag])
            #expect(second.headers[.eTag] == etag)
            #expect(Data(buffer: second.body) == Data(buffer: first.body))
            var conditional = harness.bearer(token)
            conditional[.ifNoneMatch] = etag
            #expect(try await client.execute(uri: uri, method: .get, headers: conditional).status == .notModified)

            let items = try decode(ProviderRequestPage.self, first).items
            let target = try #require(items.first?.id, "the provider has a new offer")
            let decline = try await client.execute(
                uri: "/provider/requests/\(target)/decline", method: .put, headers: harness.bearer(token),
                body: harness.body(["reason": "agenda_plein"]))
            #expect(decline.status == .ok)
            let after = try await client.execute(uri: uri, method: .get, headers: harness.bearer(token))
            let ids = try decode(ProviderRequestPage.self, after).items.map(\.id)
            #expect(!ids.contains(target), "the declined request left the new ones at once")
            #expect(after.headers[.eTag] != etag)
            #expect(try await client.execute(uri: uri, method: .get, headers: conditional).status == .ok)
        }
    }

    @Test("one provider never gets another's cached answer for the same URL")
    func cacheIsPerProvider() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let first = try #require(harness.providers.first)
        let second = try #require(harness.providers.dropFirst().first)
        try await harness.application().test(.router) { client in
            let firstToken = try await harness.login(client, phone: first.phone)
            let secondToken = try await harness.login(client, phone: second.phone)
            for uri in ["/provider/dashboard/stats", "/provider/requests", "/provider/finance/earnings/month"] {
                let mine = try await client.execute(uri: uri, method: .get, headers: harness.bearer(firstToken))
                let theirs = try await client.execute(uri: uri, method: .get, headers: harness.bearer(secondToken))
                let direct = try await client.execute(uri: uri, method: .get, headers: harness.bearer(secondToken))
                #expect(mine.status == .ok && theirs.status == .ok)
                #expect(Data(buffer: mine.body) != Data(buffer: theirs.body), "\(uri): two providers got the same answer")
                #expect(Data(buffer: theirs.body) == Data(buffer: direct.body))
            }
        }
    }
}
