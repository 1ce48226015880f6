import Foundation
import GRDB

/// One-time codes sent over WhatsApp (`otp_challenges`, hub-local): issuing a code with its message, redeeming it.
public struct OTPChallengeStore: Sendable {
    public let database: NodeDatabase

    public init(_ database: NodeDatabase) {
        self.database = database
    }

    /// In one transaction: refuses past the send `limits`; else stores `challenge` (earlier unused codes of the same
    /// purpose die) and queues `message` when the phone is an active provider's. A phone that is nobody's costs the
    /// same work, so the answer tells nobody who is registered.
    public func issue(_ challenge: NewOTPChallenge, message: QueuedNotification, limits: [OTPSendLimit], now: Date) async throws
        -> OTPIssue
    {
        try await database.writer.write { db in
            if let wait = try OTPChallenges.retryAfter(phone: challenge.phone, limits: limits, now: now, in: db) {
                return .limited(retryAfter: wait)
            }
            try OTPChallenges.insert(
                id: challenge.id, phone: challenge.phone, purpose: challenge.purpose, codeHash: challenge.codeHash,
                expiresAt: challenge.expiresAt, now: now, in: db)
            guard let account = try AuthAccounts.find(phone: challenge.phone, in: db) else { return .unknownPhone }
            guard account.isActive else { return .inactiveAccount }
            try OutboxRecords.insert(message, now: now, in: db)
            return .queued
        }
    }

    /// In one transaction: checks a code against the latest challenge of `phone` and `purpose`, counts the try
    /// (committed even when wrong), consumes the challenge when `matches` says the code is right, and opens the
    /// session `open` makes for the account, if it makes one.
    ///
    /// - Parameters:
    ///   - maxAttempts: tries allowed per challenge; past them the challenge is refused without counting.
    ///   - matches: whether the code typed is the challenge's (DjobeaAuth compares keyed hashes).
    ///   - open: the session to open for the account the code proves, or nil for none (a refused account, a
    ///     password reset).
    public func redeem(
        phone: String, purpose: String, maxAttempts: Int, now: Date, matches: @escaping @Sendable (OTPChallenge) -> Bool,
        open: @escaping @Sendable (AuthAccount) throws -> NewSession?
    ) async throws -> OTPRedemption {
        try await database.writer.write { db in
            guard let challenge = try OTPChallenges.latest(phone: phone, purpose: purpose, in: db), !challenge.consumed else {
                return .noChallenge
            }
            guard challenge.attempts < maxAttempts else { return .locked }
            guard challenge.expiresAt > now else { return .expired }
            try OTPChallenges.recordAttempt(id: challenge.id, in: db)
            guard matches(challenge) else { return .wrong(attempts: challenge.attempts + 1) }
            try OTPChallenges.consume(id: challenge.id, now: now, in: db)
            guard let account = try AuthAccounts.find(phone: phone, in: db) else { return .noAccount }
            guard let session = try open(account) else { return .redeemed(account, session: nil) }
            try SessionRecords.open(session, now: now, in: db)
            return .redeemed(account, session: session)
        }
    }
}
