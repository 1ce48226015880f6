import DjobeaDomain
import DjobeaReplication
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Activity summaries: periods in Douala time, figures, once per period")
struct ActivitySummariesTests {
    func at(_ text: String) -> Date { AccountFixture.date(text) }

    func period(_ frequency: SummaryFrequency, _ now: String) -> ActivityPeriod? {
        ActivitySummaries.currentPeriod(frequency, now: at(now))
    }

    func due(_ fixture: AccountFixture, at now: Date) throws -> [ActivitySummary] {
        try fixture.database.readBlocking { db in try ActivitySummaries.due(now: now, limit: 100, in: SQLiteReplicaConnection(db: db)) }
    }

    func setFrequency(_ fixture: AccountFixture, _ provider: String, _ frequency: SummaryFrequency) throws {
        try fixture.database.writeBlocking(now: at("2026-12-06T23:30:00.000Z")) { tx in
            _ = try ProviderAccount.updateSettings(providerId: provider, changes: SettingsChanges(summaryFrequency: frequency.rawValue), in: tx)
        }
    }

    func rate(_ fixture: AccountFixture, _ mission: (request: String, invoice: String), stars: Int, at time: Date) throws {
        _ = try fixture.database.writeBlocking(now: time) { tx in
            try tx.insert(
                .ratings,
                [
                    "id": .text(DjobeaID.v7(now: time)), "request_id": .text(mission.request), "client_id": .text(fixture.clientId),
                    "provider_id": .text(fixture.providerId), "stars": ColumnValue(stars), "comment": .null, "created_at": ColumnValue(time),
                ])
        }
    }

    /// Week 49 (Monday 30 November to Sunday 6 December): two missions, 30 000 received (a MoMo payment recorded
    /// twice counts once, a reversed payment is deducted), ratings 5 and 4. Just outside it: a mission, a payment and
    /// a 1-star rating on Sunday 29 November at 23:30, a payment on Monday 7 December at 00:10 (Douala).
    func week49() throws -> AccountFixture {
        let fixture = try AccountFixture()
        let before = try fixture.completedMission(total: 8_000, completedAt: at("2026-11-29T22:30:00.000Z"))
        try fixture.pay(before, amount: 8_000, at: at("2026-11-29T22:40:00.000Z"))
        try rate(fixture, before, stars: 1, at: at("2026-11-29T22:50:00.000Z"))
        let leak = try fixture.completedMission(total: 20_000, completedAt: at("2026-12-01T10:00:00.000Z"))
        for _ in 0..<2 { try fixture.pay(leak, amount: 20_000, method: .mtnMomo, ref: "MP261201.1030.A1", at: at("2026-12-01T10:30:00.000Z")) }
        try rate(fixture, leak, stars: 5, at: at("2026-12-02T09:00:00.000Z"))
        let wiring = try fixture.completedMission(total: 15_000, completedAt: at("2026-12-06T22:30:00.000Z"))
        try fixture.pay(wiring, amount: 10_000, at: at("2026-12-06T22:40:00.000Z"))
        let mistaken = try fixture.pay(wiring, amount: 5_000, at: at("2026-12-06T22:45:00.000Z"))
        try fixture.pay(wiring, amount: 5_000, at: at("2026-12-06T22:50:00.000Z"), reverses: mistaken)
        try rate(fixture, wiring, stars: 4, at: at("2026-12-06T22:55:00.000Z"))
        try fixture.pay(wiring, amount: 5_000, at: at("2026-12-06T23:10:00.000Z"))
        return fixture
    }

    // MARK: - Periods

    @Test("weekly: Monday 08:00 for the previous Monday–Sunday, ISO week keys across the year")
    func weekly() throws {
        let week = try #require(period(.weekly, "2026-12-07T07:00:00.000Z"))
        #expect(week.key == "2026-W49" && week.labelFR == "de la semaine du 30 novembre au 6 décembre")
        #expect(week.interval == DateInterval(start: at("2026-11-29T23:00:00.000Z"), end: at("2026-12-06T23:00:00.000Z")))
        #expect(week.sendFrom == at("2026-12-07T07:00:00.000Z"))
        // 07:59 on Monday: the week before is the latest one sendable, and it ended a week ago.
        #expect(ActivitySummaries.latestPeriod(.weekly, now: at("2026-12-07T06:59:59.000Z"))?.key == "2026-W48")
        #expect(period(.weekly, "2026-12-07T06:59:59.000Z") == nil)
        // Still sent up to three days after the week ended (Thursday 00:00), not after.
        #expect(period(.weekly, "2026-12-09T22:59:59.000Z")?.key == "2026-W49")
        #expect(period(.weekly, "2026-12-09T23:00:00.000Z") == nil)
        // Across the new year: 2026 has 53 ISO weeks; the week of 1 January 2026 is 2026-W01.
        let newYear = try #require(period(.weekly, "2027-01-04T07:00:00.000Z"))
        #expect(newYear.key == "2026-W53" && newYear.labelFR == "de la semaine du 28 décembre au 3 janvier")
        #expect(period(.weekly, "2026-01-05T09:00:00.000Z")?.key == "2026-W01")
        #expect(period(.weekly, "2026-06-01T07:00:00.000Z")?.labelFR == "de la semaine du 25 mai au 31 mai")
        #expect(period(.weekly, "2026-06-08T07:00:00.000Z")?.labelFR == "de la semaine du 1er juin au 7 juin")
    }

    @Test("monthly: the 1st at 08:00 for the previous month, including December on 1 January")
    func monthly() throws {
        let november = try #require(period(.monthly, "2026-12-01T07:00:00.000Z"))
        #expect(november.key == "2026-11" && november.labelFR == "de novembre 2026")
        #expect(november.interval == DateInterval(start: at("2026-10-31T23:00:00.000Z"), end: at("2026-11-30T23:00:00.000Z")))
        // 07:30 on the 1st: October is the latest sendable, long stale.
        #expect(ActivitySummaries.latestPeriod(.monthly, now: at("2026-12-01T06:30:00.000Z"))?.key == "2026-10")
        #expect(period(.monthly, "2026-12-01T06:30:00.000Z") == nil)
        let december = try #require(period(.monthly, "2027-01-01T07:00:00.000Z"))
        #expect(december.key == "2026-12" && december.labelFR == "de décembre 2026")
        #expect(december.interval.end == at("2026-12-31T23:00:00.000Z"))
        #expect(period(.monthly, "2027-01-03T22:59:00.000Z")?.key == "2026-12")
        #expect(period(.monthly, "2027-01-03T23:00:00.000Z") == nil)
        // 00:30 on 1 January in Douala (still 31 December in UTC): December is not over until 08:00.
        #expect(ActivitySummaries.latestPeriod(.monthly, now: at("2026-12-31T23:30:00.000Z"))?.key == "2026-11")
    }

    @Test("daily: the day up to 20:00, sent from 20:00; never: no period")
    func daily() throws {
        let saturday = try #require(period(.daily, "2026-12-05T19:00:00.000Z"))
        #expect(saturday.key == "2026-12-05" && saturday.labelFR == "du samedi 5 décembre")
        #expect(saturday.interval == DateInterval(start: at("2026-12-04T19:00:00.000Z"), end: at("2026-12-05T19:00:00.000Z")))
        #expect(period(.daily, "2026-12-05T18:59:59.000Z")?.labelFR == "du vendredi 4 décembre")
        #expect(period(.daily, "2026-12-01T19:00:00.000Z")?.labelFR == "du mardi 1er décembre")
        // 11:00 on 1 January in Douala: the last day cut is 31 December at 20:00.
        let newYear = try #require(period(.daily, "2027-01-01T10:00:00.000Z"))
        #expect(newYear.key == "2026-12-31" && newYear.labelFR == "du jeudi 31 décembre")
        #expect(ActivitySummaries.currentPeriod(.never, now: at("2026-12-07T07:00:00.000Z")) == nil)
        #expect(ActivitySummaries.ratingLabel(4.55) == "4,6/5" && ActivitySummaries.ratingLabel(5) == "5,0/5")
        #expect(ActivitySummaries.ratingLabel(nil) == "pas encore de note")
    }

    // MARK: - Figures

    @Test("the week's figures: completed missions, money received net of reversals, ratings given in the week")
    func figures() throws {
        let fixture = try week49()
        let summaries = try due(fixture, at: at("2026-12-07T07:05:00.000Z"))
        let jean = try #require(summaries.first { $0.providerId == fixture.providerId })
        #expect(jean.phone == "+237699000001" && jean.firstName == "Jean" && jean.periodKey == "2026-W49" && jean.attempts == 0)
        #expect(jean.completedMissions == 2 && jean.collected == XAF(30_000) && jean.collectedLabel == "30\u{202F}000\u{00A0}FCFA")
        #expect(jean.averageRating == 4.5 && jean.ratingLabel == "4,5/5" && !jean.isEmpty)
        #expect(jean.workKey == "\(fixture.providerId):2026-W49" && jean.messageId == "summary-\(fixture.providerId)-2026-W49")
        #expect(
            jean.parameters == [
                "Jean", "de la semaine du 30 novembre au 6 décembre", "2 missions terminées", "30\u{202F}000\u{00A0}FCFA", "note moyenne 4,5/5",
            ])
        #expect(
            jean.text
                == "Bonjour Jean, votre résumé Djobea de la semaine du 30 novembre au 6 décembre : 2 missions terminées, "
                + "30\u{202F}000\u{00A0}FCFA encaissés, note moyenne 4,5/5. Bon travail !")
        // The same amount as the earnings' gross over that week.
        let earnings = try fixture.database.readBlocking { db in
            try ProviderFinance.earnings(providerId: fixture.providerId, period: .week, now: at("2026-12-03T12:00:00.000Z"), in: db)
        }
        #expect(earnings.gross == jean.collected.francs)
        // Paul did nothing: listed, flagged empty, no rating.
        let paul = try #require(summaries.first { $0.providerId == fixture.otherProviderId })
        #expect(paul.isEmpty && paul.completedMissions == 0 && paul.ratingLabel == "pas encore de note")
        #expect(summaries.count == 2)
    }

    @Test("monthly and daily figures follow their own periods")
    func otherFrequencies() throws {
        let fixture = try week49()
        try setFrequency(fixture, fixture.providerId, .monthly)
        let january = try due(fixture, at: at("2027-01-01T07:00:00.000Z"))
        let december = try #require(january.first { $0.providerId == fixture.providerId })
        // December: the two week-49 missions' money and the 5 000 of 7 December; the 29 November mission is November's.
        #expect(december.periodKey == "2026-12" && december.completedMissions == 2 && december.collected == XAF(35_000))
        #expect(december.averageRating == 4.5)
        try setFrequency(fixture, fixture.providerId, .daily)
        // Sunday 6 December, 20:00 to Monday 20:00: the wiring job completed at 23:30 and its money.
        let monday = try #require(try due(fixture, at: at("2026-12-07T19:00:00.000Z")).first { $0.providerId == fixture.providerId })
        #expect(monday.periodKey == "2026-12-07" && monday.periodLabel == "du lundi 7 décembre")
        #expect(monday.completedMissions == 1 && monday.collected == XAF(15_000) && monday.ratingLabel == "4,0/5")
    }

    @Test("never, a suspended account, or a stale period: no summary")
    func nothingDue() throws {
        let fixture = try week49()
        try setFrequency(fixture, fixture.otherProviderId, .never)
        #expect(try due(fixture, at: at("2026-12-07T07:05:00.000Z")).map(\.providerId) == [fixture.providerId])
        try fixture.database.writeBlocking(now: at("2026-12-07T07:00:00.000Z")) { tx in
            _ = try tx.update(.providers, key: fixture.providerId, ["account_status": "suspended"])
        }
        #expect(try due(fixture, at: at("2026-12-07T07:05:00.000Z")).isEmpty)
        let fresh = try week49()
        #expect(try due(fresh, at: at("2026-12-10T08:00:00.000Z")).isEmpty, "week 49 ended more than three days ago")
        #expect(try due(fresh, at: at("2026-12-07T06:00:00.000Z")).isEmpty, "before Monday 08:00")
    }

    // MARK: - Once per period

    @Test("claimed once per lease, done once per period, retried at its time, due again the next period")
    func oncePerPeriod() throws {
        let fixture = try week49()
        let now = at("2026-12-07T07:05:00.000Z")
        let key = ActivitySummaries.workKey(providerId: fixture.providerId, periodKey: "2026-W49")
        let paulKey = ActivitySummaries.workKey(providerId: fixture.otherProviderId, periodKey: "2026-W49")
        func write<T>(_ body: (any ReplicaConnection) throws -> T) throws -> T {
            try fixture.database.writeBlocking(now: now) { tx in try body(tx.connection) }
        }

        #expect(try write { try ActivitySummaries.claim(key: key, now: now, lease: 120, in: $0) })
        #expect(try !write { try ActivitySummaries.claim(key: key, now: now.addingTimeInterval(60), lease: 120, in: $0) })
        #expect(try due(fixture, at: now.addingTimeInterval(60)).map(\.providerId) == [fixture.otherProviderId], "leased")
        // A transient failure: not due before its retry time, then due as attempt 2.
        try write { try ActivitySummaries.retryLater(key: key, at: now.addingTimeInterval(600), error: "HTTP 503", in: $0) }
        #expect(try !due(fixture, at: now.addingTimeInterval(599)).contains { $0.providerId == fixture.providerId })
        let retried = try #require(try due(fixture, at: now.addingTimeInterval(600)).first { $0.providerId == fixture.providerId })
        #expect(retried.attempts == 1)
        #expect(try write { try ActivitySummaries.claim(key: key, now: now.addingTimeInterval(600), lease: 120, in: $0) })
        try write { try ActivitySummaries.finish(key: key, outcome: .sent, now: now.addingTimeInterval(601), in: $0) }
        try write { try ActivitySummaries.finish(key: paulKey, outcome: .skipped, now: now, in: $0) }
        #expect(try due(fixture, at: now.addingTimeInterval(3_600)).isEmpty)
        #expect(try !write { try ActivitySummaries.claim(key: key, now: now.addingTimeInterval(3_600), lease: 120, in: $0) }, "done")
        let row = try #require(
            try fixture.database.readBlocking { db in
                try Row.fetchOne(db, sql: "SELECT * FROM gateway_work WHERE kind = 'summary' AND work_key = ?", arguments: [key])
            })
        #expect(row["outcome"] as String? == "sent" && row["attempts"] as Int == 2 && row["last_error"] as String? == "HTTP 503")
        // The next week is a new period.
        #expect(try due(fixture, at: at("2026-12-14T07:00:00.000Z")).map(\.periodKey) == ["2026-W50", "2026-W50"])
    }
}
