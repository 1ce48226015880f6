import DjobeaTestSupport
import Foundation
import Testing

@testable import DjobeaDomain

@Suite struct UTCTimestampTests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1_795_854_600.0, "2026-11-28T08:30:00.000Z"),
        (1_795_854_600.5, "2026-11-28T08:30:00.500Z"),
        (1_795_854_600.999, "2026-11-28T08:30:00.999Z"),
        (951_782_400.0, "2000-02-29T00:00:00.000Z"),
        (1_798_761_599.0, "2026-12-31T23:59:59.000Z"),
        (-1.0, "1969-12-31T23:59:59.000Z"),
        (-0.001, "1969-12-31T23:59:59.999Z"),
    ])
    func formats(_ seconds: TimeInterval, _ text: String) {
        #expect(UTCTimestamp.format(Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test(arguments: [
        "2026-11-28T08:30:00.000Z", "2024-02-29T23:59:59.999Z", "1970-01-01T00:00:00.000Z", "2099-12-31T12:00:00.001Z",
    ])
    func roundTrips(_ text: String) throws {
        let date = try #require(UTCTimestamp.parse(text))
        #expect(UTCTimestamp.format(date) == text)
    }

    @Test func parsesWithoutFraction() {
        #expect(UTCTimestamp.parse("2026-11-28T08:30:00Z") == Date(timeIntervalSince1970: 1_795_854_600))
    }

    @Test("the digit-by-digit format writes what String(format:) writes, over four centuries and every millisecond digit")
    func formatMatchesPrintf() {
        var random = SeededRandom(seed: 2026)
        for _ in 0..<20_000 {
            let millis = Int64.random(in: -2_208_988_800_000...16_725_225_599_999, using: &random)  // 1900 … 2499
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            let millisOfDate = date.unixMillis
            let seconds = millisOfDate >= 0 ? millisOfDate / 1000 : (millisOfDate - 999) / 1000
            let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
            let parts = UTCTimestamp.civil(fromDays: days)
            let secondOfDay = seconds - days * 86_400
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.year, parts.month, parts.day, Int(secondOfDay / 3600),
                Int(secondOfDay % 3600 / 60), Int(secondOfDay % 60), Int(millisOfDate - seconds * 1000))
            #expect(UTCTimestamp.format(date) == expected)
        }
    }

    @Test func formatTruncatesToTheMillisecond() {
        let date = Date(timeIntervalSince1970: 1_795_854_600.123_9)
        #expect(UTCTimestamp.format(date) == "2026-11-28T08:30:00.123Z")
    }

    @Test func textOrderIsTimeOrder() {
        var rng = SeededRandom(seed: 11)
        let dates = (0..<200).map { _ in Date(timeIntervalSince1970: Double.random(in: 0..<4_000_000_000, using: &rng)) }
        let byText = dates.sorted { UTCTimestamp.format($0) < UTCTimestamp.format($1) }.map(UTCTimestamp.format)
        let byTime = dates.sorted().map(UTCTimestamp.format)
        #expect(byText == byTime)
    }

    @Test(arguments: [
        "",
        "2026-11-28",
        "2026-11-28T08:30:00.000",
        "2026-11-28T08:30:00.000+01:00",
        "2026-11-28 08:30:00.000Z",
        "2026/11/28T08:30:00.000Z",
        "2026-13-28T08:30:00.000Z",
        "2026-00-28T08:30:00.000Z",
        "2026-11-00T08:30:00.000Z",
        "2026-11-31T08:30:00.000Z",
        "2026-02-29T08:30:00.000Z",
        "2100-02-29T08:30:00.000Z",
        "2026-11-28T24:00:00.000Z",
        "2026-11-28T08:60:00.000Z",
        "2026-11-28T08:30:60.000Z",
        "2026-11-28T08:30:00,000Z",
        "2026-11-28T08:30:00.0a0Z",
        "２026-11-28T08:30:00.000Z",
        "2026-11-28T08:30:00.00Z",
    ])
    func rejects(_ text: String) {
        #expect(UTCTimestamp.parse(text) == nil)
    }

    @Test(arguments: [(2024, 2, 29), (2000, 2, 29), (2026, 12, 31), (1970, 1, 1), (2026, 3, 1)])
    func civilDaysRoundTrip(year: Int, month: Int, day: Int) {
        let days = UTCTimestamp.daysFromCivil(year: year, month: month, day: day)
        #expect(UTCTimestamp.civil(fromDays: Int64(days)) == (year, month, day))
    }
}

@Suite struct UnixMillisTests {
    @Test(arguments: [0, 1, 400, 999, 1_000, -1, -400, 1_795_854_600_123, 1_795_854_600_999, -86_400_001] as [Int64])
    func millisecondsRoundTripExactly(_ millis: Int64) {
        #expect(Date(unixMillis: millis).unixMillis == millis)
        #expect(HLC(date: HLC(wallMillis: millis).date).wallMillis == millis)
    }

    @Test func floorsSubMillisecondParts() {
        #expect(Date(timeIntervalSince1970: 1.000_9).unixMillis == 1_000)
        #expect(Date(timeIntervalSince1970: -0.000_5).unixMillis == -1)
    }
}
