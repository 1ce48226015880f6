import DjobeaDomain
import DjobeaStore
import Foundation
import GRDB
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
        let found = try await database.write(now: now) { tx -> Bool in
            guard try tx.exists(.providers, key: providerId) else { return false }
            try CredentialRecords.set(["password_hash": .text(hash)], providerId: providerId, in: tx)
            return true
        }
        guard found else { throw AuthError.invalidCredentials }
        logger.info("auth.password.set", metadata: ["provider": "\(providerId)"])
    }

    /// Logs in with email and password, and the TOTP code when the provider turned the second factor on.
    ///
    /// An unknown email, a provider without a password and a wrong password get the same error after the same
    /// bcrypt work.
    ///
    /// - Throws: `invalid_credentials`, `account_suspended`, `totp_required`, `invalid_totp`.
    public func loginWithPassword(email: String, password: String, totp: String? = nil, userAgent: String? = nil) async throws -> TokenPair {
        let account = try await database.read { db in try ProviderAccount.find(email: email, in: db) }
        let matches = await passwords.verify(password, hash: account?.passwordHash ?? decoyHash)
        guard let account, account.passwordHash != nil, matches else {
            logger.info("auth.password.refused")
            throw AuthError.invalidCredentials
        }
        if let refusal = account.refusal { throw refusal }
        let now = clock()
        if let secret = account.totpSecret {
            guard let totp, !totp.isEmpty else { throw AuthError.totpRequired }
            guard TOTPCheck.verify(totp, secret: secret, now: now) else { throw AuthError.invalidTOTP }
        }
        let session = try await database.writer.write { db in
            try self.openSession(providerId: account.id, familyId: nil, userAgent: userAgent, now: now, in: db)
        }
        logger.info("auth.login", metadata: ["method": "password", "provider": "\(account.id)", "session": "\(session.id)"])
        return try await tokens(for: session, now: now)
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
        let account = try await database.writer.write { db in
            try self.checkCode(code, phone: e164, purpose: .passwordReset, now: checkedAt, in: db)
        }.get()
        let hash = await passwords.hash(newPassword)
        let now = clock()
        try await database.write(now: now) { tx in
            try CredentialRecords.set(["password_hash": .text(hash)], providerId: account.id, in: tx)
            try SessionRecords.revokeAll(providerId: account.id, now: now, in: tx.db)
        }
        logger.info("auth.password.reset", metadata: ["provider": "\(account.id)"])
    }
}
