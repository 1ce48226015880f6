import DjobeaDomain
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Provider dashboard charts")
struct ProviderAccountChartsTests {
    /// Wednesday 25 November 2026, 15:00 in Douala.
    let now = AccountFixture.date("2026-11-25T14:00:00.000Z")

    func at(_ text: String) -> Date { AccountFixture.date(text) }

    func charts(_ fixture: AccountFixture, _ period: ChartPeriod, provider: String? = nil) throws -> ProviderChartData {
        try fixture.database.readBlocking { db in
            try ProviderCharts.chartData(providerId: provider ?? fixture.providerId, period: period, now: now, in: db)
        }
    }

    /// A cash job on 10 November reversed on the 21st, a MoMo payment recorded twice on the 20th, an electricity
    /// job paid on the 24th; ratings over three months; offers to both providers.
    func history() throws -> AccountFixture {
        let fixture = try AccountFixture()
        let septemberJob = try fixture.request(createdAt: at("2026-10-02T08:00:00.000Z"))
        let octoberJob = try fixture.request(createdAt: at("2026-10-02T09:00:00.000Z"))
        let early = try fixture.completedMission(total: 6_000, completedAt: at("2026-11-10T10:00:00.000Z"))
        let cash = try fixture.pay(early, amount: 6_000, at: at("2026-11-10T10:30:00.000Z"))
        let leak = try fixture.completedMission(total: 20_000, completedAt: at("2026-11-20T10:00:00.000Z"))
        for _ in 0..<2 { try fixture.pay(leak, amount: 20_000, method: .mtnMomo, ref: "MP261120.1", at: at("2026-11-20T10:30:00.000Z")) }
        try fixture.pay(early, amount: 6_000, at: at("2026-11-21T09:00:00.000Z"), reverses: cash)
        let wiring = try fixture.completedMission(service: "electricite", total: 10_000, completedAt: at("2026-11-24T10:00:00.000Z"))
        try fixture.pay(wiring, amount: 10_000, at: at("2026-11-24T10:30:00.000Z"))
        let paul = try fixture.completedMission(provider: fixture.otherProviderId, total: 50_000, completedAt: at("2026-11-24T12:00:00.000Z"))
        try fixture.pay(paul, amount: 50_000, at: at("2026-11-24T12:30:00.000Z"), provider: fixture.otherProviderId)

        _ = try fixture.database.writeBlocking(now: now) { tx in
            // 3 stars in September, 4 in October, 5 and 4 in November (one given at 00:30 local on 1 November).
            for (request, stars, time) in [
                (septemberJob, 3, "2026-09-30T22:30:00.000Z"), (octoberJob, 4, "2026-10-20T10:00:00.000Z"),
                (early.request, 5, "2026-10-31T23:30:00.000Z"), (leak.request, 4, "2026-11-21T10:00:00.000Z"),
            ] {
                try tx.insert(
                    .ratings,
                    [
                        "id": .text(DjobeaID.v7()), "request_id": .text(request), "client_id": .text(fixture.clientId),
                        "provider_id": .text(fixture.providerId), "stars": ColumnValue(stars), "created_at": .text(time),
                    ])
            }
            // Offers: Monday 23rd at 10:xx local (twice) and Tuesday 24th at 19:xx local; one to Paul.
            for (request, provider, time) in [
                (leak.request, fixture.providerId, "2026-11-23T09:05:00.000Z"), (wiring.request, fixture.providerId, "2026-11-23T09:40:00.000Z"),
                (early.request, fixture.providerId, "2026-11-24T18:15:00.000Z"), (leak.request, fixture.otherProviderId, "2026-11-23T09:05:00.000Z"),
            ] {
                let offered = AccountFixture.date(time)
                try tx.insert(
                    .requestOffers,
                    [
                        "id": .text(DjobeaID.v7()), "request_id": .text(request), "provider_id": .text(provider), "offered_at": .text(time),
                        "expires_at": ColumnValue(offered.addingTimeInterval(1_800)),
                    ])
            }
        }
        return fixture
    }

    @Test("7 days: one entry per local day; a reversal inside the window of an older payment is deducted")
    func sevenDays() throws {
        let fixture = try history()
        let week = try charts(fixture, .days7)
        #expect(week.range.period == "7d" && week.range.start == "2026-11-18T23:00:00.000Z" && week.range.end == "2026-11-25T23:00:00.000Z")
        #expect(week.revenueByDay.map(\.day) == (19...25).map { "2026-11-\($0)" })
        let byDay = Dictionary(uniqueKeysWithValues: week.revenueByDay.map { ($0.day, $0.amount) })
        #expect(byDay["2026-11-20"] == 20_000 && byDay["2026-11-21"] == -6_000 && byDay["2026-11-24"] == 10_000 && byDay["2026-11-25"] == 0)
        #expect(week.revenueTotal == 24_000 && week.revenueByDay.map(\.amount).reduce(0, +) == 24_000)
        #expect(week.revenueByService.map(\.serviceCode) == ["plomberie", "electricite"])
        #expect(week.revenueByService.map(\.amount) == [14_000, 10_000])
        #expect(week.revenueByService.map(\.missionsCompleted) == [1, 1])
        #expect(abs(week.revenueByService.map(\.share).reduce(0, +) - 1) < 1e-9)
    }

    @Test("30 and 90 days: longer series, the whole story of the cash job nets to zero")
    func longerWindows() throws {
        let fixture = try history()
        let month = try charts(fixture, .days30)
        #expect(month.revenueByDay.count == 30 && month.revenueByDay.first?.day == "2026-10-27")
        #expect(month.revenueTotal == 30_000)
        let plumbing = try #require(month.revenueByService.first { $0.serviceCode == "plomberie" })
        #expect(plumbing.amount == 20_000 && plumbing.missionsCompleted == 2)
        let quarter = try charts(fixture, .days90)
        #expect(quarter.revenueByDay.count == 90 && quarter.revenueTotal == 30_000)
        #expect(quarter.range.label == "90 derniers jours")
    }

    @Test("heatmap of offers by local weekday and hour, this provider's only")
    func heatmap() throws {
        let fixture = try history()
        let month = try charts(fixture, .days30)
        #expect(month.heatmap.count == 7 && month.heatmap.allSatisfy { $0.count == 24 })
        #expect(month.heatmap[0][10] == 2)  // Monday 10:05 and 10:40 local
        #expect(month.heatmap[1][19] == 1)  // Tuesday 19:15 local
        #expect(month.heatmap.flatMap { $0 }.reduce(0, +) == 3 && month.heatmapMax == 2)
        let paul = try charts(fixture, .days30, provider: fixture.otherProviderId)
        #expect(paul.heatmap.flatMap { $0 }.reduce(0, +) == 1 && paul.revenueTotal == 50_000)
    }

    @Test("rating trend: the current local month and the two before, averages rounded")
    func ratingTrend() throws {
        let fixture = try history()
        let trend = try charts(fixture, .days7).ratingTrend
        #expect(trend.map(\.month) == ["2026-09", "2026-10", "2026-11"])
        #expect(trend.map(\.label) == ["Septembre 2026", "Octobre 2026", "Novembre 2026"])
        #expect(trend.map(\.count) == [1, 1, 2])
        #expect(trend.map(\.average) == [3, 4, 4.5])

        let empty = try charts(fixture, .days7, provider: fixture.otherProviderId).ratingTrend
        #expect(empty.map(\.count) == [0, 0, 0] && empty.allSatisfy { $0.average == nil })
        expectAccountError(.notFound(resource: "provider")) { _ = try charts(fixture, .days7, provider: DjobeaID.v7()) }
    }

    @Test("the JSON uses snake_case keys and labelled amounts")
    func json() throws {
        let fixture = try history()
        let text = String(decoding: try snakeCaseEncoder().encode(try charts(fixture, .days7)), as: UTF8.self)
        for key in ["revenue_by_day", "amount_label", "revenue_by_service", "missions_completed", "heatmap_max", "rating_trend", "service_name"] {
            #expect(text.contains("\"\(key)\""), "missing \(key)")
        }
        #expect(ChartPeriod(rawValue: "30d") == .days30 && ChartPeriod(rawValue: "1y") == nil)
    }
}
