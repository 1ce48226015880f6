import DjobeaAuth
import DjobeaStore

/// What the provider API needs besides the database: authentication and the rate limiter.
public struct ProviderAPIServices: Sendable {
    public let auth: ProviderAuthService
    /// Per key ("ip:…", "provider:…"): `RATE_LIMIT_PROVIDER`, 100 per minute by default.
    public let limiter: RateLimiter
    /// Encoded answers of the provider's read routes, valid until the next commit (`DJOBEA_RESPONSE_CACHE`).
    public let responseCache: ResponseCache
    /// Per IP: requests refused for a missing, malformed or forged access token, one not signed by this node
    /// (`failedAuthenticationRate`, 30 a minute by default). Past it such requests get 429 `auth_rate_limited`; a
    /// valid token still passes, so that providers behind the same address as a prober are not shut out.
    public let failedAuthenticationLimiter: RateLimiter
    /// Where the clients' quote pages are served (the gateway): `DJOBEA_CLIENT_PAGE_URL`, else the hub's `--central`.
    public var clientPageBase: ClientPageLinks?

    /// - Parameters:
    ///   - failedAuthenticationLimiter: nil takes `auth.settings.failedAuthenticationRate`.
    public init(
        auth: ProviderAuthService, limiter: RateLimiter, responseCache: ResponseCache = ResponseCache(),
        failedAuthenticationLimiter: RateLimiter? = nil
    ) {
        self.auth = auth
        self.limiter = limiter
        self.responseCache = responseCache
        self.failedAuthenticationLimiter = failedAuthenticationLimiter ?? RateLimiter(limit: auth.settings.failedAuthenticationRate)
    }

    /// Authenticates the bearer token of a request from `ip`. Every refusal is counted against the address: a
    /// missing, malformed or forged token in `failedAuthenticationLimiter` (past it, 429 `auth_rate_limited`
    /// instead of 401); a token signed here but expired or of an ended session, which is what a phone sends just
    /// before it refreshes, in the address's ordinary request budget (past it, 429 `rate_limited`).
    var authenticateRequest: @Sendable (_ token: String?, _ ip: String) async throws -> ProviderIdentity {
        { [auth, limiter, failedAuthenticationLimiter] token, ip in
            do {
                guard let token, !token.isEmpty else { throw APIError.unauthenticated() }
                let identity = try await auth.authenticate(accessToken: token)
                return ProviderIdentity(providerId: identity.providerId, sessionId: identity.sessionId)
            } catch let error as AuthError where error == .invalidToken {
                if let token, auth.isSignedHere(accessToken: token) {
                    if case .limited(let retryAfter) = limiter.check("ip:\(ip)") { throw AuthError.rateLimited(retryAfter: retryAfter) }
                } else {
                    try Self.countForgery(ip: ip, limiter: failedAuthenticationLimiter)
                }
                throw error
            } catch let error as APIError where error.code == "unauthenticated" {
                try Self.countForgery(ip: ip, limiter: failedAuthenticationLimiter)
                throw error
            }
        }
    }

    private static func countForgery(ip: String, limiter: RateLimiter) throws {
        if case .limited(let retryAfter) = limiter.check("auth-failure:ip:\(ip)") { throw AuthError.authRateLimited(retryAfter: retryAfter) }
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
