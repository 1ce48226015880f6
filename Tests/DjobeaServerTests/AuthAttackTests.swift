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
        let app = harness.application(provider: services)
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
                let error = try Self.error(limited)
                #expect(error.code == "auth_rate_limited")
                #expect(error.message.hasPrefix("Trop de requêtes avec une session invalide depuis cette adresse."))
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

    @Test("25 wrong passwords then the right one over HTTP: 429 password_locked, whatever address the requests claim; 200 once the lock expired")
    func passwordLockOverHTTP() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let provider = try #require(harness.providers.first)
        let email = "attaque.\(provider.id.suffix(6))@example.cm"
        try await harness.database.write { tx in _ = try tx.update(.providers, key: provider.id, ["email": .text(email)]) }
        // The same service as a hub's, on a clock the test moves.
        let clock = LockedValue(Date())
        var settings = AuthSettings()
        settings.bcryptCost = 4
        let auth = await ProviderAuthService(
            database: harness.database, keys: try TokenKeys(secret: Array(repeating: 7, count: 32)),
            seedKey: try TOTPSeedKey(secret: Array(repeating: 9, count: 32)), notifications: harness.queue, settings: settings,
            clock: { clock.withLock { $0 } }, logger: Logger(label: "test"))
        try await auth.setPassword(providerId: provider.id, password: "le-bon-mot-de-passe")
        let services = ProviderAPIServices(auth: auth, limiter: RateLimiter(limit: RateLimit(count: 10_000, period: 60)))
        let app = harness.application(provider: services)
        try await app.test(.live) { client in
            func login(_ password: String, claiming address: String? = nil) async throws -> TestResponse {
                var headers = harness.json
                if let address { headers[HTTPField.Name("X-Forwarded-For")!] = address }
                return try await client.execute(
                    uri: "/provider/auth/login", method: .post, headers: headers, body: harness.body(["email": email, "password": password]))
            }
            for attempt in 0..<25 {
                let response = try await login("essai-\(attempt)", claiming: "10.0.\(attempt).\(attempt)")
                #expect(response.status == (attempt < 4 ? .unauthorized : .tooManyRequests))
            }
            let right = try await login("le-bon-mot-de-passe")
            #expect(right.status == .tooManyRequests)
            #expect(try Self.errorCode(right) == "password_locked")
            #expect(right.headers[.retryAfter] == "900")
            #expect(try Self.error(right).message.contains("Réessayez dans 15 minutes"))

            clock.withLock { $0 = $0.addingTimeInterval(15 * 60 + 1) }
            let after = try await login("le-bon-mot-de-passe")
            #expect(after.status == .ok)
        }
    }

    static func error(_ response: TestResponse) throws -> APIErrorBody.Detail {
        try JSONCoding.decoder.decode(APIErrorBody.self, from: Data(buffer: response.body)).error
    }

    static func errorCode(_ response: TestResponse) throws -> String? {
        try error(response).code
    }
}
