import Foundation
import Testing

@testable import DjobeaDomain

/// A Douala local time (UTC+1) as a date.
func douala(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
    utc(year, month, day, hour, minute).addingTimeInterval(-3_600)
}

@Suite("Working hours")
struct OfferWorkingHoursTests {
    @Test func parsesTheSeedFormat() throws {
        let hours = try #require(WorkingHours(json: #"{"start": "08:00", "end": "18:00", "days": [1,2,3,4,5]}"#))
        #expect(hours == .seedDefault)
        #expect(hours.json == #"{"start":"08:00","end":"18:00","days":[1,2,3,4,5]}"#)
        #expect(WorkingHours(json: hours.json) == hours)
        #expect(WorkingHours(json: #"{"start":"07:30","end":"24:00","days":[]}"#) == WorkingHours(start: 450, end: 1440, days: []))
    }

    @Test(arguments: [
        #"{"start":"8:00","end":"18:00","days":[1]}"#,
        #"{"start":"08:00","end":"25:00","days":[1]}"#,
        #"{"start":"24:00","end":"18:00","days":[1]}"#,
        #"{"start":"08:60","end":"18:00","days":[1]}"#,
        #"{"start":"+8:00","end":"18:00","days":[1]}"#,
        #"{"start":"08:00","end":"18:00","days":[0]}"#,
        #"{"start":"08:00","end":"18:00","days":[8]}"#,
        #"{"start":"08:00","days":[1]}"#,
        #"not json"#,
    ])
    func refusesMalformedHours(_ json: String) {
        #expect(WorkingHours(json: json) == nil)
    }

    @Test(arguments: [
        // (local day and time, in hours for 08:00–18:00 Monday–Friday); 2026-11-25 is a Wednesday.
        (douala(2026, 11, 25, 7, 59), false),
        (douala(2026, 11, 25, 8, 0), true),
        (douala(2026, 11, 25, 12, 30), true),
        (douala(2026, 11, 25, 17, 59), true),
        (douala(2026, 11, 25, 18, 0), false),
        (douala(2026, 11, 25, 0, 0), false),
        (douala(2026, 11, 23, 8, 0), true),  // Monday
        (douala(2026, 11, 27, 17, 59), true),  // Friday
        (douala(2026, 11, 28, 10, 0), false),  // Saturday
        (douala(2026, 11, 29, 10, 0), false),  // Sunday
    ])
    func weekdayHours(_ date: Date, _ expected: Bool) {
        #expect(WorkingHours.seedDefault.contains(date) == expected)
    }

    @Test func hoursAreDoualaTimeNotUTC() {
        // 07:30 UTC is 08:30 in Douala: in hours, although 07:30 would not be.
        #expect(WorkingHours.seedDefault.contains(utc(2026, 11, 25, 7, 30)))
        // 17:30 UTC is 18:30 in Douala: out.
        #expect(!WorkingHours.seedDefault.contains(utc(2026, 11, 25, 17, 30)))
    }

    @Test func weekendWorkers() {
        let everyDay = WorkingHours(start: 8 * 60, end: 18 * 60, days: Set(1...7))
        #expect(everyDay.contains(douala(2026, 11, 28, 10)))
        #expect(everyDay.contains(douala(2026, 11, 29, 10)))
        let saturday = WorkingHours(start: 8 * 60, end: 18 * 60, days: [6])
        #expect(saturday.contains(douala(2026, 11, 28, 10)))
        #expect(!saturday.contains(douala(2026, 11, 27, 10)))
    }

    @Test(arguments: [
        // Night shift 20:00–06:00 starting on Fridays only.
        (douala(2026, 11, 27, 19, 59), false),
        (douala(2026, 11, 27, 20, 0), true),
        (douala(2026, 11, 27, 23, 59), true),
        (douala(2026, 11, 28, 0, 0), true),
        (douala(2026, 11, 28, 5, 59), true),
        (douala(2026, 11, 28, 6, 0), false),
        (douala(2026, 11, 26, 23, 0), false),  // Thursday night
        (douala(2026, 11, 27, 3, 0), false),  // Friday small hours belong to Thursday's shift
    ])
    func nightShiftBelongsToItsStartDay(_ date: Date, _ expected: Bool) {
        #expect(WorkingHours(start: 20 * 60, end: 6 * 60, days: [5]).contains(date) == expected)
    }

    @Test func equalStartAndEndMeansAllDay() {
        let allDay = WorkingHours(start: 0, end: 0, days: [3])
        #expect(allDay.contains(douala(2026, 11, 25, 0, 0)))
        #expect(allDay.contains(douala(2026, 11, 25, 23, 59)))
        #expect(!allDay.contains(douala(2026, 11, 26, 0, 0)))
    }
}
