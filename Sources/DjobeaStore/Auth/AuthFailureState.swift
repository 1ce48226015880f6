import Foundation

/// A login factor whose wrong answers are counted.
public enum AuthFactor: String, Sendable {
    case password, totp
}

/// Consecutive wrong answers for one account and one factor, and the lock they caused (a row of `auth_failures`).
public struct AuthFailureState: Sendable, Equatable {
    /// Wrong answers since the last success or the last lock.
    public var failures: Int
    /// Locks in a row without a success in between: each one lasts twice as long as the one before.
    public var lockouts: Int
    public var lockedUntil: Date?
    public var lastFailureAt: Date?

    public init(failures: Int = 0, lockouts: Int = 0, lockedUntil: Date? = nil, lastFailureAt: Date? = nil) {
        self.failures = failures
        self.lockouts = lockouts
        self.lockedUntil = lockedUntil
        self.lastFailureAt = lastFailureAt
    }
}
