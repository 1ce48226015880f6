import DjobeaDomain
import Foundation

/// A span of whole Douala calendar days chosen by the provider (`from`/`to` of the exports and of
/// `GET /provider/finance/earnings/custom`), both days included.
///
/// Limits: dates written `YYYY-MM-DD` and real; `from` ≤ `to`; at most `maxDays` (366) days, so a whole year fits,
/// leap or not; years 2000 to 2099. Any such span is accepted, past years and days still to come included (the
/// latter simply have nothing in them).
public struct StatementPeriod: Sendable, Hashable {
    /// `period` in the API's period ranges.
    public static let code = "custom"
    public static let maxDays = 366
    static let years = 2000...2099

    /// "2026-01-01".
    public let fromDay: String
    /// "2026-03-31" (included).
    public let toDay: String
    /// Local midnight of `fromDay` to local midnight after `toDay`.
    public let interval: DateInterval

    /// Why a span is refused, with the French message the API answers.
    public enum Problem: Error, Equatable, Sendable {
        case missing(String)
        case malformed(String)
        case reversed
        case tooLong
        case outOfRange(String)

        /// The query parameter at fault.
        public var parameter: String {
            switch self {
            case .missing(let name), .malformed(let name), .outOfRange(let name): name
            case .reversed, .tooLong: "to"
            }
        }

        public var messageFR: String {
            switch self {
            case .missing: "date obligatoire (AAAA-MM-JJ)"
            case .malformed: "date attendue au format AAAA-MM-JJ (par exemple 2026-01-31)"
            case .reversed: "la date de fin doit être le même jour que la date de début ou après"
            case .tooLong: "période de \(StatementPeriod.maxDays) jours au plus (une année entière)"
            case .outOfRange: "année entre \(StatementPeriod.years.lowerBound) et \(StatementPeriod.years.upperBound)"
            }
        }
    }

    /// Validates the `from` and `to` query texts.
    public init(from: String?, to: String?) throws(Problem) {
        guard let from, !from.isEmpty else { throw .missing("from") }
        guard let to, !to.isEmpty else { throw .missing("to") }
        let start = try Self.day(from, "from")
        let last = try Self.day(to, "to")
        guard start <= last else { throw .reversed }
        let days = Int((last.timeIntervalSince(start) / 86_400).rounded()) + 1
        guard days <= Self.maxDays else { throw .tooLong }
        self.init(fromDay: from, toDay: to, interval: DateInterval(start: start, end: last.addingTimeInterval(86_400)))
    }

    private init(fromDay: String, toDay: String, interval: DateInterval) {
        self.fromDay = fromDay
        self.toDay = toDay
        self.interval = interval
    }

    /// Local midnight of a `YYYY-MM-DD` text that names a real day of the accepted years.
    static func day(_ text: String, _ name: String) throws(Problem) -> Date {
        let calendar = DoualaCalendar()
        guard text.utf8.count == 10, text.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || (48...57).contains($0) }),
            let start = calendar.startOfDay(dayKey: text), calendar.dayKey(start) == text
        else { throw .malformed(name) }
        guard let year = Int(text.prefix(4)), years.contains(year) else { throw .outOfRange(name) }
        return start
    }

    /// Days in the span.
    public var dayCount: Int {
        Int((interval.duration / 86_400).rounded())
    }

    /// The span of the same number of days just before this one.
    public var previous: StatementPeriod {
        let calendar = DoualaCalendar()
        let start = interval.start.addingTimeInterval(-Double(dayCount) * 86_400)
        return StatementPeriod(
            fromDay: calendar.dayKey(start), toDay: calendar.dayKey(interval.start.addingTimeInterval(-86_400)),
            interval: DateInterval(start: start, end: interval.start))
    }

    /// "Du 1er janvier 2026 au 31 mars 2026".
    public var labelFR: String {
        "Du \(Self.longFR(fromDay)) au \(Self.longFR(toDay))"
    }

    static func longFR(_ dayKey: String) -> String {
        let parts = dayKey.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return dayKey }
        return "\(parts[2] == 1 ? "1er" : String(parts[2])) \(EarningsPeriod.monthNamesFR[parts[1] - 1]) \(parts[0])"
    }

    /// The local months the span touches, "2026-01"…, oldest first.
    var monthKeys: [String] {
        var keys: [String] = []
        let calendar = DoualaCalendar()
        var (year, month) = EarningsPeriod.yearMonth(of: interval.start)
        let last = calendar.monthKey(interval.end.addingTimeInterval(-1))
        while true {
            let key = String(format: "%04d-%02d", year, month)
            keys.append(key)
            if key >= last { break }
            (year, month) = month == 12 ? (year + 1, 1) : (year, month + 1)
        }
        return keys
    }
}
