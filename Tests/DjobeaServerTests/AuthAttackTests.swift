import DjobeaAuth
import DjobeaDomain
import DjobeaServer
import DjobeaStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The attacks of the security review, replayed over real HTTP.
@Suite("Authentication under attack, over HTTP", .serialized)
struct AuthAttackTests {
    @Test("forged or invalid bearer tokens are counted per address: past the budget, 429 auth_rate_limited; a valid token still passes")
    func invalidTokensAreRateLimitedPerAddress() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let phone = try #require(harness.providers.first?.phone)
        let services = ProviderAPIServices(
            auth: harness.auth, limiter: RateLimiter(limit: RateLimit(count: 10_000, period: 60)),
            failedAuthenticationLimiter: RateLimiter(limit: RateLimit(count: 5, period: 60)))
        let app = buildApplication(
            settings: ServerSettings(port: 0, role: .hub), database: harness.database, logger: Logger(label: "test"), provider: services)
        try await app.test(.live) { client in
            let token = try await harness.login(client, phone: phone)
            // A phone's stale token (signed here, session ended) is a 401 to refresh on, not a forgery: it does not
            // eat the forgery budget.
            let stale = try await harness.login(client, phone: phone)
            #expect(try await client.execute(uri: "/provider/auth/logout", method: .delete, headers: harness.bearer(stale)).status == .noContent)
            for _ in 0..<8 {
                let response = try await client.execute(uri: "/provider/requests", method: .get, headers: harness.bearer(stale))
                #expect(response.status == .unauthorized)
            }
            // A real token with its signature altered, a token of nothing, garbage.
            let forged = String(token.dropLast(4)) + (token.hasSuffix("AAAA") ? "BBBB" : "AAAA")
            let attempts = [forged, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "n-importe-quoi", forged, forged]
            for attempt in attempts {
                let response = try await client.execute(uri: "/provider/requests", method: .get, headers: harness.bearer(attempt))
                #expect(response.status == .unauthorized)
                #expect(try Self.errorCode(response) == "invalid_token")
            }
            for headers: HTTPFields in [harness.bearer(forged), [:], [.authorization: "Basic Zm9vOmJhcg=="]] {
                let limited = try await client.execute(uri: "/provider/requests", method: .get, headers: headers)
                #expect(limited.status == .tooManyRequests)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: limited.body)) as? [String: [String: String]]
                #expect(body?["error"]?["code"] == "auth_rate_limited")
                #expect(body?["error"]?["message"]?.hasPrefix("Trop de requêtes avec une session invalide depuis cette adresse.") == true)
                #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            }
            // The live-event route is guarded the same way.
            let stream = try await client.execute(uri: "/provider/notifications/stream?access_token=\(forged)", method: .get)
            #expect(stream.status == .tooManyRequests)
            // A provider sharing the address is not shut out.
            let valid = try await client.execute(uri: "/provider/requests", method: .get, headers: harness.bearer(token))
            #expect(valid.status == .ok)
        }
    }

    @Test("25 wrong passwords then the right one over HTTP: 429 password_locked with Retry-After, whatever address the requests claim")
    func passwordLockOverHTTP() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let provider = try #require(harness.providers.first)
        let email = "attaque.\(provider.id.suffix(6))@example.cm"
        try await harness.database.write { tx in _ = try tx.update(.providers, key: provider.id, ["email": .text(email)]) }
        try await harness.auth.setPassword(providerId: provider.id, password: "le-bon-mot-de-passe")
        try await harness.application().test(.live) { client in
            for attempt in 0..<25 {
                var headers = harness.json
                headers[HTTPField.Name("X-Forwarded-For")!] = "10.0.\(attempt).\(attempt)"
                let response = try await client.execute(
                    uri: "/provider/auth/login", method: .post, headers: headers,
                    body: harness.body(["email": email, "password": "essai-\(attempt)"]))
                #expect(response.status == (attempt < 4 ? .unauthorized : .tooManyRequests))
            }
            let right = try await client.execute(
                uri: "/provider/auth/login", method: .post, headers: harness.json,
                body: harness.body(["email": email, "password": "le-bon-mot-de-passe"]))
            #expect(right.status == .tooManyRequests)
            #expect(try Self.errorCode(right) == "password_locked")
            #expect(right.headers[.retryAfter].flatMap(Int.init).map { $0 > 800 && $0 <= 900 } == true)
            // The provider still has the WhatsApp code.
            _ = try await harness.login(client, phone: provider.phone)
        }
    }

    static func errorCode(_ response: TestResponse) throws -> String? {
        let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: [String: String]]
        return body?["error"]?["code"]
    }
}
