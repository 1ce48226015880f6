import DjobeaDomain
import Foundation

/// The answer of a rate limiter for one request.
public enum RateDecision: Sendable, Equatable {
    case allowed
    /// Refused; a token will be there in this many seconds (for `Retry-After`).
    case limited(retryAfter: Int)
}

/// A token bucket: holds up to `limit.count` tokens, refilled continuously at `count / period` per second; a
/// request takes one. A pure value: the decision depends only on its state and the time given.
public struct TokenBucket: Sendable, Equatable {
    public let limit: RateLimit
    public private(set) var tokens: Double
    public private(set) var updatedAt: Date

    /// A full bucket.
    public init(limit: RateLimit, now: Date) {
        self.limit = limit
        tokens = Double(limit.count)
        updatedAt = now
    }

    private var refillPerSecond: Double { Double(limit.count) / limit.period }

    /// Takes a token if there is one.
    public mutating func take(now: Date) -> RateDecision {
        refill(now: now)
        if tokens >= 1 {
            tokens -= 1
            return .allowed
        }
        return .limited(retryAfter: max(1, Int(((1 - tokens) / refillPerSecond).rounded(.up))))
    }

    /// Whether the bucket would be full at `now`: an idle key that may be forgotten.
    public func isFull(at now: Date) -> Bool {
        tokens + max(0, now.timeIntervalSince(updatedAt)) * refillPerSecond >= Double(limit.count)
    }

    private mutating func refill(now: Date) {
        let elapsed = now.timeIntervalSince(updatedAt)
        // A clock that steps back neither refills nor drains.
        guard elapsed > 0 else { return }
        tokens = min(Double(limit.count), tokens + elapsed * refillPerSecond)
        updatedAt = now
    }
}

/// Per-key token buckets for the HTTP layer: keys such as `ip:<addr>` and `provider:<id>`.
///
/// Lock-protected rather than an actor so that a request pays no hop. Memory is bounded: past `maximumKeys`,
/// idle keys (full buckets) are forgotten, then the least recently used.
public final class RateLimiter: Sendable {
    public let limit: RateLimit
    private let maximumKeys: Int
    private let clock: @Sendable () -> Date
    private let buckets = LockedValue([String: TokenBucket]())

    public init(limit: RateLimit, maximumKeys: Int = 50_000, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.limit = limit
        self.maximumKeys = max(1, maximumKeys)
        self.clock = clock
    }

    /// Takes a token for `key`.
    public func check(_ key: String) -> RateDecision {
        let now = clock()
        return buckets.withLock { buckets in
            if buckets[key] == nil && buckets.count >= maximumKeys { Self.evict(&buckets, now: now, keeping: maximumKeys / 2) }
            var bucket = buckets[key] ?? TokenBucket(limit: limit, now: now)
            let decision = bucket.take(now: now)
            buckets[key] = bucket
            return decision
        }
    }

    /// How many keys are tracked (for tests and metrics).
    public var trackedKeys: Int { buckets.withLock { $0.count } }

    private static func evict(_ buckets: inout [String: TokenBucket], now: Date, keeping target: Int) {
        buckets = buckets.filter { !$0.value.isFull(at: now) }
        guard buckets.count > target else { return }
        let recent = buckets.sorted { $0.value.updatedAt > $1.value.updatedAt }.prefix(target)
        buckets = Dictionary(uniqueKeysWithValues: recent.map { ($0.key, $0.value) })
    }
}
