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

@Suite("Provider API, as a provider's phone uses it", .serialized)
struct ProviderAPITests {
    @Test("log in with the WhatsApp code, use the API, log out: the token is then useless")
    func loginUseLogout() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let phone = try #require(harness.providers.first?.phone)
        try await harness.application().test(.router) { client in
            let token = try await harness.login(client, phone: phone)
            for uri in [
                "/provider/dashboard/stats", "/provider/dashboard/chart-data/30d", "/provider/dashboard/notifications", "/provider/requests",
                "/provider/profile", "/provider/settings", "/provider/availability", "/provider/absences", "/provider/finance/earnings/month",
                "/provider/finance/invoices",
            ] {
                let response = try await client.execute(uri: uri, method: .get, headers: harness.bearer(token))
                #expect(response.status == .ok, "\(uri) answered \(response.status)")
            }
            let unauthenticated = try await client.execute(uri: "/provider/requests", method: .get)
            #expect(unauthenticated.status == .unauthorized)
            let logout = try await client.execute(uri: "/provider/auth/logout", method: .delete, headers: harness.bearer(token))
            #expect(logout.status == .noContent)
            let after = try await client.execute(uri: "/provider/dashboard/stats", method: .get, headers: harness.bearer(token))
            #expect(after.status == .unauthorized)
        }
    }

    @Test("another provider's token gets 404 on every id-bearing route for the first provider's request, and nothing is written")
    func otherProviderGets404() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let owner = try #require(harness.providers.first)
        let stranger = try #require(harness.providers.dropFirst().first)
        try await harness.application().test(.router) { client in
            let ownerToken = try await harness.login(client, phone: owner.phone)
            let strangerToken = try await harness.login(client, phone: stranger.phone)
            let list = try await client.execute(uri: "/provider/requests?page_size=100", method: .get, headers: harness.bearer(ownerToken))
            let items = try decode(ProviderRequestPage.self, list).items
            let strangersList = try await client.execute(
                uri: "/provider/requests?page_size=100", method: .get, headers: harness.bearer(strangerToken))
            let strangersIds = Set(try decode(ProviderRequestPage.self, strangersList).items.map(\.id))
            let target = try #require(items.map(\.id).first { !strangersIds.contains($0) })
            let before = try harness.changeCount()
            let attempts: [(HTTPRequest.Method, String, [String: Any])] = [
                (.get, "", [:]), (.put, "/accept", [:]), (.put, "/decline", ["reason": "agenda_plein"]),
                (.put, "/update-status", ["stage": "arrived"]), (.post, "/message", ["template_code": "arrivee"]),
                (.post, "/ask-details", ["question": "Quelle marque ?"]),
                (
                    .post, "/postpone",
                    ["start": UTCTimestamp.format(Date().addingTimeInterval(86_400)), "end": UTCTimestamp.format(Date().addingTimeInterval(90_000))]
                ),
                (.post, "/calls", ["direction": "out", "started_at": UTCTimestamp.format(Date()), "duration_seconds": 60]),
                (.put, "/calls/\(DjobeaTestIDs.any)", ["note": "x"]),
            ]
            for (method, suffix, body) in attempts {
                let response = try await client.execute(
                    uri: "/provider/requests/\(target)\(suffix)", method: method, headers: harness.bearer(strangerToken),
                    body: method == .get ? nil : harness.body(body))
                #expect(response.status == .notFound, "\(method) \(suffix) answered \(response.status)")
            }
            #expect(try harness.changeCount() == before, "the stranger's attempts wrote nothing")
            let absence = try await client.execute(
                uri: "/provider/absences", method: .post, headers: harness.bearer(ownerToken),
                body: harness.body([
                    "start": UTCTimestamp.format(Date().addingTimeInterval(120 * 86_400)),
                    "end": UTCTimestamp.format(Date().addingTimeInterval(121 * 86_400)),
                ]))
            let created = try? decode(ProviderAbsence.self, absence)
            let absenceId = try #require(created?.id, "absence creation answered \(absence.status): \(String(buffer: absence.body))")
            let afterAbsence = try harness.changeCount()
            let delete = try await client.execute(uri: "/provider/absences/\(absenceId)", method: .delete, headers: harness.bearer(strangerToken))
            #expect(delete.status == .notFound)
            #expect(try harness.changeCount() == afterAbsence, "the stranger's delete wrote nothing")
        }
    }
}

enum DjobeaTestIDs {
    static let any = "01890a5d-ac96-774b-bcce-b302099a8057"
}
