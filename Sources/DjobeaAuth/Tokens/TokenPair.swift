import Foundation

/// What a successful login or refresh hands to the provider's phone.
public struct TokenPair: Sendable, Equatable {
    /// Short-lived access JWT (15 minutes), sent as `Authorization: Bearer`.
    public let accessToken: String
    public let accessTokenExpiresAt: Date
    /// Opaque refresh token (32 random bytes, base64url). Only its SHA-256 is stored; it dies at its first use.
    public let refreshToken: String
    public let refreshTokenExpiresAt: Date
    public let sessionId: String
    public let providerId: String
}

/// Who is calling, once an access token is accepted.
public struct ProviderIdentity: Sendable, Equatable {
    public let providerId: String
    public let sessionId: String
}
