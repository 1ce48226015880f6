import Foundation

/// A request budget: at most `count` requests per `period`, as written in `RATE_LIMIT_PROVIDER` ("100/minute").
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    public let count: Int
    /// The period, in seconds.
    public let period: TimeInterval

    public init(count: Int, period: TimeInterval) {
        self.count = count
        self.period = period
    }

    /// The seed's default: 100 requests a minute.
    public static let defaultProvider = RateLimit(count: 100, period: 60)

    /// Parses "N/second", "N/minute" or "N/hour" (also "N/s", "N/min", "N/h"); nil for anything else.
    public static func parse(_ text: String) -> RateLimit? {
        let parts = text.trimmingCharacters(in: .whitespaces).lowercased().split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int(parts[0].trimmingCharacters(in: .whitespaces)), count > 0, count <= 1_000_000
        else { return nil }
        let period: TimeInterval
        switch parts[1].trimmingCharacters(in: .whitespaces) {
        case "second", "seconde", "s", "sec": period = 1
        case "minute", "min": period = 60
        case "hour", "heure", "h": period = 3600
        default: return nil
        }
        return RateLimit(count: count, period: period)
    }

    public var description: String {
        switch period {
        case 1: "\(count)/second"
        case 60: "\(count)/minute"
        case 3600: "\(count)/hour"
        default: "\(count)/\(Int(period))s"
        }
    }
}
