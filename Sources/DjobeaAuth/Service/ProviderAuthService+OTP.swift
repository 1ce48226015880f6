import DjobeaDomain
import DjobeaStore
import Foundation
import GRDB
import Logging

/// The answer to a code request, the same whether or not the phone is a provider's.
public struct OTPSent: Sendable, Equatable {
    /// Seconds the code stays valid.
    public let expiresIn: Int
}

extension ProviderAuthService {
    // MARK: - Login by WhatsApp code

    /// Sends a six-digit login code over WhatsApp.
    ///
    /// An unknown or suspended phone gets the same answer after the same work (a challenge row is stored, a message
    /// is sealed) but nothing is sent, so the answer tells nobody who is registered.
    ///
    /// - Parameters:
    ///   - phone: as typed; normalized to E.164 (`invalid_phone` otherwise).
    ///   - ip: the caller's address, for logs.
    /// - Throws: `invalid_phone`; `otp_rate_limited` (429, `retryAfter`) past 3 sends in 15 minutes or 10 in a day.
    @discardableResult
    public func sendOTP(phone: String, ip: String? = nil) async throws -> OTPSent {
        try await sendCode(phone: phone, purpose: .login, ip: ip)
    }

    /// Checks a login code and opens a session.
    ///
    /// - Parameters:
    ///   - userAgent: the device, kept with the session.
    /// - Throws: `invalid_phone`, `invalid_code`, `otp_expired`, `otp_locked` (after 5 wrong tries, even with the right
    ///   code), `account_suspended`.
    public func verifyOTP(phone: String, code: String, userAgent: String? = nil) async throws -> TokenPair {
        guard let e164 = PhoneNumber.normalizeCameroon(phone) else { throw AuthError.invalidPhone }
        let now = clock()
        let outcome = try await database.writer.write { db -> Result<OpenedSession, AuthError> in
            switch try self.checkCode(code, phone: e164, purpose: .login, now: now, in: db) {
            case .failure(let error): return .failure(error)
            case .success(let account):
                return .success(try self.openSession(providerId: account.id, familyId: nil, userAgent: userAgent, now: now, in: db))
            }
        }
        let session = try outcome.get()
        logger.info("auth.login", metadata: ["method": "whatsapp", "provider": "\(session.providerId)", "session": "\(session.id)"])
        return try await tokens(for: session, now: now)
    }

    // MARK: - Shared by login and password reset

    /// Stores a challenge and queues its message, in one transaction.
    func sendCode(phone: String, purpose: OTPPurpose, ip: String?) async throws -> OTPSent {
        guard let e164 = PhoneNumber.normalizeCameroon(phone) else { throw AuthError.invalidPhone }
        let deadline = ContinuousClock.now + .milliseconds(Int(settings.codeRequestMinimumDuration * 1000))
        let now = clock()
        let expiresAt = now.addingTimeInterval(settings.otpExpiry)
        let challengeId = DjobeaID.v7(now: now)
        let messageId = DjobeaID.v7(now: now)
        let code = OneTimeCode.make(random)
        let codeHash = OneTimeCode.hash(code, challengeId: challengeId, phone: e164, purpose: purpose, key: keys.codeKey)
        let message = OTPMessage.make(purpose: purpose, to: e164, code: code, expiry: settings.otpExpiry)
        // Sealed whether or not it will be queued: an unknown phone costs the same work.
        let sealed = try OutboxRecords.seal(message, id: messageId, key: keys.sealingKey)
        let limits = settings.otpSendLimits
        let outcome = try await database.writer.write { db -> SendOutcome in
            if let wait = try OTPChallenges.retryAfter(phone: e164, limits: limits, now: now, in: db) { return .limited(wait) }
            try OTPChallenges.insert(id: challengeId, phone: e164, purpose: purpose, codeHash: codeHash, expiresAt: expiresAt, now: now, in: db)
            guard let account = try ProviderAccount.find(phone: e164, in: db) else { return .withheld("unknown") }
            guard account.isActive else { return .withheld("suspended") }
            try OutboxRecords.insert(id: messageId, message: message, sealedContent: sealed, expiresAt: expiresAt, now: now, in: db)
            return .queued
        }
        await notifications.wake()
        try? await Task.sleep(until: deadline, clock: .continuous)
        var metadata: Logger.Metadata = ["purpose": "\(purpose.rawValue)", "phone": "\(Self.masked(e164))", "ip": "\(ip ?? "-")"]
        switch outcome {
        case .limited(let wait):
            logger.notice("auth.otp.rate_limited", metadata: metadata.merging(["retry_after": "\(wait)"]) { $1 })
            throw AuthError.otpRateLimited(retryAfter: wait)
        case .withheld(let reason):
            metadata["withheld"] = "\(reason)"
            logger.info("auth.otp.requested", metadata: metadata)
        case .queued:
            logger.info("auth.otp.requested", metadata: metadata)
        }
        return OTPSent(expiresIn: Int(settings.otpExpiry))
    }

    private enum SendOutcome: Sendable {
        case limited(Int)
        case withheld(String)
        case queued
    }

    /// Checks `code` against the latest challenge of `phone` and consumes it on success; every try is counted and
    /// committed, even a wrong one. Returns the account the code opens.
    ///
    /// The caller must commit the transaction whatever the result, which is why failures are returned, not thrown.
    func checkCode(_ code: String, phone: String, purpose: OTPPurpose, now: Date, in db: Database) throws -> Result<
        ProviderAccount, AuthError
    > {
        guard let challenge = try OTPChallenges.latest(phone: phone, purpose: purpose, in: db), !challenge.consumed else {
            return .failure(.invalidCode)
        }
        guard challenge.attempts < settings.maxCodeAttempts else { return .failure(.otpLocked) }
        guard challenge.expiresAt > now else { return .failure(.otpExpired) }
        try OTPChallenges.recordAttempt(id: challenge.id, in: db)
        let correct =
            OneTimeCode.isWellFormed(code)
            && OneTimeCode.matches(
                code, storedHash: challenge.codeHash, challengeId: challenge.id, phone: phone, purpose: purpose, key: keys.codeKey)
        guard correct else {
            return .failure(challenge.attempts + 1 >= settings.maxCodeAttempts ? .otpLocked : .invalidCode)
        }
        try OTPChallenges.consume(id: challenge.id, now: now, in: db)
        // No provider behind the phone: its code was never sent, so a match is a lucky guess. Same answer as wrong.
        guard let account = try ProviderAccount.find(phone: phone, in: db) else { return .failure(.invalidCode) }
        if let refusal = account.refusal { return .failure(refusal) }
        return .success(account)
    }
}
