import Foundation
import JWTKit

/// Signs and verifies provider access tokens: HS256 only, one `kid`, audience `djobea-provider`, issuer the node.
///
/// Verification is local (no key fetch, no network), so a hub cut off from the internet keeps authenticating.
/// The header is checked before jwt-kit sees the token: jwt-kit falls back to its default key for an unknown
/// `kid` and does not compare the header's `alg` with the key's, and this node wants both refused.
struct AccessTokenSigner: Sendable {
    static let algorithm = "HS256"
    /// Longer tokens are refused before any parsing.
    static let maximumLength = 4096

    let kid: String
    let issuer: String
    private let collection: JWTKeyCollection

    init(keys: TokenKeys, issuer: String) async {
        kid = keys.kid
        self.issuer = issuer
        collection = JWTKeyCollection()
        await collection.add(hmac: HMACKey(key: keys.signingKey), digestAlgorithm: .sha256, kid: JWKIdentifier(string: keys.kid))
    }

    // MARK: - Signing

    /// A signed token for `providerId` in session `sessionId`, valid from `now` for `lifetime` seconds.
    func sign(providerId: String, sessionId: String, now: Date, lifetime: TimeInterval) async throws -> String {
        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let claims = AccessTokenClaims(
            sub: SubjectClaim(value: providerId), sid: sessionId, exp: ExpirationClaim(value: issuedAt.addingTimeInterval(lifetime)),
            iat: IssuedAtClaim(value: issuedAt), aud: AudienceClaim(value: [AccessTokenClaims.audience]), iss: IssuerClaim(value: issuer))
        var header = JWTHeader()
        header.alg = Self.algorithm
        header.typ = "JWT"
        return try await collection.sign(claims, kid: JWKIdentifier(string: kid), header: header)
    }

    // MARK: - Verification

    /// The claims of a valid token; `AuthError.invalidToken` for anything else (bad shape, other algorithm,
    /// unknown key, bad signature, wrong audience or issuer, expired).
    func verify(_ token: String, now: Date) async throws -> AccessTokenClaims {
        guard token.utf8.count <= Self.maximumLength else { throw AuthError.invalidToken }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(String(parts[0])),
            let header = try? JSONDecoder().decode(JWTHeader.self, from: Data(headerBytes)),
            header.alg == Self.algorithm, header.kid == kid, header.crit == nil, header.typ == nil || header.typ == "JWT"
        else { throw AuthError.invalidToken }
        let claims: AccessTokenClaims
        do {
            claims = try await collection.verify(token, as: AccessTokenClaims.self)
            try claims.exp.verifyNotExpired(currentDate: now)
        } catch {
            throw AuthError.invalidToken
        }
        // A token from the future means a forged clock or a key shared with a node whose clock is wrong.
        guard claims.iss.value == issuer, claims.iat.value <= now.addingTimeInterval(300) else { throw AuthError.invalidToken }
        return claims
    }
}
