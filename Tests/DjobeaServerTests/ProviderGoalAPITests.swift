import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Provider goal API over HTTP: the month's goal, progress, projection and advice", .serialized)
struct ProviderGoalAPITests: ReadsJSONResponses {
    static let path = "/provider/finance/goal"

    @Test("set the month's goal, read it back with progress, a projection inside its range, the method and advice in French")
    func setAndRead() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let provider = try #require(harness.providers.first)
        try await harness.application().test(.live) { client in
            let token = try await harness.login(client, phone: provider.phone)
            let put = try await client.execute(
                uri: Self.path, method: .put, headers: harness.bearer(token), body: harness.body(["target_revenue": 250_000, "target_missions": 9]))
            #expect(put.status == .ok, "PUT answered \(put.status): \(String(buffer: put.body))")
            let set = try decode(ProviderGoalView.self, put)
            #expect(set.goal?.targetRevenue == 250_000 && set.goal?.targetMissions == 9)
            #expect(set.month == DoualaCalendar().monthKey(Date()))

            let get = try await client.execute(uri: Self.path, method: .get, headers: harness.bearer(token))
            #expect(get.status == .ok)
            let view = try decode(ProviderGoalView.self, get)
            #expect(view.goal == set.goal)
            #expect(view.projection.low <= view.projection.amount && view.projection.amount <= view.projection.high)
            #expect(view.projection.low >= view.progress.earned)
            #expect(view.projection.outlook != nil && view.projection.chancePercent != nil)
            #expect(!view.recommendations.isEmpty)

            // The wire names the app reads.
            let json = Self.json(get)
            #expect((json["method_fr"] as? String)?.contains("moyenne de ce jour de la semaine") == true || view.projection.historyDays == 0)
            let first = try #require((json["recommendations"] as? [[String: Any]])?.first)
            #expect(first["code"] is String && first["text_fr"] is String)
            let progress = try #require(json["progress"] as? [String: Any])
            #expect(progress["earned"] is Int && progress["percent"] != nil && progress["days_left"] is Int)

            // Earned agrees with the earnings API for the month.
            let earnings = try await client.execute(uri: "/provider/finance/earnings/month", method: .get, headers: harness.bearer(token))
            #expect(try decode(ProviderEarnings.self, earnings).gross == view.progress.earned)

            // Changing only the revenue keeps the missions target.
            let changed = try await client.execute(
                uri: Self.path, method: .put, headers: harness.bearer(token), body: harness.body(["target_revenue": 300_000]))
            let after = try decode(ProviderGoalView.self, changed)
            #expect(after.goal?.targetRevenue == 300_000 && after.goal?.targetMissions == 9 && after.goal?.id == set.goal?.id)

            // Next month, named explicitly.
            let next = CalendarMonth(containing: LocalDay(containing: Date())).next.key
            let nextPut = try await client.execute(
                uri: Self.path, method: .put, headers: harness.bearer(token), body: harness.body(["month": next, "target_revenue": 180_000]))
            #expect(try decode(ProviderGoalView.self, nextPut).month == next)
            let nextGet = try await client.execute(uri: "\(Self.path)?month=\(next)", method: .get, headers: harness.bearer(token))
            let nextView = try decode(ProviderGoalView.self, nextGet)
            #expect(nextView.goal?.targetRevenue == 180_000 && nextView.progress.daysLeft == nextView.progress.daysInMonth)
        }
    }

    @Test("without a token both routes answer 401 and nothing is written")
    func unauthenticated() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await harness.application().test(.live) { client in
            let before = try harness.changeCount()
            let get = try await client.execute(uri: Self.path, method: .get)
            #expect(get.status == .unauthorized && Self.errorCode(get) == "unauthenticated")
            let put = try await client.execute(uri: Self.path, method: .put, headers: harness.json, body: harness.body(["target_revenue": 1_000]))
            #expect(put.status == .unauthorized && Self.errorCode(put) == "unauthenticated")
            let forged = try await client.execute(
                uri: Self.path, method: .put, headers: harness.bearer("not.a.token"), body: harness.body(["target_revenue": 1_000]))
            #expect(forged.status == .unauthorized)
            #expect(try harness.changeCount() == before)
        }
    }

    @Test("invalid bodies and parameters are refused with a stable code and a French message, and nothing is written")
    func validation() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let provider = try #require(harness.providers.first)
        try await harness.application().test(.live) { client in
            let token = try await harness.login(client, phone: provider.phone)
            let before = try harness.changeCount()
            let lastMonth = CalendarMonth(containing: LocalDay(containing: Date())).adding(months: -1).key
            let cases: [(String, HTTPResponse.Status, String)] = [
                (#"{"target_revenue": -1}"#, .unprocessableContent, "invalid_field"),
                (#"{"target_revenue": 100000001}"#, .unprocessableContent, "invalid_field"),
                (#"{"target_missions": 3}"#, .unprocessableContent, "invalid_field"),
                (#"{"target_revenue": 1000, "target_missions": -2}"#, .unprocessableContent, "invalid_field"),
                (#"{"target_revenue": 1000, "month": "2026-13"}"#, .unprocessableContent, "invalid_field"),
                (#"{"target_revenue": 1000, "month": "\#(lastMonth)"}"#, .unprocessableContent, "invalid_field"),
                (#"{"target_revenue": 1000, "provider_id": "someone"}"#, .unprocessableContent, "unknown_field"),
                (#"{"target_revenue": "50000"}"#, .badRequest, "invalid_json"),
                (#"{"target_revenue": 1500.5}"#, .badRequest, "invalid_json"),
                (#"{"target_revenue": 1e30}"#, .badRequest, "invalid_json"),
                (#"[1000]"#, .badRequest, "invalid_json"),
                (#"{"target_revenue": 1000"#, .badRequest, "invalid_json"),
            ]
            for (body, status, code) in cases {
                let response = try await client.execute(
                    uri: Self.path, method: .put, headers: harness.bearer(token), body: ByteBuffer(string: body))
                #expect(response.status == status, "\(body) answered \(response.status)")
                #expect(Self.errorCode(response) == code, "\(body): \(String(buffer: response.body))")
                #expect(Self.errorMessage(response)?.isEmpty == false)
            }
            let empty = try await client.execute(uri: Self.path, method: .put, headers: harness.bearer(token))
            #expect(empty.status == .badRequest && Self.errorCode(empty) == "empty_body")
            for query in ["month=2026-13", "month=novembre", "month=1999-01"] {
                let response = try await client.execute(uri: "\(Self.path)?\(query)", method: .get, headers: harness.bearer(token))
                #expect(Self.errorCode(response) == "invalid_parameter", "\(query) answered \(response.status)")
                #expect(response.status.code >= 400 && response.status.code < 500)
            }
            let message = try await client.execute(
                uri: Self.path, method: .put, headers: harness.bearer(token), body: ByteBuffer(string: #"{"target_revenue": -1}"#))
            #expect(Self.errorMessage(message) == "« target_revenue » : entre 0 et 100 000 000 FCFA")
            #expect(try harness.changeCount() == before, "no refused request wrote anything")
        }
    }

    @Test("another provider's token never reads nor changes the first provider's goal")
    func ownGoalOnly() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let owner = try #require(harness.providers.first)
        let stranger = try #require(harness.providers.dropFirst().first)
        try await harness.application().test(.live) { client in
            let ownerToken = try await harness.login(client, phone: owner.phone)
            let strangerToken = try await harness.login(client, phone: stranger.phone)
            _ = try await client.execute(
                uri: Self.path, method: .put, headers: harness.bearer(ownerToken), body: harness.body(["target_revenue": 333_000]))
            let seen = try decode(
                ProviderGoalView.self, try await client.execute(uri: Self.path, method: .get, headers: harness.bearer(strangerToken)))
            #expect(seen.goal?.targetRevenue != 333_000)
            let strangerPut = try await client.execute(
                uri: Self.path, method: .put, headers: harness.bearer(strangerToken), body: harness.body(["target_revenue": 111_000]))
            #expect(try decode(ProviderGoalView.self, strangerPut).goal?.targetRevenue == 111_000)
            let mine = try decode(ProviderGoalView.self, try await client.execute(uri: Self.path, method: .get, headers: harness.bearer(ownerToken)))
            #expect(mine.goal?.targetRevenue == 333_000)
            let month = DoualaCalendar().monthKey(Date())
            let byProvider = try await harness.database.read { db -> [String: Int] in
                let rows = try Row.fetchAll(db, sql: "SELECT provider_id, target_revenue FROM goals WHERE month = ?", arguments: [month])
                return Dictionary(
                    rows.map { (row: Row) -> (String, Int) in (row["provider_id"], row["target_revenue"]) }, uniquingKeysWith: { a, _ in a })
            }
            #expect(byProvider[owner.id] == 333_000 && byProvider[stranger.id] == 111_000)
        }
    }
}
