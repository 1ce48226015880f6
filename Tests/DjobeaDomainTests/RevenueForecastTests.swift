import DjobeaTestSupport
import Foundation
import Testing

@testable import DjobeaDomain

/// A day key as a `LocalDay` (the tests' keys are real dates).
private func day(_ key: String) throws -> LocalDay {
    try #require(LocalDay(key: key))
}

private func month(_ key: String) throws -> CalendarMonth {
    try #require(CalendarMonth(key: key))
}

/// `count` days of history ending the day before `today`, each weekday's amount from `amount`.
private func history(before today: LocalDay, count: Int = 90, _ amount: (Int) -> Int) -> [DayRevenue] {
    (1...count).map { offset in
        let day = LocalDay(number: today.number - offset)
        return DayRevenue(day: day, amount: XAF(amount(day.weekday)))
    }
}

@Suite("Calendar months and local days: the days a goal's month has")
struct CalendarMonthTests {
    @Test(
        "a month key is exactly YYYY-MM with a real month",
        arguments: ["2026-13", "2026-00", "2026-1", "26-12", "2026/12", "2026-12-01", "", "abcd-ef", "1999-12"])
    func refusesMalformedKeys(_ key: String) {
        #expect(CalendarMonth(key: key) == nil)
    }

    @Test(
        "months have their real length, leap years included",
        arguments: [
            ("2026-01", 31), ("2026-02", 28), ("2028-02", 29), ("2000-02", 29), ("2100-02", 28), ("2026-04", 30), ("2026-12", 31),
        ])
    func lengths(_ key: String, _ length: Int) throws {
        let parsed = try month(key)
        #expect(parsed.dayCount == length)
        #expect(parsed.days.count == length)
        #expect(parsed.days.first?.key == key + "-01")
        #expect(parsed.days.last?.key == key + "-" + String(length))
    }

    @Test("December is followed by January of the next year; adding months crosses years both ways")
    func arithmetic() throws {
        #expect(try month("2026-12").next.key == "2027-01")
        #expect(try month("2026-12").adding(months: 12).key == "2027-12")
        #expect(try month("2026-01").adding(months: -1).key == "2025-12")
        #expect(try month("2026-03").adding(months: -14).key == "2025-01")
        #expect(try month("2026-11") < month("2026-12"))
        #expect(try month("2026-12") < month("2027-01"))
    }

    @Test("a local day knows its weekday (Monday = 1) and the month it is in")
    func localDays() throws {
        #expect(try day("2026-12-07").weekday == 1)
        #expect(try day("2026-12-13").weekday == 7)
        #expect(try day("2028-02-29").weekday == 2)
        #expect(LocalDay(key: "2026-02-29") == nil)
        #expect(try CalendarMonth(containing: day("2028-02-29")).key == "2028-02")
        // 23:30 UTC on 31 December is already 1 January in Douala.
        #expect(LocalDay(containing: utc(2026, 12, 31, 23, 30)).key == "2027-01-01")
        #expect(try month("2026-12").contains(day("2026-12-31")))
        #expect(try !month("2026-12").contains(day("2027-01-01")))
    }
}

@Suite("Revenue forecast: a month projected from the provider's own weekdays")
struct RevenueForecastTests {
    @Test("weekday seasonality: each remaining day adds its weekday's mean, and a steady history gives no range")
    func seasonality() throws {
        let today = try day("2026-12-07")  // a Monday
        let past = history(before: today) { $0 == 2 ? 4_500 : $0 == 6 ? 12_000 : 0 }
        let forecast = RevenueForecast.project(
            month: try month("2026-12"), today: today, history: past, earned: XAF(30_000), earnedToday: .zero)
        #expect(forecast.historyDays == 90)
        #expect(forecast.weekdays.map(\.mean) == [0, 4_500, 0, 0, 0, 12_000, 0].map(XAF.init))
        #expect(forecast.weekdays.map(\.spread).allSatisfy { $0 == .zero })
        #expect(forecast.weekdays.map(\.days).reduce(0, +) == 90)
        // 7...31 December: Tuesdays 8, 15, 22, 29; Saturdays 12, 19, 26.
        #expect(forecast.remainingDays.count == 25)
        #expect(forecast.expectedRemaining == XAF(4 * 4_500 + 3 * 12_000))
        #expect(forecast.projection == XAF(30_000 + 54_000))
        #expect(forecast.low == forecast.projection)
        #expect(forecast.high == forecast.projection)
    }

    @Test("the spread is each weekday's sample standard deviation, and the range is ±1.28 of them")
    func spreadAndRange() throws {
        let today = try day("2026-12-07")
        // Two weeks: the Tuesdays earned 2 000 and 6 000, every other day nothing.
        let past = history(before: today, count: 14) { _ in 0 }.map { entry in
            guard entry.day.weekday == 2 else { return entry }
            return DayRevenue(day: entry.day, amount: XAF(entry.day.key == "2026-12-01" ? 2_000 : 6_000))
        }
        // Looking at December's last day only: a Thursday, no revenue on Thursdays, no range.
        let lastDay = RevenueForecast.project(
            month: try month("2026-12"), today: try day("2026-12-31"), history: past, earned: XAF(1_000), earnedToday: .zero)
        #expect(lastDay.projection == XAF(1_000))
        let forecast = RevenueForecast.project(month: try month("2026-12"), today: today, history: past, earned: .zero, earnedToday: .zero)
        let tuesday = forecast.weekdays[1]
        #expect(tuesday.days == 2)
        #expect(tuesday.mean == XAF(4_000))
        #expect(tuesday.spread == XAF(2_828))  // sqrt(8 000 000)
        // Four Tuesdays left: the variances add, sd = sqrt(4 × 8 000 000) = 5 657; half-range 1.2816 × 5 657 = 7 250.
        #expect(forecast.projection == XAF(16_000))
        #expect(forecast.high == XAF(16_000 + 7_250))
        #expect(forecast.low == XAF(16_000 - 7_250))
    }

    @Test("no history: the projection is what is already received, the range is that one amount, and the method says so")
    func emptyHistory() throws {
        let forecast = RevenueForecast.project(
            month: try month("2026-12"), today: try day("2026-12-07"), history: [], earned: XAF(25_000), earnedToday: XAF(5_000))
        #expect(forecast.historyDays == 0)
        #expect(forecast.projection == XAF(25_000))
        #expect(forecast.low == XAF(25_000))
        #expect(forecast.high == XAF(25_000))
        #expect(forecast.methodFR.hasPrefix("Pas encore d'historique"))
        #expect(forecast.methodFR.contains("25\u{202F}000\u{00A0}FCFA"))
        #expect(forecast.outlook(target: XAF(100_000)) == .outOfReach)
        #expect(forecast.chancePercent(target: XAF(100_000)) == 0)
        #expect(forecast.chancePercent(target: XAF(20_000)) == 100)
    }

    @Test("history is the 90 days before today: today, later days, older days and a repeated day are not read")
    func historyWindow() throws {
        let today = try day("2026-12-07")
        var past = history(before: today) { _ in 1_000 }
        past.append(DayRevenue(day: today, amount: XAF(1_000_000)))
        past.append(DayRevenue(day: LocalDay(number: today.number + 3), amount: XAF(1_000_000)))
        past.append(DayRevenue(day: LocalDay(number: today.number - 91), amount: XAF(1_000_000)))
        past.append(DayRevenue(day: LocalDay(number: today.number - 1), amount: XAF(1_000_000)))
        let forecast = RevenueForecast.project(month: try month("2026-12"), today: today, history: past, earned: .zero, earnedToday: .zero)
        #expect(forecast.historyDays == 90)
        #expect(forecast.weekdays.allSatisfy { $0.mean == XAF(1_000) })
    }

    @Test("today counts for what it still lacks to reach its weekday's mean, never less than nothing")
    func todayRemainder() throws {
        let today = try day("2026-12-31")  // a Thursday, the month's last day
        let past = history(before: today) { $0 == 4 ? 10_000 : 0 }
        let morning = RevenueForecast.project(month: try month("2026-12"), today: today, history: past, earned: XAF(50_000), earnedToday: XAF(4_000))
        #expect(morning.remainingDays == [today])
        #expect(morning.expectedRemaining == XAF(6_000))
        #expect(morning.projection == XAF(56_000))
        let evening = RevenueForecast.project(
            month: try month("2026-12"), today: today, history: past, earned: XAF(65_000), earnedToday: XAF(15_000))
        #expect(evening.expectedRemaining == .zero)
        #expect(evening.projection == XAF(65_000))
    }

    @Test("month ends: a past month is closed, a future month counts every one of its days")
    func monthEnds() throws {
        let today = try day("2027-01-01")
        let past = history(before: today) { _ in 2_000 }
        let december = RevenueForecast.project(month: try month("2026-12"), today: today, history: past, earned: XAF(70_000), earnedToday: .zero)
        #expect(december.remainingDays.isEmpty)
        #expect(december.projection == XAF(70_000))
        #expect(december.methodFR.hasPrefix("Mois terminé"))
        let february = RevenueForecast.project(month: try month("2027-02"), today: today, history: past, earned: .zero, earnedToday: .zero)
        #expect(february.remainingDays.count == 28)
        #expect(february.projection == XAF(28 * 2_000))
        let january = RevenueForecast.project(month: try month("2027-01"), today: today, history: past, earned: .zero, earnedToday: .zero)
        #expect(january.remainingDays.count == 31)
    }

    @Test("leap years: 28 February 2028 leaves two days, 28 February 2027 one")
    func leapYears() throws {
        let leap = try day("2028-02-28")
        let forecast = RevenueForecast.project(
            month: try month("2028-02"), today: leap, history: history(before: leap) { _ in 1_000 }, earned: XAF(10_000), earnedToday: .zero)
        #expect(forecast.remainingDays.map(\.key) == ["2028-02-28", "2028-02-29"])
        #expect(forecast.projection == XAF(12_000))
        let common = try day("2027-02-28")
        let other = RevenueForecast.project(
            month: try month("2027-02"), today: common, history: history(before: common) { _ in 1_000 }, earned: XAF(10_000), earnedToday: .zero)
        #expect(other.remainingDays.map(\.key) == ["2027-02-28"])
        #expect(other.projection == XAF(11_000))
    }

    @Test("over random histories the range holds the projection, never starts below what is received, and is deterministic")
    func rangeHoldsProjection() throws {
        var rng = SeededRandom(seed: 20_261_207)
        for _ in 0..<300 {
            let today = LocalDay(number: 20_000 + Int.random(in: 0..<2_000, using: &rng))
            let length = Int.random(in: 0...120, using: &rng)
            let past =
                length == 0
                ? []
                : history(before: today, count: length) { _ in Int.random(in: 0..<4, using: &rng) == 0 ? 0 : Int.random(in: 0...60_000, using: &rng) }
            let earnedToday = XAF(Int.random(in: 0...20_000, using: &rng))
            let earned = earnedToday + XAF(Int.random(in: 0...500_000, using: &rng))
            let month = CalendarMonth(containing: today)
            let forecast = RevenueForecast.project(month: month, today: today, history: past, earned: earned, earnedToday: earnedToday)
            #expect(forecast.low <= forecast.projection && forecast.projection <= forecast.high)
            #expect(forecast.low >= earned)
            #expect(forecast.projection >= earned)
            #expect(forecast.remainingDays.count == month.dayCount - (today.number - month.firstDay.number))
            #expect(forecast == RevenueForecast.project(month: month, today: today, history: past, earned: earned, earnedToday: earnedToday))
            let target = XAF(Int.random(in: 0...1_000_000, using: &rng))
            let chance = forecast.chancePercent(target: target)
            switch forecast.outlook(target: target) {
            case .reached: #expect(chance == 100)
            case .onTrack: #expect(chance >= 50)
            case .difficult: #expect(chance <= 50)
            case .outOfReach: #expect(chance <= 10)
            }
        }
    }

    @Test("a goal already received is reached, whatever the days left")
    func goalReached() throws {
        let today = try day("2026-12-07")
        let forecast = RevenueForecast.project(
            month: try month("2026-12"), today: today, history: history(before: today) { _ in 3_000 }, earned: XAF(300_000), earnedToday: .zero)
        #expect(forecast.outlook(target: XAF(300_000)) == .reached)
        #expect(forecast.chancePercent(target: XAF(300_000)) == 100)
        #expect(forecast.outlookFR(target: XAF(250_000)).hasPrefix("Objectif atteint : 300\u{202F}000\u{00A0}FCFA"))
    }

    @Test("the outlook follows the projection and the range: on track at the projection (50 %), difficult up to the high end, then out of reach")
    func outlooks() throws {
        let today = try day("2026-12-07")
        let past = history(before: today, count: 14) { _ in 0 }.map { entry in
            DayRevenue(day: entry.day, amount: XAF(entry.day.number % 2 == 0 ? 2_000 : 6_000))
        }
        let forecast = RevenueForecast.project(month: try month("2026-12"), today: today, history: past, earned: XAF(10_000), earnedToday: .zero)
        #expect(forecast.low < forecast.projection && forecast.projection < forecast.high)
        #expect(forecast.outlook(target: forecast.projection) == .onTrack)
        #expect(forecast.chancePercent(target: forecast.projection) == 50)
        #expect(forecast.outlook(target: forecast.projection + XAF(1)) == .difficult)
        #expect(forecast.outlook(target: forecast.high) == .difficult)
        #expect(forecast.chancePercent(target: forecast.high) == 10)
        #expect(forecast.outlook(target: forecast.high + XAF(1)) == .outOfReach)
        #expect(forecast.outlookFR(target: forecast.high + XAF(1)).hasPrefix("Objectif hors de portée"))
        #expect(forecast.methodFR.contains("14 derniers jours"))
        #expect(forecast.methodFR.contains("1,28 écart-type"))
    }
}

@Suite("Revenue advice: rules that quote the provider's own figures")
struct RevenueAdviceTests {
    static let narrow = "\u{202F}"
    static let fcfa = "\u{00A0}FCFA"

    func facts(
        today: String = "2026-12-07", earned: Int = 0, target: Int? = nil, workingDays: Set<Int> = [1, 2, 3, 4, 5, 6],
        offers: RevenueAdvice.OfferFacts = .init(accepted: 0, declined: 0, expired: 0), unpaid: (Int, Int) = (0, 0),
        amount: (Int) -> Int = { $0 == 2 ? 4_500 : $0 == 6 ? 12_000 : 8_000 }
    ) throws -> RevenueAdvice.Facts {
        let start = try day(today)
        let forecast = RevenueForecast.project(
            month: CalendarMonth(containing: start), today: start, history: history(before: start, amount), earned: XAF(earned),
            earnedToday: .zero)
        return RevenueAdvice.Facts(
            forecast: forecast, target: target.map(XAF.init), workingDays: workingDays, offers: offers, unpaidCount: unpaid.0,
            unpaidTotal: XAF(unpaid.1))
    }

    func advice(_ facts: RevenueAdvice.Facts, _ code: String) -> String? {
        RevenueAdvice.recommendations(facts).first { $0.code == code }?.textFR
    }

    @Test("the weakest working weekday is compared with the best, in francs")
    func weekdayContrast() throws {
        let text = try #require(advice(try facts(), "weekday_contrast"))
        #expect(
            text.hasPrefix("Vos mardis rapportent en moyenne 4\(Self.narrow)500\(Self.fcfa) contre 12\(Self.narrow)000\(Self.fcfa) les samedis : "))
        #expect(text.contains("soyez disponible et réactif le samedi"))
        let off = try #require(advice(try facts(workingDays: [1, 2, 3, 4, 5]), "weekday_contrast"))
        #expect(off.contains("le samedi ne fait pas partie de vos jours de travail"))
        // Days close to each other say nothing.
        #expect(advice(try facts(amount: { $0 == 2 ? 7_000 : 9_000 }), "weekday_contrast") == nil)
        // A weekday seen fewer than 4 times is not compared.
        let short = try day("2026-12-07")
        let brief = RevenueAdvice.Facts(
            forecast: RevenueForecast.project(
                month: CalendarMonth(containing: short), today: short,
                history: history(before: short, count: 21) { $0 == 2 ? 1_000 : 20_000 }, earned: .zero, earnedToday: .zero),
            target: nil, workingDays: [1, 2, 3, 4, 5, 6], offers: .init(accepted: 0, declined: 0, expired: 0), unpaidCount: 0, unpaidTotal: .zero)
        #expect(advice(brief, "weekday_contrast") == nil)
    }

    @Test("a low acceptance rate is told with the counts of the last 30 days, expired offers included")
    func acceptance() throws {
        let text = try #require(advice(try facts(offers: .init(accepted: 6, declined: 4, expired: 5)), "low_acceptance"))
        #expect(text.hasPrefix("Vous avez accepté 6 des 15 demandes reçues ces 30 derniers jours (40\(Self.narrow)%), dont 5 expirées sans réponse"))
        #expect(advice(try facts(offers: .init(accepted: 1, declined: 3, expired: 0)), "low_acceptance") == nil, "too few offers to judge")
        #expect(advice(try facts(offers: .init(accepted: 6, declined: 4, expired: 0)), "low_acceptance") == nil, "60 % is fine")
    }

    @Test("unpaid invoices: their number, their total and the share of the gap they would cover")
    func unpaid() throws {
        let text = try #require(advice(try facts(earned: 100_000, target: 200_000, unpaid: (3, 42_000)), "unpaid_invoices"))
        #expect(text.hasPrefix("3 factures de missions terminées restent à encaisser, pour 42\(Self.narrow)000\(Self.fcfa)"))
        #expect(text.contains("de quoi couvrir 42\(Self.narrow)% de ce qui vous manque"))
        let one = try #require(advice(try facts(unpaid: (1, 5_000)), "unpaid_invoices"))
        #expect(one.hasPrefix("1 facture de mission terminée reste à encaisser"))
        #expect(!one.contains("couvrir"))
        #expect(advice(try facts(), "unpaid_invoices") == nil)
    }

    @Test("the goal gap is spread over the working days left, rounded up, against the provider's usual working day")
    func goalGap() throws {
        // 7...31 December 2026, Monday to Saturday: 22 working days (Sundays 13, 20, 27 off).
        let facts = try facts(earned: 100_000, target: 300_000)
        #expect(RevenueAdvice.remainingWorkingDays(facts) == 22)
        let recommendations = RevenueAdvice.recommendations(facts)
        #expect(recommendations.first?.code == "goal_gap")
        let text = try #require(recommendations.first?.textFR)
        // 200 000 / 22 = 9 090.9…, rounded up; usual working day (8 000 × 4 + 4 500 + 12 000) / 6 = 8 083.
        #expect(
            text
                == "Il vous manque 200\(Self.narrow)000\(Self.fcfa) pour atteindre votre objectif de 300\(Self.narrow)000\(Self.fcfa) : "
                + "9\(Self.narrow)091\(Self.fcfa) par jour travaillé restant (22 jours selon vos horaires), contre 8\(Self.narrow)083\(Self.fcfa) "
                + "en moyenne par jour travaillé sur vos 90 derniers jours.")
        let noDays = try self.facts(today: "2026-12-27", earned: 100_000, target: 300_000, workingDays: [1, 2, 3, 4, 5])  // a Sunday
        #expect(RevenueAdvice.remainingWorkingDays(noDays) == 4)
        let saturdayOnly = try self.facts(today: "2026-12-27", earned: 100_000, target: 300_000, workingDays: [6])
        #expect(try #require(advice(saturdayOnly, "goal_gap")).contains("il ne vous reste aucun jour travaillé ce mois-ci"))
    }

    @Test("a reached goal, no goal and no history each have their own first recommendation")
    func goalStates() throws {
        let reached = RevenueAdvice.recommendations(try facts(earned: 320_000, target: 300_000))
        #expect(reached.first?.code == "goal_reached")
        #expect(
            reached.first?.textFR.hasPrefix("Objectif atteint : 320\(Self.narrow)000\(Self.fcfa) encaissés pour un objectif de 300\(Self.narrow)000")
                == true)
        #expect(!reached.contains { $0.code == "goal_gap" })
        let none = RevenueAdvice.recommendations(try facts(earned: 10_000))
        #expect(none.first?.code == "set_goal")
        #expect(none.first?.textFR.contains("au rythme de vos 90 derniers jours") == true)
        let today = try day("2026-12-07")
        let empty = RevenueAdvice.Facts(
            forecast: RevenueForecast.project(month: CalendarMonth(containing: today), today: today, history: [], earned: .zero, earnedToday: .zero),
            target: nil, workingDays: [1, 2, 3, 4, 5], offers: .init(accepted: 0, declined: 0, expired: 0), unpaidCount: 0, unpaidTotal: .zero)
        #expect(RevenueAdvice.recommendations(empty).map(\.code) == ["no_history"])
        // A zero goal counts as no goal.
        #expect(RevenueAdvice.recommendations(try facts(target: 0)).first?.code == "set_goal")
    }
}
