import DjobeaDomain
import Foundation

/// Wrong ops passwords per client address in a sliding window: past `limit`, every attempt from that address is
/// refused (429) until the oldest failure leaves the window, whether the password would have been right or not, so
/// that the answer is no oracle.
final class OpsLoginThrottle: Sendable {
    let limit: Int
    let window: TimeInterval
    private let failures = LockedValue([String: [Date]]())
    /// Bounds memory under a flood of addresses.
    private let maximumKeys = 10_000

    init(limit: Int = 5, window: TimeInterval = 60) {
        self.limit = limit
        self.window = window
    }

    /// Seconds to wait before `address` may try again, or nil if it may try now.
    func retryAfter(_ address: String, now: Date = Date()) -> Int? {
        failures.withLock { failures in
            let recent = (failures[address] ?? []).filter { now.timeIntervalSince($0) < window }
            failures[address] = recent.isEmpty ? nil : recent
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up)))
        }
    }

    /// Checks and counts an attempt in one step (parallel attempts cannot all slip under the limit): nil when
    /// `address` may try now — the attempt then counts as a failure until `forgive` — else the seconds to wait.
    func reserve(_ address: String, now: Date = Date()) -> Int? {
        if let wait = retryAfter(address, now: now) { return wait }
        return failures.withLock { failures -> Int? in
            let recent = (failures[address] ?? []).filter { now.timeIntervalSince($0) < window }
            if recent.count >= limit, let oldest = recent.first { return max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up))) }
            if failures[address] == nil, failures.count >= maximumKeys {
                failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
                if failures.count >= maximumKeys,
                    let stalest = failures.min(by: { ($0.value.last ?? .distantPast) < ($1.value.last ?? .distantPast) })
                {
                    failures[stalest.key] = nil
                }
            }
            failures[address] = recent + [now]
            return nil
        }
    }

    /// Takes back the attempt `reserve` counted: the password was right.
    func forgive(_ address: String) {
        failures.withLock { failures in
            guard var recent = failures[address], !recent.isEmpty else { return }
            recent.removeLast()
            failures[address] = recent.isEmpty ? nil : recent
        }
    }
}
