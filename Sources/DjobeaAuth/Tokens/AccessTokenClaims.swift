import Foundation
import JWTKit

/// The claims of a provider access token.
struct AccessTokenClaims: JWTPayload, Equatable {
    /// The only audience a provider access token is for.
    static let audience = "djobea-provider"

    /// Provider id.
    var sub: SubjectClaim
    /// Session id (a row of `provider_sessions`).
    var sid: String
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var aud: AudienceClaim
    /// The node that issued the token.
    var iss: IssuerClaim

    /// Signature-independent checks that need no clock: audience and well-formed ids. Expiry is checked by
    /// `AccessTokenSigner` against the injected clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {
        try aud.verifyIntendedAudience(includes: Self.audience)
        guard aud.value.count == 1, !sub.value.isEmpty, !sid.isEmpty else {
            throw JWTError.claimVerificationFailure(failedClaim: aud, reason: "unexpected audience or ids")
        }
    }
}
