import DjobeaDemo
import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Provider finance: earnings and invoices")
struct ProviderAccountFinanceTests {
    /// Wednesday 25 November 2026, 15:00 in Douala.
    let now = AccountFixture.date("2026-11-25T14:00:00.000Z")

    func at(_ text: String) -> Date { AccountFixture.date(text) }

    /// October: one mission paid in cash. November: a MoMo payment recorded twice (counted once), a cash payment,
    /// a second one reversed, and a reversal whose original never arrived. Paul has his own November payment.
    func november() throws -> (AccountFixture, pendingReversal: String, reversedPayment: String) {
        let fixture = try AccountFixture()
        let october = try fixture.completedMission(total: 8_000, completedAt: at("2026-10-20T10:00:00.000Z"))
        try fixture.pay(october, amount: 8_000, at: at("2026-10-20T10:30:00.000Z"))
        let leak = try fixture.completedMission(total: 20_000, completedAt: at("2026-11-03T10:00:00.000Z"))
        for _ in 0..<2 { try fixture.pay(leak, amount: 20_000, method: .mtnMomo, ref: "MP261103.1030.A1", at: at("2026-11-03T10:30:00.000Z")) }
        let wiring = try fixture.completedMission(
            client: fixture.otherClientId, service: "electricite", total: 15_000, completedAt: at("2026-11-10T10:00:00.000Z"))
        try fixture.pay(wiring, amount: 10_000, at: at("2026-11-10T10:30:00.000Z"))
        let mistaken = try fixture.pay(wiring, amount: 5_000, at: at("2026-11-12T09:00:00.000Z"))
        try fixture.pay(wiring, amount: 5_000, at: at("2026-11-13T09:00:00.000Z"), reverses: mistaken)
        let pending = try fixture.pay(leak, amount: 1_000, at: at("2026-11-20T09:00:00.000Z"), reverses: DjobeaID.v7())
        let paul = try fixture.completedMission(provider: fixture.otherProviderId, total: 12_000, completedAt: at("2026-11-15T10:00:00.000Z"))
        try fixture.pay(paul, amount: 12_000, method: .orangeMoney, ref: "OM1", at: at("2026-11-15T11:00:00.000Z"), provider: fixture.otherProviderId)
        return (fixture, pending, mistaken)
    }

    func earnings(_ fixture: AccountFixture, _ period: EarningsPeriod, now: Date? = nil, page: Int = 1, provider: String? = nil) throws
        -> ProviderEarnings
    {
        try fixture.database.readBlocking { db in
            try ProviderFinance.earnings(providerId: provider ?? fixture.providerId, period: period, now: now ?? self.now, historyPage: page, in: db)
        }
    }

    /// The fold of every ledger entry of the provider, effects summed over entries recorded in `interval`.
    func folded(_ fixture: AccountFixture, provider: String, in interval: DateInterval) throws -> LedgerEffect {
        try DemoHub(database: fixture.database).folded(provider: provider, in: interval)
    }

    @Test("the month: a duplicate MoMo counts once, the reversal is deducted, the pending reversal is not; splits add up")
    func month() throws {
        let (fixture, pendingReversal, reversed) = try november()
        let month = try earnings(fixture, .month)
        #expect(month.range.label == "Novembre 2026" && month.range.start == "2026-10-31T23:00:00.000Z")
        #expect(month.gross == 30_000 && month.commission == 5_250 && month.net == 24_750)
        #expect(month.grossLabel == XAF(30_000).formatted)
        let expected = try folded(fixture, provider: fixture.providerId, in: EarningsPeriod.month.interval(containing: now))
        #expect(month.gross == expected.paid.francs && month.commission == expected.commission.francs)

        #expect(month.byService.map(\.serviceCode) == ["plomberie", "electricite"])
        #expect(month.byService.map(\.gross) == [20_000, 10_000] && month.byService.map(\.commission) == [3_000, 2_250])
        #expect(month.byService.map(\.net) == [17_000, 7_750] && month.byService.map(\.missions) == [1, 1])
        #expect(month.topClients.map(\.clientName) == ["Awa Ngo", "Marie Eyenga"] && month.topClients.map(\.gross) == [20_000, 10_000])
        #expect(month.byMethod.map(\.method) == ["cash", "mtn_momo"] && month.byMethod.map(\.amount) == [10_000, 20_000])
        #expect(month.byMethod.map(\.amount).reduce(0, +) == month.gross)

        let rate = try #require(month.commissionRates.first)
        #expect(month.commissionRates.count == 1)
        #expect(rate.rateId == fixture.rateId && rate.basisPoints == 1_500 && rate.percentLabel == "15\u{202F}%")
        #expect(rate.missions == 2 && rate.commission == 5_250 && rate.level == nil)

        // Only the electricity job is unpaid: 5 000 due since 17 November, 8 local days ago.
        let pending = try #require(month.pendingPayments.first)
        #expect(month.pendingPayments.count == 1)
        #expect(pending.amountDue == 5_000 && pending.paid == 10_000 && pending.total == 15_000)
        #expect(pending.daysLate == 8 && pending.status == "en_retard" && pending.statusLabel == "En retard")
        #expect(pending.clientName == "Marie Eyenga" && pending.serviceName == "Électricité")
        #expect(month.pendingTotal == 5_000)

        // History: newest first; one MoMo line for the two records; the pending reversal shown, not counted.
        let history = month.paymentHistory
        #expect(history.totalItems == 5 && history.items.count == 5 && history.totalPages == 1)
        #expect(history.items.map(\.kind) == ["reversal", "reversal", "payment", "payment", "payment"])
        #expect(history.items.map(\.amount) == [0, -5_000, 5_000, 10_000, 20_000])
        #expect(history.items[0].entryId == pendingReversal && !history.items[0].counted)
        #expect(history.items[0].noteFR == LedgerBalance.pendingMessageFR && history.items[0].method == nil)
        #expect(history.items[1].methodLabel == "Espèces" && history.items[1].kindLabel == "Correction")
        #expect(history.items[2].entryId == reversed && history.items[2].reversed)
        #expect(history.items[4].methodLabel == "MTN MoMo" && history.items[4].operatorRef == "MP261103.1030.A1")

        // October in comparison: 8 000 received, 1 200 commission, all of it before the 25th.
        let comparison = month.comparison
        #expect(comparison.previous.label == "Octobre 2026")
        #expect(comparison.gross == 8_000 && comparison.commission == 1_200 && comparison.net == 6_800 && comparison.grossToDate == 8_000)
        #expect(comparison.grossChange == 22_000 && comparison.grossChangePercent == 275)
    }

    @Test("week, quarter and year of the same ledger; another provider's money never shows")
    func otherPeriods() throws {
        let (fixture, _, _) = try november()
        let week = try earnings(fixture, .week)
        #expect(week.gross == 0 && week.commission == 0 && week.paymentHistory.items.isEmpty)
        #expect(week.pendingPayments.count == 1)  // pending payments do not depend on the period
        #expect(week.comparison.gross == 0 && week.comparison.previous.label == "Semaine du 16 novembre 2026")
        let quarter = try earnings(fixture, .quarter)
        #expect(quarter.gross == 38_000 && quarter.commission == 6_450 && quarter.comparison.grossChangePercent == nil)
        #expect(quarter.range.label == "4e trimestre 2026")
        let year = try earnings(fixture, .year)
        #expect(year.gross == 38_000 && year.paymentHistory.totalItems == 6)
        #expect(!year.paymentHistory.items.contains { $0.operatorRef == "OM1" })

        let paul = try earnings(fixture, .month, provider: fixture.otherProviderId)
        #expect(paul.gross == 12_000 && paul.byMethod.map(\.method) == ["orange_money"] && paul.pendingPayments.isEmpty)
        expectAccountError(.notFound(resource: "provider")) { _ = try earnings(fixture, .month, provider: DjobeaID.v7()) }
    }

    @Test("period boundaries in Douala time: 31 December 23:30 UTC is January's money")
    func newYear() throws {
        let fixture = try AccountFixture()
        let job = try fixture.completedMission(total: 30_000, completedAt: at("2026-12-31T20:00:00.000Z"))
        try fixture.pay(job, amount: 10_000, at: at("2026-12-31T22:30:00.000Z"))  // 23:30 local, 31 December
        try fixture.pay(job, amount: 20_000, at: at("2026-12-31T23:30:00.000Z"))  // 00:30 local, 1 January
        let january = at("2027-01-15T12:00:00.000Z")
        for period in [EarningsPeriod.month, .quarter, .year] {
            let earned = try earnings(fixture, period, now: january)
            #expect(earned.gross == 20_000, "\(period)")
            #expect(earned.commission == 0, "\(period): the commission was recorded on 31 December at 21:00 local")
            #expect(earned.comparison.gross == 10_000 && earned.comparison.commission == 4_500, "\(period)")
            #expect(earned.gross == (try folded(fixture, provider: fixture.providerId, in: period.interval(containing: january))).paid.francs)
        }
        // Seen on the evening of the 31st, the same ledger is all December's.
        let december = try earnings(fixture, .month, now: at("2026-12-31T22:45:00.000Z"))
        #expect(december.gross == 10_000 && december.range.label == "Décembre 2026")
        #expect(try earnings(fixture, .year, now: at("2026-12-31T22:59:59.000Z")).gross == 10_000)
    }

    @Test("the payment history pages by 20, newest first")
    func historyPages() throws {
        let fixture = try AccountFixture()
        let job = try fixture.completedMission(total: 100_000, completedAt: at("2026-11-02T08:00:00.000Z"))
        for index in 0..<25 { try fixture.pay(job, amount: 1_000, at: at("2026-11-02T09:00:00.000Z").addingTimeInterval(Double(index) * 3_600)) }
        let first = try earnings(fixture, .month)
        #expect(first.paymentHistory.totalItems == 25 && first.paymentHistory.totalPages == 2 && first.paymentHistory.items.count == 20)
        let second = try earnings(fixture, .month, page: 2)
        #expect(second.paymentHistory.items.count == 5 && second.paymentHistory.page == 2)
        let times = (first.paymentHistory.items + second.paymentHistory.items).map(\.recordedAt)
        #expect(times == times.sorted(by: >) && Set(times).count == 25)
        #expect(try earnings(fixture, .month, page: 0).paymentHistory.page == 1)
    }

    @Test("invoices: derived status and French label, paid and due, lines and reminders, filter and pages")
    func invoices() throws {
        let fixture = try AccountFixture()
        let paid = try fixture.completedMission(total: 10_000, completedAt: at("2026-11-02T10:00:00.000Z"))
        try fixture.pay(paid, amount: 10_000, at: at("2026-11-02T10:30:00.000Z"))
        let late = try fixture.completedMission(client: fixture.otherClientId, total: 12_000, completedAt: at("2026-11-05T10:00:00.000Z"))
        let overpaid = try fixture.completedMission(total: 9_000, completedAt: at("2026-11-20T10:00:00.000Z"))
        try fixture.pay(overpaid, amount: 9_000, at: at("2026-11-20T10:30:00.000Z"))
        try fixture.pay(overpaid, amount: 9_000, method: .orangeMoney, ref: "OM-77", at: at("2026-11-20T12:00:00.000Z"))
        let partial = try fixture.completedMission(total: 20_000, completedAt: at("2026-11-22T10:00:00.000Z"))
        try fixture.pay(partial, amount: 5_000, at: at("2026-11-22T08:00:00.000Z"), withInvoice: false)  // a deposit before the invoice
        let sent = try fixture.completedMission(service: "electricite", total: 7_500, completedAt: at("2026-11-24T10:00:00.000Z"))
        let theirs = try fixture.completedMission(provider: fixture.otherProviderId, total: 5_000, completedAt: at("2026-11-24T12:00:00.000Z"))
        _ = try fixture.database.writeBlocking(now: at("2026-11-13T09:00:00.000Z")) { tx in
            for day in ["2026-11-13T09:00:00.000Z", "2026-11-17T09:00:00.000Z"] {
                try tx.insert(
                    .paymentReminders, ["id": .text(DjobeaID.v7()), "invoice_id": .text(late.invoice), "channel": "whatsapp", "sent_at": .text(day)])
            }
        }

        func page(_ status: InvoiceStatus?, _ number: Int = 1, size: Int = 20) throws -> ProviderInvoicePage {
            try fixture.database.readBlocking { db in
                try ProviderFinance.invoices(providerId: fixture.providerId, status: status, page: number, pageSize: size, now: now, in: db)
            }
        }
        let all = try page(nil)
        #expect(all.totalItems == 5 && !all.items.contains { $0.id == theirs.invoice })
        #expect(all.items.map(\.id) == [sent.invoice, partial.invoice, overpaid.invoice, late.invoice, paid.invoice])
        #expect(all.items.map(\.status) == ["envoyee", "partielle", "surpayee", "en_retard", "payee"])
        #expect(all.items.map(\.statusLabel) == ["Envoyée", "Partiellement payée", "Surpayée", "En retard", "Payée"])
        #expect(all.statusCounts == ["brouillon": 0, "envoyee": 1, "partielle": 1, "payee": 1, "surpayee": 1, "en_retard": 1])

        let partly = all.items[1]
        #expect(partly.paid == 5_000 && partly.amountDue == 15_000 && partly.amountDueLabel == XAF(15_000).formatted)
        let over = all.items[2]
        #expect(over.paid == 18_000 && over.amountDue == 0)
        let overdue = all.items[3]
        #expect(overdue.daysLate == 13 && overdue.remindersSent == 2 && overdue.reminders.map(\.channel) == ["whatsapp", "whatsapp"])
        #expect(overdue.clientName == "Marie Eyenga" && overdue.requestTitle == "Fuite sous l'évier")
        #expect(
            overdue.lines == [
                .init(
                    kind: "main_oeuvre", kindLabel: "Main d'œuvre", label: "Réparation", quantity: 1, unitPrice: 12_000,
                    unitPriceLabel: XAF(12_000).formatted, amount: 12_000, amountLabel: XAF(12_000).formatted)
            ])
        #expect(all.items[0].serviceName == "Électricité" && all.items[0].daysLate == 0)

        let lateOnly = try page(.enRetard)
        #expect(lateOnly.items.map(\.id) == [late.invoice] && lateOnly.status == "en_retard" && lateOnly.statusCounts["payee"] == 1)
        let second = try page(nil, 2, size: 2)
        #expect(second.items.map(\.id) == [overpaid.invoice, late.invoice] && second.totalPages == 3 && second.pageSize == 2)
        #expect(try page(nil, 4, size: 2).items.isEmpty)
        #expect(try page(nil, size: 1_000).pageSize == ProviderFinance.maxPageSize)
    }

    @Test("on the demo hub, every provider's earnings and charts equal the ledger fold", .timeLimit(.minutes(2)))
    func demoHub() throws {
        let demoNow = Date(timeIntervalSince1970: 1_773_498_600)
        let database = try NodeDatabase.inMemory()
        _ = try DemoGenerator(seed: 2026, days: 7, now: demoNow).generate(into: database, photos: nil, progress: { _ in })
        let fixture = DemoHub(database: database)
        let providers = try database.readBlocking { db in try String.fetchAll(db, sql: "SELECT id FROM providers ORDER BY id") }
        #expect(providers.count >= 20)
        var sawMoney = false
        for provider in providers {
            for period in [EarningsPeriod.week, .month] {
                let earned = try database.readBlocking { db in
                    try ProviderFinance.earnings(providerId: provider, period: period, now: demoNow, in: db)
                }
                let expected = try fixture.folded(provider: provider, in: period.interval(containing: demoNow))
                #expect(earned.gross == expected.paid.francs && earned.commission == expected.commission.francs)
                #expect(earned.byService.map(\.gross).reduce(0, +) == earned.gross)
                #expect(earned.byService.map(\.commission).reduce(0, +) == earned.commission)
                #expect(earned.byMethod.map(\.amount).reduce(0, +) == earned.gross)
                sawMoney = sawMoney || earned.gross > 0
            }
            let charts = try database.readBlocking { db in try ProviderCharts.chartData(providerId: provider, period: .days7, now: demoNow, in: db) }
            #expect(charts.revenueByDay.map(\.amount).reduce(0, +) == charts.revenueTotal)
            #expect(charts.revenueTotal == (try fixture.folded(provider: provider, in: DoualaCalendar().lastDays(7, now: demoNow))).paid.francs)
            let invoices = try database.readBlocking { db in
                try ProviderFinance.invoices(providerId: provider, status: nil, page: 1, now: demoNow, in: db)
            }
            let count = try database.readBlocking { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM invoices WHERE provider_id = ?", arguments: [provider])
            }
            #expect(invoices.statusCounts.values.reduce(0, +) == count)
        }
        #expect(sawMoney)
    }
}

/// Expected sums computed the plain way: `PaymentLedger.fold` over all of a provider's entries.
struct DemoHub {
    let database: NodeDatabase

    /// The effects of the entries recorded in `interval`, from a fold of every entry of `provider`.
    func folded(provider: String, in interval: DateInterval) throws -> LedgerEffect {
        let rows = try database.readBlocking { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ledger_entries WHERE provider_id = ?", arguments: [provider])
        }
        let balance = PaymentLedger.fold(try rows.map(LedgerReads.entry(from:)))
        var sum = LedgerEffect()
        for row in rows {
            guard let recorded = UTCTimestamp.parse(row["recorded_at"]), recorded >= interval.start, recorded < interval.end,
                let effect = balance.effects[row["id"]]
            else { continue }
            sum.paid += effect.paid
            sum.commission += effect.commission
        }
        return sum
    }
}
