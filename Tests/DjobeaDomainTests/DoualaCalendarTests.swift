import Foundation
import Testing

@testable import DjobeaDomain

@Suite struct DoualaCalendarTests {
    let calendar = DoualaCalendar()

    @Test func timeZoneIsFixedUTCPlusOne() {
        #expect(DoualaCalendar.timeZone.secondsFromGMT(for: utc(2026, 1, 15)) == 3_600)
        #expect(DoualaCalendar.timeZone.secondsFromGMT(for: utc(2026, 7, 15)) == 3_600)
    }

    @Test(arguments: [
        // (UTC instant, local day key, local hour, weekday 1 = Monday)
        (utc(2026, 11, 25, 8, 30), "2026-11-25", 9, 3),
        (utc(2026, 11, 25, 22, 59, 59), "2026-11-25", 23, 3),
        (utc(2026, 11, 25, 23, 0), "2026-11-26", 0, 4),
        (utc(2026, 11, 25, 23, 30), "2026-11-26", 0, 4),
        (utc(2026, 11, 29, 22, 59), "2026-11-29", 23, 7),
        (utc(2026, 11, 29, 23, 0), "2026-11-30", 0, 1),
        (utc(2026, 12, 31, 23, 30), "2027-01-01", 0, 5),
        (utc(2024, 2, 28, 23, 15), "2024-02-29", 0, 4),
        (utc(2026, 2, 28, 23, 15), "2026-03-01", 0, 7),
        (utc(1970, 1, 1, 0, 0), "1970-01-01", 1, 4),
        (utc(1969, 12, 31, 22, 0), "1969-12-31", 23, 3),
    ])
    func localComponents(_ date: Date, dayKey: String, hour: Int, weekday: Int) {
        #expect(calendar.dayKey(date) == dayKey)
        #expect(calendar.hour(date) == hour)
        #expect(calendar.weekday(date) == weekday)
        #expect(calendar.monthKey(date) == String(dayKey.prefix(7)))
    }

    @Test(arguments: [
        (utc(2026, 11, 25, 8, 30), utc(2026, 11, 24, 23)),
        (utc(2026, 11, 25, 23, 30), utc(2026, 11, 25, 23)),
        (utc(2026, 11, 25, 23, 0), utc(2026, 11, 25, 23)),
        (utc(2026, 11, 25, 22, 59, 59), utc(2026, 11, 24, 23)),
    ])
    func startOfDayIsLocalMidnight(_ date: Date, expected: Date) {
        #expect(calendar.startOfDay(date) == expected)
        #expect(calendar.today(now: date) == DateInterval(start: expected, duration: 86_400))
    }

    @Test(arguments: [
        // (now, expected Monday 00:00 local as UTC)
        (utc(2026, 11, 25, 8), utc(2026, 11, 22, 23)),  // Wednesday
        (utc(2026, 11, 22, 23, 0), utc(2026, 11, 22, 23)),  // Monday 00:00 local
        (utc(2026, 11, 22, 22, 59), utc(2026, 11, 15, 23)),  // Sunday 23:59 local
        (utc(2026, 11, 29, 22, 59), utc(2026, 11, 22, 23)),  // Sunday 23:59 local
        (utc(2026, 11, 29, 23, 30), utc(2026, 11, 29, 23)),  // already Monday locally
        (utc(2026, 12, 31, 12), utc(2026, 12, 27, 23)),  // week across the new year
    ])
    func weekRunsMondayToMonday(now: Date, monday: Date) {
        let week = calendar.thisWeek(now: now)
        #expect(week.start == monday)
        #expect(week.duration == 7 * 86_400)
        #expect(calendar.weekday(week.start) == 1)
        #expect(calendar.contains(week, now))
    }

    @Test(arguments: [
        // (now, first of month local as UTC, days in month)
        (utc(2026, 11, 25, 8), utc(2026, 10, 31, 23), 30),
        (utc(2026, 11, 30, 23, 30), utc(2026, 11, 30, 23), 31),  // already 1 December locally
        (utc(2026, 12, 31, 22), utc(2026, 11, 30, 23), 31),
        (utc(2026, 12, 31, 23), utc(2026, 12, 31, 23), 31),  // already January 2027
        (utc(2024, 2, 10), utc(2024, 1, 31, 23), 29),
        (utc(2026, 2, 10), utc(2026, 1, 31, 23), 28),
        (utc(2100, 2, 10), utc(2100, 1, 31, 23), 28),
        (utc(2000, 2, 10), utc(2000, 1, 31, 23), 29),
    ])
    func monthRunsFromTheFirstToTheNextFirst(now: Date, first: Date, days: Int) {
        let month = calendar.thisMonth(now: now)
        #expect(month.start == first)
        #expect(month.duration == TimeInterval(days * 86_400))
        #expect(calendar.dayKey(month.start).hasSuffix("-01"))
        #expect(calendar.dayKey(month.end).hasSuffix("-01"))
        #expect(calendar.contains(month, now))
    }

    @Test(arguments: [1, 2, 7, 30, 365])
    func lastDaysEndWithToday(count: Int) {
        let now = utc(2026, 11, 25, 23, 30)  // 26 November locally
        let interval = calendar.lastDays(count, now: now)
        #expect(interval.end == calendar.today(now: now).end)
        #expect(interval.duration == TimeInterval(count * 86_400))
        #expect(calendar.startOfDay(interval.start) == interval.start)
        #expect(calendar.contains(interval, now))
    }

    @Test func lastDaysSpecialCases() {
        let now = utc(2026, 3, 1, 10)
        #expect(calendar.lastDays(1, now: now) == calendar.today(now: now))
        #expect(calendar.last30Days(now: now) == calendar.lastDays(30, now: now))
        #expect(calendar.dayKey(calendar.last30Days(now: now).start) == "2026-01-31")
        #expect(calendar.lastDays(0, now: now).duration == 0)
        #expect(calendar.lastDays(-3, now: now).duration == 0)
    }

    @Test func intervalsAreHalfOpen() {
        let today = calendar.today(now: utc(2026, 11, 25, 12))
        #expect(calendar.contains(today, today.start))
        #expect(!calendar.contains(today, today.end))
        #expect(!calendar.contains(today, today.start.addingTimeInterval(-0.001)))
    }

    @Test(arguments: [
        ("2026-11-25", utc(2026, 11, 24, 23) as Date?),
        ("2024-02-29", utc(2024, 2, 28, 23) as Date?),
        ("2026-02-29", nil),
        ("2026-11-25T00:00", nil),
        ("", nil),
    ])
    func startOfDayFromKey(_ key: String, expected: Date?) {
        #expect(calendar.startOfDay(dayKey: key) == expected)
        if let expected { #expect(calendar.dayKey(expected) == key) }
    }

    @Test func everyHourOfAYearMapsConsistently() {
        // Walk 2026 hour by hour: day keys never go back, and change exactly at local midnight.
        var previousKey = calendar.dayKey(utc(2025, 12, 31, 22))
        var date = utc(2025, 12, 31, 23)
        var days = 0
        while date < utc(2026, 12, 31, 23) {
            let key = calendar.dayKey(date)
            if key != previousKey {
                days += 1
                #expect(calendar.hour(date) == 0)
                #expect(key > previousKey)
            }
            previousKey = key
            date = date.addingTimeInterval(3_600)
        }
        #expect(days == 365)
    }
}
