import DjobeaDomain
import DjobeaStore
import Foundation
import GRDB
import Logging

extension ProviderAuthService {
    // MARK: - TOTP second factor

    /// Starts turning on the second factor: a new secret to put in an authenticator app. Nothing changes for login
    /// until `confirmTOTP` receives a code from the app.
    ///
    /// - Throws: `invalid_credentials` for an unknown provider.
    public func beginTOTPEnrolment(providerId: String) async throws -> TOTPEnrolment {
        let now = clock()
        let secret = TOTPCheck.makeSecret(random)
        let expiresAt = now.addingTimeInterval(settings.totpEnrolmentExpiry)
        let phone = try await database.writer.write { db -> String? in
            guard let account = try ProviderAccount.find(id: providerId, in: db) else { return nil }
            try TOTPEnrolments.save(providerId: providerId, secret: secret, now: now, expiresAt: expiresAt, in: db)
            return account.phone
        }
        guard let phone else { throw AuthError.invalidCredentials }
        return TOTPCheck.enrolment(secret: secret, label: phone)
    }

    /// Turns the second factor on once the app shows the right code.
    ///
    /// - Throws: `invalid_totp` (wrong code, or no enrolment under way).
    public func confirmTOTP(providerId: String, code: String) async throws {
        let now = clock()
        let confirmed = try await database.write(now: now) { tx -> Bool in
            guard let secret = try TOTPEnrolments.pending(providerId: providerId, now: now, in: tx.db),
                TOTPCheck.verify(code, secret: secret, now: now)
            else { return false }
            try CredentialRecords.set(["totp_secret": .text(secret)], providerId: providerId, in: tx)
            try TOTPEnrolments.remove(providerId: providerId, in: tx.db)
            return true
        }
        guard confirmed else { throw AuthError.invalidTOTP }
        logger.info("auth.totp.enabled", metadata: ["provider": "\(providerId)"])
    }

    /// Turns the second factor off; the password is asked again.
    ///
    /// - Throws: `invalid_credentials`.
    public func disableTOTP(providerId: String, password: String) async throws {
        let account = try await database.read { db in try ProviderAccount.find(id: providerId, in: db) }
        let matches = await passwords.verify(password, hash: account?.passwordHash ?? decoyHash)
        guard let account, account.passwordHash != nil, matches else { throw AuthError.invalidCredentials }
        let now = clock()
        try await database.write(now: now) { tx in
            try CredentialRecords.set(["totp_secret": .null], providerId: account.id, in: tx)
        }
        logger.info("auth.totp.disabled", metadata: ["provider": "\(providerId)"])
    }
}
