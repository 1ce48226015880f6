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

    /// Counts one wrong password from `address`.
    func recordFailure(_ address: String, now: Date = Date()) {
        failures.withLock { failures in
            if failures[address] == nil, failures.count >= maximumKeys {
                failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
                if failures.count >= maximumKeys { failures.removeAll() }
            }
            failures[address, default: []].append(now)
        }
    }
}
