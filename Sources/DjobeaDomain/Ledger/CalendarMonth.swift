import Foundation

/// A calendar month ("2026-12") and the local days in it, by civil arithmetic (no calendar, locale or time zone).
public struct CalendarMonth: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    /// 1...12.
    public let month: Int

    /// Years a goal may name: wide enough for any real month, narrow enough that the arithmetic never overflows.
    static let years = 2000...2999

    public init?(year: Int, month: Int) {
        guard Self.years.contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    /// Parses exactly "YYYY-MM" (four digits, a hyphen, two digits; month 01...12).
    public init?(key: String) {
        let bytes = Array(key.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"),
            bytes.enumerated().allSatisfy({ $0.offset == 4 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0.element) }),
            let year = Int(key.prefix(4)), let month = Int(key.suffix(2))
        else { return nil }
        self.init(year: year, month: month)
    }

    /// The month that contains `day`.
    public init(containing day: LocalDay) {
        let civil = UTCTimestamp.civil(fromDays: Int64(day.number))
        self.init(unchecked: civil.year, civil.month)
    }

    /// "2026-12".
    public var key: String {
        String(format: "%04d-%02d", year, month)
    }

    public var description: String { key }

    /// The first local day of the month.
    public var firstDay: LocalDay {
        LocalDay(number: UTCTimestamp.daysFromCivil(year: year, month: month, day: 1))
    }

    /// 28...31 (29 in February of a leap year).
    public var dayCount: Int {
        next.firstDay.number - firstDay.number
    }

    /// Every local day of the month, the first first.
    public var days: [LocalDay] {
        (0..<dayCount).map { LocalDay(number: firstDay.number + $0) }
    }

    /// Whether `day` falls in this month.
    public func contains(_ day: LocalDay) -> Bool {
        day.number >= firstDay.number && day.number < next.firstDay.number
    }

    /// The month after this one (December → January of the next year).
    public var next: CalendarMonth {
        let (year, month) = self.month == 12 ? (self.year + 1, 1) : (self.year, self.month + 1)
        return CalendarMonth(unchecked: year, month)
    }

    /// The month `count` months later (negative: earlier).
    public func adding(months count: Int) -> CalendarMonth {
        let index = year * 12 + (month - 1) + count
        return CalendarMonth(unchecked: index / 12, index % 12 + 1)
    }

    public static func < (lhs: CalendarMonth, rhs: CalendarMonth) -> Bool {
        (lhs.year, lhs.month) < (rhs.year, rhs.month)
    }

    private init(unchecked year: Int, _ month: Int) {
        self.year = year
        self.month = month
    }
}

/// A local date, as a day number since 1970-01-01 (the Douala calendar's day keys).
public struct LocalDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let number: Int

    public init(number: Int) {
        self.number = number
    }

    /// The Douala day that contains `date`.
    public init(containing date: Date) {
        self.init(number: Int(DoualaCalendar.localDay(of: date)))
    }

    /// Parses a day key "2026-12-07"; nil when it is not a real date.
    public init?(key: String) {
        guard key.utf8.count == 10, let midnight = UTCTimestamp.parse(key + "T00:00:00Z") else { return nil }
        self.init(number: Int((midnight.timeIntervalSince1970 / 86_400).rounded(.down)))
    }

    /// "2026-12-07".
    public var key: String {
        let civil = UTCTimestamp.civil(fromDays: Int64(number))
        return String(format: "%04d-%02d-%02d", civil.year, civil.month, civil.day)
    }

    public var description: String { key }

    /// 1 = Monday ... 7 = Sunday (as `DoualaCalendar.weekday`).
    public var weekday: Int {
        // Day 0 (1970-01-01) was a Thursday, index 3 when Monday is 0.
        let index = (number + 3) % 7
        return (index < 0 ? index + 7 : index) + 1
    }

    public static func < (lhs: LocalDay, rhs: LocalDay) -> Bool { lhs.number < rhs.number }
}
