import DjobeaDomain
import Foundation
import Testing

@testable import DjobeaStore

@Suite("Provider statement: any span of days, the same fold as the earnings")
struct ProviderStatementTests {
    let finance = ProviderAccountFinanceTests()

    func statement(_ fixture: AccountFixture, _ from: String, _ to: String, provider: String? = nil) throws -> ProviderStatement {
        let period = try StatementPeriod(from: from, to: to)
        return try fixture.database.readBlocking { db in
            try ProviderFinance.statement(providerId: provider ?? fixture.providerId, period: period, in: db)
        }
    }

    func earnings(_ fixture: AccountFixture, _ from: String, _ to: String) throws -> ProviderEarnings {
        let period = try StatementPeriod(from: from, to: to)
        return try fixture.database.readBlocking { db in
            try ProviderFinance.earnings(providerId: fixture.providerId, days: period, now: finance.now, in: db)
        }
    }

    @Test("October and November: the duplicate MoMo once, the reversal deducted, the pending one left out; totals as the earnings")
    func twoMonths() throws {
        let (fixture, pendingReversal, reversed) = try finance.november()
        let statement = try statement(fixture, "2026-10-01", "2026-11-30")
        #expect(statement.providerName == "Jean Kouam")
        #expect(statement.gross == XAF(38_000) && statement.commission == XAF(6_450) && statement.net == XAF(31_550))
        let custom = try earnings(fixture, "2026-10-01", "2026-11-30")
        #expect((custom.gross, custom.commission, custom.net) == (38_000, 6_450, 31_550))
        #expect(custom.range.period == "custom" && custom.range.label == "Du 1er octobre 2026 au 30 novembre 2026")

        // Entries oldest first, each with its effect; they add up to the totals.
        #expect(statement.entries.map(\.gross).sum() == statement.gross)
        #expect(statement.entries.map(\.commission).sum() == statement.commission)
        #expect(statement.entries.filter { $0.kind == .payment }.count == 4, "October cash, one MoMo of the two, two cash in November")
        #expect(statement.entries.filter { $0.operatorRef == "MP261103.1030.A1" }.count == 1)
        let correction = try #require(statement.entries.first { $0.kind == .reversal && $0.gross != .zero })
        #expect(correction.gross == XAF(-5_000) && correction.kindLabel == "Correction" && correction.method == .cash)
        #expect(!statement.entries.contains { $0.entryId == pendingReversal })
        #expect(statement.entries.contains { $0.entryId == reversed && $0.gross == XAF(5_000) }, "the reversed payment is listed, then corrected")
        #expect(statement.pendingReversals == 1)
        #expect(statement.entries.map(\.recordedAt) == statement.entries.map(\.recordedAt).sorted())
        #expect(statement.entries.allSatisfy { $0.requestTitle.isEmpty == false })
        #expect(statement.entries.filter { $0.kind == .commission }.allSatisfy { $0.method == nil && $0.operatorRef == nil })

        // Months: each equals the month of the earnings API.
        #expect(statement.months.map(\.monthKey) == ["2026-10", "2026-11"])
        #expect(statement.months.map(\.label) == ["Octobre 2026", "Novembre 2026"])
        #expect(statement.months.map(\.payments) == [1, 3])
        let november = try fixture.database.readBlocking { db in
            try ProviderFinance.earnings(providerId: fixture.providerId, period: .month, now: finance.now, in: db)
        }
        #expect(statement.months[1].gross.francs == november.gross && statement.months[1].commission.francs == november.commission)
        #expect(statement.months[0].gross.francs == november.comparison.gross)
        #expect(statement.months.map(\.gross).sum() == statement.gross)

        // Paul's money never shows in Jean's statement, and his own has only it.
        #expect(!statement.entries.contains { $0.operatorRef == "OM1" })
        let paul = try self.statement(fixture, "2026-10-01", "2026-11-30", provider: fixture.otherProviderId)
        #expect(paul.gross == XAF(12_000) && paul.entries.contains { $0.operatorRef == "OM1" })
    }

    @Test("a custom span equal to a calendar month gives exactly that month's earnings, splits and history included")
    func customEqualsCalendar() throws {
        let (fixture, _, _) = try finance.november()
        let custom = try earnings(fixture, "2026-11-01", "2026-11-30")
        let month = try fixture.database.readBlocking { db in
            try ProviderFinance.earnings(providerId: fixture.providerId, period: .month, now: finance.now, in: db)
        }
        #expect(custom.range.start == month.range.start && custom.range.end == month.range.end)
        #expect((custom.gross, custom.commission, custom.net) == (month.gross, month.commission, month.net))
        #expect(custom.byService == month.byService && custom.topClients == month.topClients && custom.byMethod == month.byMethod)
        #expect(custom.commissionRates == month.commissionRates && custom.paymentHistory == month.paymentHistory)
        #expect(custom.pendingPayments == month.pendingPayments)
        // The comparison is the 30 days before: 1 to 31 October minus the 1st.
        #expect(custom.comparison.previous.label == "Du 2 octobre 2026 au 31 octobre 2026")
        #expect(custom.comparison.gross == 8_000)
    }

    @Test("day boundaries are Douala's: 23:30 UTC on 31 October is 1 November")
    func doualaDays() throws {
        let fixture = try AccountFixture()
        let mission = try fixture.completedMission(total: 4_000, completedAt: AccountFixture.date("2026-10-31T20:00:00.000Z"))
        try fixture.pay(mission, amount: 4_000, at: AccountFixture.date("2026-10-31T23:30:00.000Z"))
        #expect(try statement(fixture, "2026-10-01", "2026-10-31").gross == .zero)
        let november = try statement(fixture, "2026-11-01", "2026-11-01")
        #expect(november.gross == XAF(4_000) && november.months.map(\.monthKey) == ["2026-11"])
    }

    @Test("from and to: real days, in order, at most 366 days, years 2000 to 2099; French reasons")
    func periodValidation() throws {
        let year = try StatementPeriod(from: "2024-01-01", to: "2024-12-31")
        #expect(year.dayCount == 366 && year.monthKeys.count == 12)
        #expect(UTCTimestamp.format(year.interval.start) == "2023-12-31T23:00:00.000Z")
        #expect(UTCTimestamp.format(year.interval.end) == "2024-12-31T23:00:00.000Z")
        #expect(try StatementPeriod(from: "2026-03-05", to: "2026-03-05").dayCount == 1)
        let cases: [(String?, String?, StatementPeriod.Problem)] = [
            (nil, "2026-01-31", .missing("from")), ("2026-01-01", nil, .missing("to")), ("", "2026-01-31", .missing("from")),
            ("2026-02-29", "2026-03-31", .malformed("from")), ("2026-1-01", "2026-03-31", .malformed("from")),
            ("2026-01-01", "31/03/2026", .malformed("to")), ("2026-01-01T00:00:00Z", "2026-03-31", .malformed("from")),
            ("2026-04-01", "2026-03-31", .reversed), ("2025-01-01", "2026-01-02", .tooLong),
            ("1999-12-31", "2000-01-01", .outOfRange("from")), ("2099-12-31", "2100-01-01", .outOfRange("to")),
        ]
        for (from, to, problem) in cases {
            #expect(throws: problem, "\(from ?? "nil") → \(to ?? "nil")") { try StatementPeriod(from: from, to: to) }
            #expect(!problem.messageFR.isEmpty)
        }
        #expect(StatementPeriod.Problem.tooLong.messageFR == "période de 366 jours au plus (une année entière)")
        #expect(StatementPeriod.Problem.reversed.parameter == "to" && StatementPeriod.Problem.malformed("from").parameter == "from")
    }
}
