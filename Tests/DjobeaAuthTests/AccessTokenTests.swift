import Crypto
import DjobeaDomain
import Foundation
import Testing

@testable import DjobeaAuth

@Suite("Access tokens")
struct AccessTokenTests {
    /// Builds tokens by hand, to present what jwt-kit would never sign.
    struct Forge {
        let key: SymmetricKey
        let kid: String
        var alg = "HS256"
        var header: [String: Any] = [:]

        func token(_ claims: [String: Any]) throws -> String {
            var header: [String: Any] = ["alg": alg, "typ": "JWT", "kid": kid]
            for (name, value) in self.header { header[name] = value }
            let input =
                Base64URL.encode(try JSONSerialization.data(withJSONObject: header)) + "."
                + Base64URL.encode(try JSONSerialization.data(withJSONObject: claims))
            let signature: [UInt8]
            switch alg {
            case "HS256": signature = Array(HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: key))
            case "HS512": signature = Array(HMAC<SHA512>.authenticationCode(for: Array(input.utf8), using: key))
            default: signature = []
            }
            return input + "." + Base64URL.encode(signature)
        }
    }

    func claims(_ hub: AuthHarness, _ pair: TokenPair, overriding: [String: Any] = [:]) -> [String: Any] {
        let now = hub.clock.now.timeIntervalSince1970
        var claims: [String: Any] = [
            "sub": pair.providerId, "sid": pair.sessionId, "iat": now, "exp": now + 600, "aud": ["djobea-provider"],
            "iss": hub.database.nodeId,
        ]
        for (name, value) in overriding { claims[name] = value }
        return claims
    }

    @Test func aForgedTokenWithTheRightKeyIsAccepted() async throws {
        // The forge itself is right: otherwise the refusals below would prove nothing.
        let hub = try await AuthHarness()
        let pair = try await hub.login()
        let token = try Forge(key: hub.keys.signingKey, kid: hub.keys.kid).token(claims(hub, pair))
        #expect(try await hub.service.authenticate(accessToken: token).providerId == hub.activeId)
    }

    @Test func headerIsPinned() async throws {
        let hub = try await AuthHarness()
        let pair = try await hub.login()
        let parts = pair.accessToken.split(separator: ".").map(String.init)
        let header = try #require(Base64URL.decode(parts[0]))
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(header)) as? [String: String])
        #expect(fields == ["alg": "HS256", "typ": "JWT", "kid": hub.keys.kid])
        let payloadBytes = try #require(Base64URL.decode(parts[1]))
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(payloadBytes)) as? [String: Any])
        #expect(payload["sub"] as? String == hub.activeId)
        #expect(payload["sid"] as? String == pair.sessionId)
        #expect(payload["iss"] as? String == hub.database.nodeId)
        #expect((payload["aud"] as? [String]) == ["djobea-provider"] || (payload["aud"] as? String) == "djobea-provider")
        #expect(payload["exp"] as? Double == hub.clock.now.timeIntervalSince1970 + 900)
    }

    @Test func expiredTokenIsRefused() async throws {
        let hub = try await AuthHarness()
        let pair = try await hub.login()
        hub.clock.advance(15 * 60 - 1)
        _ = try await hub.service.authenticate(accessToken: pair.accessToken)
        hub.clock.advance(1)
        #expect(await authError { try await hub.service.authenticate(accessToken: pair.accessToken) } == .invalidToken)
    }

    @Test func wrongAudienceOrIssuerIsRefused() async throws {
        let hub = try await AuthHarness()
        let pair = try await hub.login()
        let forge = Forge(key: hub.keys.signingKey, kid: hub.keys.kid)
        for override in [["aud": ["djobea-ops"]], ["aud": ["djobea-provider", "djobea-ops"]], ["iss": "another-node"]] as [[String: Any]] {
            let token = try forge.token(claims(hub, pair, overriding: override))
            #expect(await authError { try await hub.service.authenticate(accessToken: token) } == .invalidToken, "\(override)")
        }
    }

    @Test func otherAlgorithmsAreRefused() async throws {
        let hub = try await AuthHarness()
        let pair = try await hub.login()
        for alg in ["none", "None", "HS512", "RS256", "ES256", ""] {
            let token = try Forge(key: hub.keys.signingKey, kid: hub.keys.kid, alg: alg).token(claims(hub, pair))
            #expect(await authError { try await hub.service.authenticate(accessToken: token) } == .invalidToken, "alg \(alg)")
        }
        let unsigned = try Forge(key: hub.keys.signingKey, kid: hub.keys.kid, alg: "none").token(claims(hub, pair))
        #expect(unsigned.hasSuffix("."))
    }

    @Test func unknownKidIsRefused() async throws {
        let hub = try await AuthHarness()
        let pair = try await hub.login()
        // Right key, other kid: jwt-kit alone would fall back to its default key and accept it.
        for kid in ["hs256-0000000000000000", ""] {
            let token = try Forge(key: hub.keys.signingKey, kid: kid).token(claims(hub, pair))
            #expect(await authError { try await hub.service.authenticate(accessToken: token) } == .invalidToken)
        }
        var critical = Forge(key: hub.keys.signingKey, kid: hub.keys.kid)
        critical.header = ["crit": ["exp"]]
        #expect(await authError { try await hub.service.authenticate(accessToken: try critical.token(claims(hub, pair))) } == .invalidToken)
    }

    @Test func tamperedOrForeignTokensAreRefused() async throws {
        let hub = try await AuthHarness()
        let pair = try await hub.login()
        var parts = pair.accessToken.split(separator: ".").map(String.init)
        // Another provider's id in the payload, original signature.
        let otherPayload = try JSONSerialization.data(withJSONObject: claims(hub, pair, overriding: ["sub": hub.suspendedId]))
        parts[1] = Base64URL.encode(otherPayload)
        #expect(await authError { try await hub.service.authenticate(accessToken: parts.joined(separator: ".")) } == .invalidToken)
        // One signature character changed.
        var signature = Array(pair.accessToken.split(separator: ".")[2])
        signature[5] = signature[5] == "A" ? "B" : "A"
        let tampered = pair.accessToken.split(separator: ".")[0...1].joined(separator: ".") + "." + String(signature)
        #expect(await authError { try await hub.service.authenticate(accessToken: tampered) } == .invalidToken)
        // Signed by another node's secret.
        let foreign = try TokenKeys(secret: Array("another-hub-secret-another-hub-secret!!".utf8))
        let token = try Forge(key: foreign.signingKey, kid: hub.keys.kid).token(claims(hub, pair))
        #expect(await authError { try await hub.service.authenticate(accessToken: token) } == .invalidToken)
        // Garbage.
        for garbage in ["", "a.b", "a.b.c", String(repeating: "x", count: 10_000), "..", pair.refreshToken] {
            #expect(await authError { try await hub.service.authenticate(accessToken: garbage) } == .invalidToken)
        }
    }

    @Test func aTokenOfAnUnknownSessionIsRefused() async throws {
        let hub = try await AuthHarness()
        let pair = try await hub.login()
        let token = try Forge(key: hub.keys.signingKey, kid: hub.keys.kid).token(claims(hub, pair, overriding: ["sid": DjobeaID.v7()]))
        #expect(await authError { try await hub.service.authenticate(accessToken: token) } == .invalidToken)
        // A session of another provider does not lend itself either.
        let stolen = try Forge(key: hub.keys.signingKey, kid: hub.keys.kid).token(claims(hub, pair, overriding: ["sub": hub.suspendedId]))
        #expect(await authError { try await hub.service.authenticate(accessToken: stolen) } == .invalidToken)
    }

    @Test func lastActivityIsTouchedAtMostOnceAMinute() async throws {
        let hub = try await AuthHarness()
        let pair = try await hub.login()
        let start = hub.clock.now
        hub.clock.advance(30)
        _ = try await hub.service.authenticate(accessToken: pair.accessToken)
        #expect(try hub.sessionRow(pair.sessionId)?["last_activity"] == UTCTimestamp.format(start))
        hub.clock.advance(30)
        _ = try await hub.service.authenticate(accessToken: pair.accessToken)
        #expect(try hub.sessionRow(pair.sessionId)?["last_activity"] == UTCTimestamp.format(hub.clock.now))
    }

    @Test("a token already accepted is refused at once after a suspension or a logout, though its check is cached")
    func cachedTokensFollowSuspensionAndLogout() async throws {
        let hub = try await AuthHarness()
        let pair = try await hub.login()
        _ = try await hub.service.authenticate(accessToken: pair.accessToken)
        _ = try await hub.service.authenticate(accessToken: pair.accessToken)
        _ = try await hub.database.write { tx in try tx.update(.providers, key: hub.activeId, ["account_status": "suspended"]) }
        #expect(await authError { try await hub.service.authenticate(accessToken: pair.accessToken) } == .accountSuspended)
        _ = try await hub.database.write { tx in try tx.update(.providers, key: hub.activeId, ["account_status": "active"]) }
        _ = try await hub.service.authenticate(accessToken: pair.accessToken)
        try await hub.service.logout(sessionId: pair.sessionId)
        #expect(await authError { try await hub.service.authenticate(accessToken: pair.accessToken) } == .invalidToken)
    }
}
