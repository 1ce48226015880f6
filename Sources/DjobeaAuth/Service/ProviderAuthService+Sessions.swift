import DjobeaDomain
import DjobeaStore
import Foundation
import GRDB
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
        let outcome = try await database.writer.write { db -> Result<OpenedSession, AuthError> in
            guard let current = try SessionRecords.find(refreshToken: refreshToken, in: db) else { return .failure(.invalidRefreshToken) }
            if current.revoked {
                guard current.replaced else { return .failure(.invalidRefreshToken) }
                try SessionRecords.revokeFamily(current.familyId, now: now, in: db)
                return .failure(.refreshReused)
            }
            guard current.expiresAt > now else { return .failure(.invalidRefreshToken) }
            guard let account = try ProviderAccount.find(id: current.providerId, in: db) else { return .failure(.invalidRefreshToken) }
            if let refusal = account.refusal { return .failure(refusal) }
            let next = try self.openSession(
                providerId: account.id, familyId: current.familyId, userAgent: current.userAgent, now: now, in: db)
            try SessionRecords.rotate(id: current.id, replacement: next.id, now: now, in: db)
            return .success(next)
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
        try await database.writer.write { db in
            guard let session = try SessionRecords.find(id: sessionId, in: db) else { return }
            try SessionRecords.revokeFamily(session.familyId, now: now, in: db)
        }
        logger.info("auth.logout", metadata: ["session": "\(sessionId)"])
    }

    // MARK: - Authenticate a request

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
            let live = try await database.read({ db in
                try SessionRecords.live(sessionId: claims.sid, providerId: providerId, now: now, in: db)
            })
        else { throw AuthError.invalidToken }
        if let hub = live.movedToHub { throw AuthError.accountMoved(hubName: hub) }
        guard live.accountActive else { throw AuthError.accountSuspended }
        var lastActivity = live.lastActivity
        if now.timeIntervalSince(live.lastActivity) >= settings.activityTouchInterval {
            try await database.writer.write { db in try SessionRecords.touch(id: live.id, now: now, in: db) }
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
