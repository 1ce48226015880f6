import DjobeaDomain
import DjobeaStore
import Foundation
import Logging

extension ProviderAuthService {
    // MARK: - Password

    /// Sets (or replaces) a provider's password: bcrypt on the hasher's threads, then one change-logged write.
    ///
    /// - Throws: `weak_password` (under 8 characters or over 72 bytes), `invalid_credentials` for an unknown provider.
    public func setPassword(providerId: String, password: String) async throws {
        try PasswordPolicy.check(password)
        let hash = await passwords.hash(password)
        let now = clock()
        let found = try await credentials.setPassword(hash: hash, providerId: providerId, now: now)
        guard found else { throw AuthError.invalidCredentials }
        logger.info("auth.password.set", metadata: ["provider": "\(providerId)"])
    }

    /// Logs in with email and password, and the TOTP code when the provider turned the second factor on.
    ///
    /// An unknown email, a provider without a password and a wrong password get the same error after the same
    /// bcrypt work. Wrong passwords are counted per account (`AuthSettings.passwordLockout`), wrong TOTP codes too
    /// (`totpLockout`); a TOTP code serves once.
    ///
    /// - Throws: `invalid_credentials`, `password_locked`, `account_suspended`, `totp_required`, `invalid_totp`,
    ///   `totp_reused`, `totp_locked`, `totp_unavailable`.
    public func loginWithPassword(email: String, password: String, totp: String? = nil, userAgent: String? = nil) async throws -> TokenPair {
        let found = try await credentials.account(email: email)
        let subject = AuthSubject.of(providerId: found?.id, email: email)
        try await verifyPassword(password, hash: found?.passwordHash, subject: subject)
        guard let account = found else { throw AuthError.invalidCredentials }
        if let refusal = account.refusal { throw refusal }
        let now = clock()
        // One transaction decides: failures counted meanwhile by concurrent tries still lock, and the TOTP step is
        // marked used before any other request can see it unused.
        let lockout = settings.passwordLockout
        let outcome = try await credentials.passwordLogin(
            providerId: account.id, subject: subject, now: now,
            passwordGate: { state in lockout.retryAfter(state, now: now).map { AuthError.passwordLocked(retryAfter: $0) } },
            secondFactor: { input in try self.secondFactorVerdict(totp, input: input, providerId: account.id, now: now) },
            open: { self.newSession(providerId: account.id, familyId: nil, userAgent: userAgent, now: now) })
        let session = try outcome.get()
        logger.info("auth.login", metadata: ["method": "password", "provider": "\(account.id)", "session": "\(session.id)"])
        return try await tokens(for: session, now: now)
    }

    /// Checks a password under the per-account lock: refused without bcrypt while locked; a wrong one is counted
    /// and may start the lock.
    ///
    /// - Throws: `password_locked`, `invalid_credentials`.
    func verifyPassword(_ password: String, hash: String?, subject: String) async throws {
        let policy = settings.passwordLockout
        let checkedAt = clock()
        let state = try await guards.state(subject: subject, factor: .password)
        if let wait = policy.retryAfter(state, now: checkedAt) {
            logger.info("auth.password.locked", metadata: ["retry_after": "\(wait)"])
            throw AuthError.passwordLocked(retryAfter: wait)
        }
        let matches = await passwords.verify(password, hash: hash ?? decoyHash)
        guard hash != nil, matches else {
            let now = clock()
            let next = try await guards.recordFailure(
                subject: subject, factor: .password, now: now, forgetBefore: now.addingTimeInterval(-policy.failureMemory),
                next: { policy.afterFailure($0, now: now) })
            logger.info("auth.password.refused")
            if let wait = policy.retryAfter(next, now: now) {
                logger.warning("auth.password.lock", metadata: ["lockouts": "\(next.lockouts)", "retry_after": "\(wait)"])
                throw AuthError.passwordLocked(retryAfter: wait)
            }
            throw AuthError.invalidCredentials
        }
    }

    // MARK: - Password reset by WhatsApp code

    /// Sends a six-digit reset code over WhatsApp, with the same limits and the same non-revealing answer as
    /// `sendOTP`.
    @discardableResult
    public func requestPasswordReset(phone: String, ip: String? = nil) async throws -> OTPSent {
        try await sendCode(phone: phone, purpose: .passwordReset, ip: ip)
    }

    /// Sets a new password with a reset code, and ends every session of the provider.
    ///
    /// - Throws: `weak_password` (checked before the code, so a typo costs no try), then the code errors of
    ///   `verifyOTP`.
    public func resetPassword(phone: String, code: String, newPassword: String) async throws {
        guard let e164 = PhoneNumber.normalizeCameroon(phone) else { throw AuthError.invalidPhone }
        try PasswordPolicy.check(newPassword)
        let checkedAt = clock()
        let (account, _) = try await redeemCode(code, phone: e164, purpose: .passwordReset, now: checkedAt) { _ in nil }.get()
        let hash = await passwords.hash(newPassword)
        let now = clock()
        // The owner proved the phone: a lock caused by someone guessing the old password ends.
        try await credentials.resetPassword(hash: hash, providerId: account.id, subject: AuthSubject.of(providerId: account.id), now: now)
        logger.info("auth.password.reset", metadata: ["provider": "\(account.id)"])
    }
}
