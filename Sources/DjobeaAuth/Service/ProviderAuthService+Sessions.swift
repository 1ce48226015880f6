import Crypto
import DjobeaDomain
import DjobeaStore
import Foundation
import Logging

extension ProviderAuthService {
    // MARK: - Refresh

    /// Trades a refresh token for a new pair. The old token dies; the session's expiry slides to now + duration.
    ///
    /// A refresh token that was already traded is a sign of theft (the thief or the owner used it first): the
    /// whole family, every session descended from that login, is revoked.
    ///
    /// - Throws: `invalid_refresh_token` (unknown, expired, logged out), `refresh_reused`, `account_suspended`.
    public func refresh(refreshToken: String) async throws -> TokenPair {
        guard RefreshToken.isWellFormed(refreshToken) else { throw AuthError.invalidRefreshToken }
        let now = clock()
        let refreshed = try await sessions.refresh(tokenHash: RefreshToken.storedHash(refreshToken), now: now) { account, current in
            account.refusal == nil
                ? self.newSession(providerId: account.id, familyId: current.familyId, userAgent: current.userAgent, now: now) : nil
        }
        let outcome: Result<NewSession, AuthError>
        switch refreshed {
        case .invalid: outcome = .failure(.invalidRefreshToken)
        case .reused: outcome = .failure(.refreshReused)
        case .refused(let account): outcome = .failure(account.refusal ?? .invalidRefreshToken)
        case .rotated(let session): outcome = .success(session)
        }
        switch outcome {
        case .success(let session):
            return try await tokens(for: session, now: now)
        case .failure(let error):
            if error == .refreshReused {
                logger.warning("auth.refresh.reused", metadata: ["token_hash": "\(RefreshToken.storedHash(refreshToken).prefix(12))"])
            }
            throw error
        }
    }

    // MARK: - Logout

    /// Ends a session at once: its whole family is revoked, so every access and refresh token of that login dies.
    /// Unknown sessions are ignored (logging out twice is not an error).
    public func logout(sessionId: String) async throws {
        let now = clock()
        try await sessions.logout(sessionId: sessionId, now: now)
        logger.info("auth.logout", metadata: ["session": "\(sessionId)"])
    }

    // MARK: - Authenticate a request

    /// Whether `accessToken` carries a signature made with this node's key, whatever its expiry or session: a
    /// stale token of a real login (a phone about to refresh), not a forgery. The HTTP layer counts refused
    /// tokens per address and holds forgeries to a tighter budget than stale ones.
    public func isSignedHere(accessToken: String) -> Bool {
        guard accessToken.utf8.count <= AccessTokenSigner.maximumLength else { return false }
        let parts = accessToken.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = Base64URL.decode(String(parts[2])) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            signature, authenticating: Array("\(parts[0]).\(parts[1])".utf8), using: keys.signingKey)
    }

    /// The provider behind an access token: a valid JWT (HS256, our `kid`, audience, issuer, not expired) whose
    /// session family is alive and whose account is active. Touches `last_activity` at most once a minute.
    ///
    /// - Throws: `invalid_token`, `account_suspended`.
    public func authenticate(accessToken: String) async throws -> ProviderIdentity {
        let now = clock()
        let generation = sessionTables.generation
        if let known = verifiedTokens.lookup(accessToken, generation: generation, now: now) { return known }
        let claims = try await signer.verify(accessToken, now: now)
        let providerId = claims.sub.value
        guard
            let live = try await sessions.live(sessionId: claims.sid, providerId: providerId, now: now)
        else { throw AuthError.invalidToken }
        if let hub = live.movedToHub { throw AuthError.accountMoved(hubName: hub) }
        guard live.accountActive else { throw AuthError.accountSuspended }
        var lastActivity = live.lastActivity
        if now.timeIntervalSince(live.lastActivity) >= settings.activityTouchInterval {
            try await sessions.touch(sessionId: live.id, now: now)
            lastActivity = now
        }
        let identity = ProviderIdentity(providerId: providerId, sessionId: claims.sid)
        verifiedTokens.store(
            accessToken,
            .init(
                identity: identity, generation: generation,
                validUntil: min(claims.exp.value, lastActivity.addingTimeInterval(settings.activityTouchInterval))))
        return identity
    }
}
