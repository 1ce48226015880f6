import DjobeaDomain
import Foundation

/// The calendar periods of `GET /provider/finance/earnings/{period}`: the current one in Douala time.
public enum EarningsPeriod: String, CaseIterable, Codable, Sendable {
    case week, month, quarter, year

    /// The period of this kind that contains `date`, half-open, from local midnight to local midnight.
    public func interval(containing date: Date) -> DateInterval {
        let calendar = DoualaCalendar()
        if self == .week { return calendar.thisWeek(now: date) }
        let (year, month) = Self.yearMonth(of: date)
        let (startMonth, length) =
            switch self {
            case .week, .month: (month, 1)
            case .quarter: ((month - 1) / 3 * 3 + 1, 3)
            case .year: (1, 12)
            }
        let endMonth = startMonth + length
        let start = Self.firstOfMonth(year: year, month: startMonth)
        let end = endMonth > 12 ? Self.firstOfMonth(year: year + 1, month: endMonth - 12) : Self.firstOfMonth(year: year, month: endMonth)
        return DateInterval(start: start, end: end)
    }

    /// The period just before `interval` (one of this kind).
    public func previous(_ interval: DateInterval) -> DateInterval {
        self.interval(containing: interval.start.addingTimeInterval(-1))
    }

    /// "Semaine du 23 novembre 2026", "Novembre 2026", "4e trimestre 2026", "Année 2026".
    public func labelFR(_ interval: DateInterval) -> String {
        let (year, month) = Self.yearMonth(of: interval.start)
        switch self {
        case .week:
            let day = Int(DoualaCalendar().dayKey(interval.start).suffix(2)) ?? 1
            return "Semaine du \(day == 1 ? "1er" : String(day)) \(Self.monthNamesFR[month - 1]) \(year)"
        case .month: return Self.monthLabelFR(year: year, month: month)
        case .quarter:
            let quarter = (month - 1) / 3 + 1
            return "\(quarter == 1 ? "1er" : "\(quarter)e") trimestre \(year)"
        case .year: return "Année \(year)"
        }
    }

    // MARK: - Months

    static let monthNamesFR = [
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ]

    /// "Novembre 2026".
    static func monthLabelFR(year: Int, month: Int) -> String {
        let name = monthNamesFR[max(0, min(11, month - 1))]
        return name.prefix(1).uppercased() + name.dropFirst() + " \(year)"
    }

    /// The local year and month (1...12) of `date`.
    static func yearMonth(of date: Date) -> (year: Int, month: Int) {
        let key = DoualaCalendar().monthKey(date)
        return (Int(key.prefix(4)) ?? 1970, Int(key.suffix(2)) ?? 1)
    }

    /// Local midnight of the first of a month.
    static func firstOfMonth(year: Int, month: Int) -> Date {
        let key = String(format: "%04d-%02d-01", year, month)
        return DoualaCalendar().startOfDay(dayKey: key) ?? Date(timeIntervalSince1970: 0)
    }
}

/// The rolling windows of `GET /provider/dashboard/chart-data/{period}`: the last N local days, today included.
public enum ChartPeriod: String, CaseIterable, Codable, Sendable {
    case days7 = "7d"
    case days30 = "30d"
    case days90 = "90d"

    public var days: Int {
        switch self {
        case .days7: 7
        case .days30: 30
        case .days90: 90
        }
    }
}

/// A period as the API shows it.
public struct PeriodRange: Codable, Sendable, Hashable {
    /// The period's code ("month", "30d").
    public var period: String
    /// UTC ISO, inclusive.
    public var start: String
    /// UTC ISO, exclusive.
    public var end: String
    public var label: String

    init(period: String, interval: DateInterval, label: String) {
        self.period = period
        self.start = UTCTimestamp.format(interval.start)
        self.end = UTCTimestamp.format(interval.end)
        self.label = label
    }
}
