import DjobeaDomain
import DjobeaStore
import Foundation
import Logging

extension ProviderAuthService {
    // MARK: - TOTP second factor

    /// Starts turning on the second factor: a new secret to put in an authenticator app. Nothing changes for login
    /// until `confirmTOTP` receives a code from the app. The pending secret is stored sealed, like the active one.
    ///
    /// - Throws: `invalid_credentials` for an unknown provider.
    public func beginTOTPEnrolment(providerId: String) async throws -> TOTPEnrolment {
        let now = clock()
        let secret = TOTPCheck.makeSecret(random)
        let sealed = try SealedSeed.seal(secret, providerId: providerId, key: seedKey)
        let expiresAt = now.addingTimeInterval(settings.totpEnrolmentExpiry)
        let phone = try await credentials.beginTOTPEnrolment(providerId: providerId, sealedSecret: sealed, now: now, expiresAt: expiresAt)
        guard let phone else { throw AuthError.invalidCredentials }
        return TOTPCheck.enrolment(secret: secret, label: phone)
    }

    /// Turns the second factor on once the app shows the right code. The seed is written sealed (never in plain
    /// text, in the database or the change log), and the code's time step is marked used.
    ///
    /// - Throws: `invalid_totp` (wrong code, or no enrolment under way).
    public func confirmTOTP(providerId: String, code: String) async throws {
        let now = clock()
        let key = seedKey
        let check: @Sendable (String) throws -> TOTPConfirmation? = { stored in
            guard let secret = try? SealedSeed.open(stored, providerId: providerId, key: key),
                case .accepted(let step) = TOTPCheck.check(code, secret: secret, now: now, lastUsedStep: nil)
            else { return nil }
            return TOTPConfirmation(sealedSecret: try SealedSeed.seal(secret, providerId: providerId, key: key), step: step)
        }
        let confirmed = try await credentials.confirmTOTP(
            providerId: providerId, subject: AuthSubject.of(providerId: providerId), now: now, check: check)
        guard confirmed else { throw AuthError.invalidTOTP }
        logger.info("auth.totp.enabled", metadata: ["provider": "\(providerId)"])
    }

    /// Turns the second factor off; the password is asked again, under the same per-account lock as a login.
    ///
    /// - Throws: `invalid_credentials`, `password_locked`.
    public func disableTOTP(providerId: String, password: String) async throws {
        let account = try await credentials.account(id: providerId)
        let subject = AuthSubject.of(providerId: providerId)
        try await verifyPassword(password, hash: account?.passwordHash, subject: subject)
        guard let account else { throw AuthError.invalidCredentials }
        let now = clock()
        try await credentials.disableTOTP(providerId: account.id, subject: subject, now: now)
        logger.info("auth.totp.disabled", metadata: ["provider": "\(providerId)"])
    }

    /// Decides on the TOTP code of a login whose password was right, in the login's write transaction (what is
    /// decided is written there): refused while the factor is locked; a wrong code is counted (and may lock the
    /// factor); a right one marks its time step used, and a seed still stored in plain text (written before sealing
    /// existed) is sealed through the change log.
    func secondFactorVerdict(_ code: String?, input: SecondFactorInput, providerId: String, now: Date) throws -> SecondFactorVerdict<AuthError> {
        let policy = settings.totpLockout
        if let wait = policy.retryAfter(input.state, now: now) {
            return .refuse(.totpLocked(retryAfter: wait))
        }
        guard let code, !code.isEmpty else { return .refuse(.totpRequired) }
        let secret: String
        do {
            secret = try SealedSeed.open(input.storedSecret, providerId: providerId, key: seedKey)
        } catch {
            logger.error(
                "auth.totp.unreadable",
                metadata: [
                    "provider": "\(providerId)",
                    "hint": "seed sealed under another key: give every node the same PROVIDER_TOTP_KEY",
                ])
            return .refuse(.totpUnavailable)
        }
        switch TOTPCheck.check(code, secret: secret, now: now, lastUsedStep: input.lastStep) {
        case .wrong:
            let next = policy.afterFailure(input.state, now: now)
            let forgetBefore = now.addingTimeInterval(-policy.failureMemory)
            if let wait = policy.retryAfter(next, now: now) {
                logger.warning("auth.totp.lock", metadata: ["provider": "\(providerId)", "retry_after": "\(wait)"])
                return .wrong(next: next, forgetBefore: forgetBefore, refusal: .totpLocked(retryAfter: wait))
            }
            return .wrong(next: next, forgetBefore: forgetBefore, refusal: .invalidTOTP)
        case .reused:
            logger.warning("auth.totp.reused", metadata: ["provider": "\(providerId)"])
            return .refuse(.totpReused)
        case .accepted(let step):
            guard SealedSeed.isLegacy(input.storedSecret) else { return .accept(step: step, resealed: nil) }
            logger.info("auth.totp.sealed", metadata: ["provider": "\(providerId)"])
            return .accept(step: step, resealed: try SealedSeed.seal(secret, providerId: providerId, key: seedKey))
        }
    }
}
