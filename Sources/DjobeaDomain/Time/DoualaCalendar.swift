import Foundation

/// Local calendar periods in Douala (UTC+1, no daylight saving), computed by fixed-offset arithmetic.
///
/// "Today", "this week" and the day keys of charts are Douala days whatever the server's own time zone
/// or locale. Intervals are half-open: `[start, end)`; use `contains(_:_:)` rather than
/// `DateInterval.contains`, which also accepts `end`.
public struct DoualaCalendar: Sendable {
    /// Africa/Douala: West Africa Time, UTC+1 all year.
    public static let timeZone: TimeZone = TimeZone(secondsFromGMT: utcOffset) ?? .gmt

    /// The fixed offset from UTC, in seconds.
    public static let utcOffset = 3_600

    static let secondsPerDay = 86_400

    public init() {}

    // MARK: - Periods

    /// Local midnight of the Douala day that contains `date`.
    public func startOfDay(_ date: Date) -> Date {
        Self.date(fromLocalDay: Self.localDay(of: date))
    }

    /// The Douala day that contains `now`.
    public func today(now: Date) -> DateInterval {
        days(from: Self.localDay(of: now), count: 1)
    }

    /// Monday 00:00 local to the next Monday 00:00.
    public func thisWeek(now: Date) -> DateInterval {
        let day = Self.localDay(of: now)
        return days(from: day - Int64(weekday(now) - 1), count: 7)
    }

    /// The first of the local month 00:00 to the first of the next month.
    public func thisMonth(now: Date) -> DateInterval {
        let civil = UTCTimestamp.civil(fromDays: Self.localDay(of: now))
        let first = UTCTimestamp.daysFromCivil(year: civil.year, month: civil.month, day: 1)
        let next =
            civil.month == 12
            ? UTCTimestamp.daysFromCivil(year: civil.year + 1, month: 1, day: 1)
            : UTCTimestamp.daysFromCivil(year: civil.year, month: civil.month + 1, day: 1)
        return days(from: Int64(first), count: next - first)
    }

    /// `count` whole local days ending at the end of today: `lastDays(1, now:)` is `today(now:)`.
    ///
    /// A `count` below 1 gives an empty interval at the end of today.
    public func lastDays(_ count: Int, now: Date) -> DateInterval {
        let clamped = max(0, count)
        return days(from: Self.localDay(of: now) + 1 - Int64(clamped), count: clamped)
    }

    /// The last 30 local days, today included.
    public func last30Days(now: Date) -> DateInterval {
        lastDays(30, now: now)
    }

    /// Whether `date` lies in the half-open interval `[interval.start, interval.end)`.
    public func contains(_ interval: DateInterval, _ date: Date) -> Bool {
        date >= interval.start && date < interval.end
    }

    // MARK: - Components

    /// The local day as "2026-11-25".
    public func dayKey(_ date: Date) -> String {
        let civil = UTCTimestamp.civil(fromDays: Self.localDay(of: date))
        return Self.pad(civil.year, 4) + "-" + Self.pad(civil.month, 2) + "-" + Self.pad(civil.day, 2)
    }

    /// The local month as "2026-11".
    public func monthKey(_ date: Date) -> String {
        let civil = UTCTimestamp.civil(fromDays: Self.localDay(of: date))
        return Self.pad(civil.year, 4) + "-" + Self.pad(civil.month, 2)
    }

    /// The local day of the week: 1 = Monday ... 7 = Sunday.
    public func weekday(_ date: Date) -> Int {
        // Day 0 (1970-01-01) was a Thursday, index 3 when Monday is 0.
        let index = (Self.localDay(of: date) + 3) % 7
        return Int(index < 0 ? index + 7 : index) + 1
    }

    /// The local hour, 0...23.
    public func hour(_ date: Date) -> Int {
        let seconds = Self.localSeconds(of: date)
        let ofDay = seconds - Self.floorDiv(seconds, Int64(Self.secondsPerDay)) * Int64(Self.secondsPerDay)
        return Int(ofDay / 3_600)
    }

    /// Local midnight of a day key such as "2026-11-25", or nil when the key is not a real date.
    public func startOfDay(dayKey: String) -> Date? {
        guard let midnightUTC = UTCTimestamp.parse(dayKey + "T00:00:00Z") else { return nil }
        return midnightUTC.addingTimeInterval(-TimeInterval(Self.utcOffset))
    }

    // MARK: - Arithmetic

    /// Days since 1970-01-01 of the local date of `date`.
    static func localDay(of date: Date) -> Int64 {
        floorDiv(localSeconds(of: date), Int64(secondsPerDay))
    }

    static func localSeconds(of date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(utcOffset)
    }

    static func date(fromLocalDay day: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(day * Int64(secondsPerDay) - Int64(utcOffset)))
    }

    private func days(from day: Int64, count: Int) -> DateInterval {
        DateInterval(start: Self.date(fromLocalDay: day), duration: TimeInterval(count * Self.secondsPerDay))
    }

    private static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : (value - divisor + 1) / divisor
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
