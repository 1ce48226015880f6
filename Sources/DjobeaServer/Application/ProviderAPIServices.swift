import DjobeaAuth

/// What the provider API needs besides the database: authentication and the rate limiter.
public struct ProviderAPIServices: Sendable {
    public let auth: ProviderAuthService
    /// Per key ("ip:…", "provider:…"): `RATE_LIMIT_PROVIDER`, 100 per minute by default.
    public let limiter: RateLimiter
    /// Encoded answers of the provider's read routes, valid until the next commit (`DJOBEA_RESPONSE_CACHE`).
    public let responseCache: ResponseCache

    public init(auth: ProviderAuthService, limiter: RateLimiter, responseCache: ResponseCache = ResponseCache()) {
        self.auth = auth
        self.limiter = limiter
        self.responseCache = responseCache
    }

    var authenticate: @Sendable (String) async throws -> ProviderIdentity {
        { [auth] token in
            let identity = try await auth.authenticate(accessToken: token)
            return ProviderIdentity(providerId: identity.providerId, sessionId: identity.sessionId)
        }
    }

    var rateLimitCheck: @Sendable (String) async -> Int? {
        { [limiter] key in
            if case .limited(let retryAfter) = limiter.check(key) { return retryAfter }
            return nil
        }
    }
}
