import DjobeaStore
import Foundation

/// Consecutive wrong answers for one account and one factor, and the lock they caused (stored by `AuthGuardStore`).
typealias FailureState = AuthFailureState

/// The per-account lock of a login factor (password, TOTP code): after `maxFailures` wrong answers in a row, the
/// factor is refused, even with the right answer, for `baseLock`, then twice as long at each new lock up to
/// `maxLock`. A success forgets everything; so do `failureMemory` seconds without a wrong answer.
///
/// A pure value: the decisions depend only on the state and the time given. Counting is per account, not per IP,
/// so rotating addresses does not help an attacker.
public struct LockoutPolicy: Sendable, Equatable {
    public var maxFailures: Int
    public var baseLock: TimeInterval
    public var maxLock: TimeInterval
    public var failureMemory: TimeInterval

    public init(maxFailures: Int = 5, baseLock: TimeInterval = 15 * 60, maxLock: TimeInterval = 86_400, failureMemory: TimeInterval = 86_400) {
        self.maxFailures = max(1, maxFailures)
        self.baseLock = baseLock
        self.maxLock = max(baseLock, maxLock)
        self.failureMemory = failureMemory
    }

    /// Seconds until the factor may be tried again, nil when it is not locked.
    func retryAfter(_ state: FailureState, now: Date) -> Int? {
        guard let until = state.lockedUntil, until > now else { return nil }
        return max(1, Int(until.timeIntervalSince(now).rounded(.up)))
    }

    /// The state after one more wrong answer at `now`.
    func afterFailure(_ state: FailureState, now: Date) -> FailureState {
        var next = state
        if let last = state.lastFailureAt, now.timeIntervalSince(last) >= failureMemory, retryAfter(state, now: now) == nil {
            next = FailureState()
        }
        next.failures += 1
        next.lastFailureAt = now
        if next.failures >= maxFailures {
            next.lockouts += 1
            next.failures = 0
            next.lockedUntil = now.addingTimeInterval(lockDuration(lockouts: next.lockouts))
        }
        return next
    }

    /// How long the `lockouts`-th lock in a row lasts: `baseLock`, doubled each time, at most `maxLock`.
    func lockDuration(lockouts: Int) -> TimeInterval {
        min(maxLock, baseLock * pow(2, Double(min(30, max(0, lockouts - 1)))))
    }
}
