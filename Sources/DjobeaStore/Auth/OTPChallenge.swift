import Foundation

/// The latest one-time code sent (or withheld) for a phone and a purpose, as `OTPChallengeStore.redeem` checks it.
public struct OTPChallenge: Sendable {
    public let id: String
    /// The keyed hash of the code (`OneTimeCode.hash` in DjobeaAuth); the plain code is never stored.
    public let codeHash: String
    /// Tries made so far, right or wrong.
    public let attempts: Int
    public let expiresAt: Date
    public let consumed: Bool
}

/// A cap on one-time-code sends to one phone: at most `count` in any rolling `window` (seconds).
public struct OTPSendLimit: Sendable, Equatable {
    public let count: Int
    public let window: TimeInterval

    public init(count: Int, window: TimeInterval) {
        self.count = count
        self.window = window
    }
}

/// A challenge to store when a code is made.
public struct NewOTPChallenge: Sendable {
    public let id: String
    public let phone: String
    /// `OTPPurpose.rawValue`: `login`, `password_reset`.
    public let purpose: String
    public let codeHash: String
    public let expiresAt: Date

    public init(id: String, phone: String, purpose: String, codeHash: String, expiresAt: Date) {
        self.id = id
        self.phone = phone
        self.purpose = purpose
        self.codeHash = codeHash
        self.expiresAt = expiresAt
    }
}

/// What `OTPChallengeStore.issue` did.
public enum OTPIssue: Sendable, Equatable {
    /// Too many sends to this phone: nothing stored; a new code may be sent in this many seconds.
    case limited(retryAfter: Int)
    /// The challenge is stored but the message withheld: no provider has this phone.
    case unknownPhone
    /// The challenge is stored but the message withheld: the provider's account is not active.
    case inactiveAccount
    /// The challenge is stored and its message queued.
    case queued
}

/// What `OTPChallengeStore.redeem` found. Every try that reached a live challenge was counted and committed.
public enum OTPRedemption: Sendable {
    /// No challenge for this phone and purpose, or its code was already used.
    case noChallenge
    /// The challenge had no tries left: refused without counting.
    case locked
    case expired
    /// A wrong code, counted: `attempts` tries made now.
    case wrong(attempts: Int)
    /// The right code, consumed, for a phone no provider has (its code was never sent).
    case noAccount
    /// The right code, consumed; `session` is the session opened in the same transaction, if one was asked for.
    case redeemed(AuthAccount, session: NewSession?)
}
