import DjobeaDomain
import DjobeaStore
import Foundation
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
        let (_, opened) = try await redeemCode(code, phone: e164, purpose: .login, now: now) { account in
            self.newSession(providerId: account.id, familyId: nil, userAgent: userAgent, now: now)
        }.get()
        guard let session = opened else { throw AuthError.invalidCode }  // not reached: an account that may log in gets one
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
        let queued = try OutboxSealing.queued(message, id: messageId, expiresAt: expiresAt, key: keys.sealingKey)
        let challenge = NewOTPChallenge(id: challengeId, phone: e164, purpose: purpose.rawValue, codeHash: codeHash, expiresAt: expiresAt)
        let limits = settings.otpSendLimits.map { OTPSendLimit(count: $0.count, window: $0.window) }
        let outcome = try await challenges.issue(challenge, message: queued, limits: limits, now: now)
        await notifications.wake()
        try? await Task.sleep(until: deadline, clock: .continuous)
        var metadata: Logger.Metadata = ["purpose": "\(purpose.rawValue)", "phone": "\(Self.masked(e164))", "ip": "\(ip ?? "-")"]
        switch outcome {
        case .limited(let wait):
            logger.notice("auth.otp.rate_limited", metadata: metadata.merging(["retry_after": "\(wait)"]) { $1 })
            throw AuthError.otpRateLimited(retryAfter: wait)
        case .unknownPhone, .inactiveAccount:
            metadata["withheld"] = outcome == .unknownPhone ? "unknown" : "suspended"
            logger.info("auth.otp.requested", metadata: metadata)
        case .queued:
            logger.info("auth.otp.requested", metadata: metadata)
        }
        return OTPSent(expiresIn: Int(settings.otpExpiry))
    }

    /// Checks `code` against the latest challenge of `phone` and consumes it on success, in one transaction that
    /// also opens the session `open` makes for the account (nil: none); every try is counted and committed, even a
    /// wrong one. Returns the account the code opens and its session.
    func redeemCode(
        _ code: String, phone: String, purpose: OTPPurpose, now: Date, open: @escaping @Sendable (AuthAccount) -> NewSession?
    ) async throws -> Result<(AuthAccount, NewSession?), AuthError> {
        let key = keys.codeKey
        let redemption = try await challenges.redeem(
            phone: phone, purpose: purpose.rawValue, maxAttempts: settings.maxCodeAttempts, now: now,
            matches: { challenge in
                OneTimeCode.isWellFormed(code)
                    && OneTimeCode.matches(
                        code, storedHash: challenge.codeHash, challengeId: challenge.id, phone: phone, purpose: purpose, key: key)
            },
            open: { account in account.refusal == nil ? open(account) : nil })
        switch redemption {
        case .noChallenge: return .failure(.invalidCode)
        case .locked: return .failure(.otpLocked)
        case .expired: return .failure(.otpExpired)
        case .wrong(let attempts): return .failure(attempts >= settings.maxCodeAttempts ? .otpLocked : .invalidCode)
        // No provider behind the phone: its code was never sent, so a match is a lucky guess. Same answer as wrong.
        case .noAccount: return .failure(.invalidCode)
        case .redeemed(let account, let session):
            if let refusal = account.refusal { return .failure(refusal) }
            return .success((account, session))
        }
    }
}
