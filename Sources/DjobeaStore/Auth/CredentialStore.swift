import Foundation
import GRDB

/// Provider credentials (`provider_credentials`, synced) and what logging in with them reads and writes: the
/// password, the TOTP second factor and its enrolment, the per-account failure counts, the session opened.
public struct CredentialStore: Sendable {
    public let database: NodeDatabase

    public init(_ database: NodeDatabase) {
        self.database = database
    }

    // MARK: - Accounts

    /// The account whose email is `email` (case and surrounding spaces ignored).
    public func account(email: String) async throws -> AuthAccount? {
        try await database.read { db in try AuthAccounts.find(email: email, in: db) }
    }

    public func account(id: String) async throws -> AuthAccount? {
        try await database.read { db in try AuthAccounts.find(id: id, in: db) }
    }

    // MARK: - Password

    /// Sets a provider's password hash, change-logged; false when no provider has this id.
    public func setPassword(hash: String, providerId: String, now: Date) async throws -> Bool {
        try await database.write(now: now) { tx -> Bool in
            guard try tx.exists(.providers, key: providerId) else { return false }
            try CredentialRecords.set(passwordHash: hash, providerId: providerId, in: tx)
            return true
        }
    }

    /// In one transaction: sets the new password hash, revokes every session of the provider, and forgets the
    /// password failures counted under `subject`.
    public func resetPassword(hash: String, providerId: String, subject: String, now: Date) async throws {
        try await database.write(now: now) { tx in
            try CredentialRecords.set(passwordHash: hash, providerId: providerId, in: tx)
            try SessionRecords.revokeAll(providerId: providerId, now: now, in: tx.db)
            try AuthFailureRecords.clear(subject: subject, factor: .password, in: tx.db)
        }
    }

    /// In one transaction, for a login whose password was right: `passwordGate` may refuse on the password failure
    /// state (a lock); else those failures are forgotten, the second factor is checked when the provider has one
    /// (`secondFactor` decides on the stored seed, the TOTP failure state and the last step used; what it decides is
    /// written here), and the session `open` makes is opened.
    ///
    /// - Parameter subject: the account's row key in `auth_failures`, for both factors.
    public func passwordLogin<Refusal: Error>(
        providerId: String, subject: String, now: Date, passwordGate: @escaping @Sendable (AuthFailureState) -> Refusal?,
        secondFactor: @escaping @Sendable (SecondFactorInput) throws -> SecondFactorVerdict<Refusal>,
        open: @escaping @Sendable () throws -> NewSession
    ) async throws -> Result<NewSession, Refusal> {
        try await database.write(now: now) { tx -> Result<NewSession, Refusal> in
            let state = try AuthFailureRecords.state(subject: subject, factor: .password, in: tx.db)
            if let refusal = passwordGate(state) { return .failure(refusal) }
            try AuthFailureRecords.clear(subject: subject, factor: .password, in: tx.db)
            let stored = try String.fetchOne(
                tx.db, sql: "SELECT totp_secret FROM provider_credentials WHERE provider_id = ?", arguments: [providerId])
            if let stored {
                let input = SecondFactorInput(
                    storedSecret: stored, state: try AuthFailureRecords.state(subject: subject, factor: .totp, in: tx.db),
                    lastStep: try TOTPUsedSteps.last(providerId: providerId, in: tx.db))
                switch try secondFactor(input) {
                case .refuse(let refusal):
                    return .failure(refusal)
                case .wrong(let next, let forgetBefore, let refusal):
                    try AuthFailureRecords.recordFailure(
                        subject: subject, factor: .totp, now: now, forgetBefore: forgetBefore, next: { _ in next }, in: tx.db)
                    return .failure(refusal)
                case .accept(let step, let resealed):
                    try TOTPUsedSteps.use(step, providerId: providerId, now: now, in: tx.db)
                    try AuthFailureRecords.clear(subject: subject, factor: .totp, in: tx.db)
                    if let resealed { try CredentialRecords.set(totpSecret: resealed, providerId: providerId, in: tx) }
                }
            }
            let session = try open()
            try SessionRecords.open(session, now: now, in: tx.db)
            return .success(session)
        }
    }

    // MARK: - TOTP second factor

    /// In one transaction: stores a pending (sealed) secret for the provider; returns their phone, nil when no
    /// provider has this id (nothing stored).
    public func beginTOTPEnrolment(providerId: String, sealedSecret: String, now: Date, expiresAt: Date) async throws -> String? {
        try await database.writer.write { db -> String? in
            guard let account = try AuthAccounts.find(id: providerId, in: db) else { return nil }
            try TOTPEnrolments.save(providerId: providerId, secret: sealedSecret, now: now, expiresAt: expiresAt, in: db)
            return account.phone
        }
    }

    /// In one transaction: `check` decides on the pending (unexpired) secret; when it accepts, the sealed seed becomes
    /// the provider's (change-logged), its step is marked used, the TOTP failures under `subject` are forgotten and
    /// the enrolment ends. False when there is no pending secret or `check` refused.
    public func confirmTOTP(
        providerId: String, subject: String, now: Date, check: @escaping @Sendable (_ pendingSecret: String) throws -> TOTPConfirmation?
    ) async throws -> Bool {
        try await database.write(now: now) { tx -> Bool in
            guard let pending = try TOTPEnrolments.pending(providerId: providerId, now: now, in: tx.db),
                let confirmed = try check(pending)
            else { return false }
            try CredentialRecords.set(totpSecret: confirmed.sealedSecret, providerId: providerId, in: tx)
            try TOTPUsedSteps.use(confirmed.step, providerId: providerId, now: now, in: tx.db)
            try AuthFailureRecords.clear(subject: subject, factor: .totp, in: tx.db)
            try TOTPEnrolments.remove(providerId: providerId, in: tx.db)
            return true
        }
    }

    /// In one transaction: forgets the password failures under `subject` and removes the provider's TOTP seed.
    public func disableTOTP(providerId: String, subject: String, now: Date) async throws {
        try await database.write(now: now) { tx in
            try AuthFailureRecords.clear(subject: subject, factor: .password, in: tx.db)
            try CredentialRecords.set(totpSecret: nil, providerId: providerId, in: tx)
        }
    }
}

/// What `CredentialStore.passwordLogin` reads for the second factor, in the login's transaction.
public struct SecondFactorInput: Sendable {
    /// The provider's stored seed (sealed, or plain when written before sealing existed).
    public let storedSecret: String
    /// The TOTP failure state of the account.
    public let state: AuthFailureState
    /// The last TOTP time step accepted for the provider.
    public let lastStep: Int64?
}

/// What the second-factor rules decided, for `CredentialStore.passwordLogin` to write.
public enum SecondFactorVerdict<Refusal: Error>: Sendable {
    /// Refused, nothing counted (locked, no code, unreadable seed, a step already used).
    case refuse(Refusal)
    /// A wrong code: the TOTP failure state becomes `next` (rows unlocked and quiet since `forgetBefore` go).
    case wrong(next: AuthFailureState, forgetBefore: Date, refusal: Refusal)
    /// The right code: `step` is marked used and the failures forgotten; `resealed`, if any, replaces a plain seed.
    case accept(step: Int64, resealed: String?)
}

/// A TOTP enrolment confirmed by its first code: the seed to store (sealed) and the step the code used.
public struct TOTPConfirmation: Sendable {
    public let sealedSecret: String
    public let step: Int64

    public init(sealedSecret: String, step: Int64) {
        self.sealedSecret = sealedSecret
        self.step = step
    }
}
