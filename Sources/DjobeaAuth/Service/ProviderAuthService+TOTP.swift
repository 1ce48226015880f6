import DjobeaDomain
import DjobeaStore
import Foundation
import GRDB
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
        let phone = try await database.writer.write { db -> String? in
            guard let account = try ProviderAccount.find(id: providerId, in: db) else { return nil }
            try TOTPEnrolments.save(providerId: providerId, secret: sealed, now: now, expiresAt: expiresAt, in: db)
            return account.phone
        }
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
        let confirmed = try await database.write(now: now) { tx -> Bool in
            guard let stored = try TOTPEnrolments.pending(providerId: providerId, now: now, in: tx.db),
                let secret = try? SealedSeed.open(stored, providerId: providerId, key: key),
                case .accepted(let step) = TOTPCheck.check(code, secret: secret, now: now, lastUsedStep: nil)
            else { return false }
            try CredentialRecords.set(
                ["totp_secret": .text(try SealedSeed.seal(secret, providerId: providerId, key: key))], providerId: providerId, in: tx)
            try TOTPUsedSteps.use(step, providerId: providerId, now: now, in: tx.db)
            try AuthFailureRecords.clear(subject: AuthFailureRecords.subject(providerId: providerId), factor: .totp, in: tx.db)
            try TOTPEnrolments.remove(providerId: providerId, in: tx.db)
            return true
        }
        guard confirmed else { throw AuthError.invalidTOTP }
        logger.info("auth.totp.enabled", metadata: ["provider": "\(providerId)"])
    }

    /// Turns the second factor off; the password is asked again, under the same per-account lock as a login.
    ///
    /// - Throws: `invalid_credentials`, `password_locked`.
    public func disableTOTP(providerId: String, password: String) async throws {
        let account = try await database.read { db in try ProviderAccount.find(id: providerId, in: db) }
        let subject = AuthFailureRecords.subject(providerId: providerId)
        try await verifyPassword(password, hash: account?.passwordHash, subject: subject)
        guard let account else { throw AuthError.invalidCredentials }
        let now = clock()
        try await database.write(now: now) { tx in
            try AuthFailureRecords.clear(subject: subject, factor: .password, in: tx.db)
            try CredentialRecords.set(["totp_secret": .null], providerId: account.id, in: tx)
        }
        logger.info("auth.totp.disabled", metadata: ["provider": "\(providerId)"])
    }

    /// Checks the TOTP code of a login whose password was right, in the login's write transaction; nil when it
    /// passes. A wrong code is counted (and may lock the factor); a right one marks its time step used, and a seed
    /// still stored in plain text (written before sealing existed) is sealed through the change log.
    func checkSecondFactor(_ code: String?, stored: String, providerId: String, now: Date, in tx: SyncedTransaction) throws -> AuthError? {
        let policy = settings.totpLockout
        let subject = AuthFailureRecords.subject(providerId: providerId)
        if let wait = policy.retryAfter(try AuthFailureRecords.state(subject: subject, factor: .totp, in: tx.db), now: now) {
            return .totpLocked(retryAfter: wait)
        }
        guard let code, !code.isEmpty else { return .totpRequired }
        let secret: String
        do {
            secret = try SealedSeed.open(stored, providerId: providerId, key: seedKey)
        } catch {
            logger.error(
                "auth.totp.unreadable",
                metadata: [
                    "provider": "\(providerId)",
                    "hint": "seed sealed under another key: give every node the same PROVIDER_TOTP_KEY",
                ])
            return .totpUnavailable
        }
        switch TOTPCheck.check(code, secret: secret, now: now, lastUsedStep: try TOTPUsedSteps.last(providerId: providerId, in: tx.db)) {
        case .wrong:
            let next = try AuthFailureRecords.recordFailure(subject: subject, factor: .totp, policy: policy, now: now, in: tx.db)
            if let wait = policy.retryAfter(next, now: now) {
                logger.warning("auth.totp.lock", metadata: ["provider": "\(providerId)", "retry_after": "\(wait)"])
                return .totpLocked(retryAfter: wait)
            }
            return .invalidTOTP
        case .reused:
            logger.warning("auth.totp.reused", metadata: ["provider": "\(providerId)"])
            return .totpReused
        case .accepted(let step):
            try TOTPUsedSteps.use(step, providerId: providerId, now: now, in: tx.db)
            try AuthFailureRecords.clear(subject: subject, factor: .totp, in: tx.db)
            if SealedSeed.isLegacy(stored) {
                try CredentialRecords.set(
                    ["totp_secret": .text(try SealedSeed.seal(secret, providerId: providerId, key: seedKey))], providerId: providerId, in: tx)
                logger.info("auth.totp.sealed", metadata: ["provider": "\(providerId)"])
            }
            return nil
        }
    }
}
