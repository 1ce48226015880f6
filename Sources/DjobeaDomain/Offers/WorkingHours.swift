import Foundation

/// A provider's weekly working hours in Douala time, as stored in `provider_settings.working_hours`:
/// `{"start":"08:00","end":"18:00","days":[1,2,3,4,5]}` (1 = Monday … 7 = Sunday).
///
/// The window is half-open, `[start, end)`: with 08:00–18:00, 08:00 is in and 18:00 is out. An `end` earlier
/// than `start` is a night shift that runs past midnight and belongs to the day it starts on; `start == end`
/// means the whole day.
public struct WorkingHours: Hashable, Sendable {
    /// Minutes after local midnight, 0..<1440.
    public var start: Int
    /// Minutes after local midnight, 0...1440 ("24:00" is the end of the day).
    public var end: Int
    /// Local weekdays, 1 = Monday … 7 = Sunday.
    public var days: Set<Int>

    public init(start: Int, end: Int, days: Set<Int>) {
        self.start = start
        self.end = end
        self.days = days
    }

    /// The seed's example and the hours of a provider without settings: 08:00–18:00, Monday to Friday.
    public static let seedDefault = WorkingHours(start: 8 * 60, end: 18 * 60, days: [1, 2, 3, 4, 5])

    /// Parses the stored JSON; nil when a field is missing or out of range.
    public init?(json: String) {
        struct Stored: Decodable {
            var start: String
            var end: String
            var days: [Int]
        }
        guard let stored = try? JSONDecoder().decode(Stored.self, from: Data(json.utf8)),
            let start = Self.minutes(stored.start), start < 1440,
            let end = Self.minutes(stored.end),
            stored.days.allSatisfy({ (1...7).contains($0) })
        else { return nil }
        self.init(start: start, end: end, days: Set(stored.days))
    }

    /// The stored JSON form, days in order.
    public var json: String {
        "{\"start\":\"\(Self.clock(start))\",\"end\":\"\(Self.clock(end))\",\"days\":[\(days.sorted().map(String.init).joined(separator: ","))]}"
    }

    /// Whether `date` falls in the working hours, in Douala local time.
    public func contains(_ date: Date, calendar: DoualaCalendar = DoualaCalendar()) -> Bool {
        let day = calendar.weekday(date)
        let minute = Int(date.timeIntervalSince(calendar.startOfDay(date)) / 60)
        if start == end { return days.contains(day) }
        if start < end { return days.contains(day) && minute >= start && minute < end }
        // Night shift: the evening of a working day, or the small hours after one.
        let previous = day == 1 ? 7 : day - 1
        return (days.contains(day) && minute >= start) || (days.contains(previous) && minute < end)
    }

    /// "HH:MM" to minutes after midnight; "24:00" is allowed (1440).
    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), (0...24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        let total = hour * 60 + minute
        return total <= 1440 ? total : nil
    }

    static func clock(_ minutes: Int) -> String {
        let hour = minutes / 60
        let minute = minutes % 60
        return (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }
}
