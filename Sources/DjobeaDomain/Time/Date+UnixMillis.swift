import Foundation

extension Date {
    /// Whole milliseconds since 1970, rounded down.
    ///
    /// `Date` stores seconds since 2001 as a `Double`, so `Date(timeIntervalSince1970: 0.4)` reads back as
    /// 0.39999…: flooring that directly loses a millisecond. Rounding to the microsecond first makes every
    /// millisecond value round-trip exactly.
    public var unixMillis: Int64 {
        let micros = (timeIntervalSince1970 * 1_000_000).rounded()
        // Far beyond any real date; clamped so that a corrupt value cannot trap.
        guard micros.magnitude < 9.0e18 else { return micros < 0 ? Int64.min / 1_000 : Int64.max / 1_000 }
        let value = Int64(micros)
        return value >= 0 ? value / 1_000 : (value - 999) / 1_000
    }

    /// The date `millis` milliseconds after 1970-01-01T00:00:00Z.
    public init(unixMillis millis: Int64) {
        self.init(timeIntervalSince1970: Double(millis) / 1_000)
    }
}
