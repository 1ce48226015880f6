import DjobeaDomain
import Foundation
import GRDB

/// A provider's money: earnings per calendar period and invoices (`/provider/finance/...`). Reads only; every
/// amount comes from one fold of the provider's own ledger (`ProviderLedgerFold`).
public enum ProviderFinance {
    public static let defaultPageSize = 20
    public static let maxPageSize = 100
    static let topClientCount = 10

    /// Earnings of the current `period` (Douala calendar) at `now`, compared with the previous period.
    ///
    /// - Parameters:
    ///   - historyPage: the page of the payment history (1-based; 20 records a page, newest first).
    public static func earnings(
        providerId: String, period: EarningsPeriod, now: Date, historyPage: Int = 1, in db: Database
    ) throws -> ProviderEarnings {
        let current = period.interval(containing: now)
        let previous = period.previous(current)
        return try earnings(
            providerId: providerId, current: current,
            currentRange: PeriodRange(period: period.rawValue, interval: current, label: period.labelFR(current)), previous: previous,
            previousRange: PeriodRange(period: period.rawValue, interval: previous, label: period.labelFR(previous)), now: now,
            historyPage: historyPage, in: db)
    }

    /// Earnings of any span of Douala days (`GET /provider/finance/earnings/custom?from=…&to=…`), compared with the
    /// span of the same length just before it. Same fold and splits as the calendar periods.
    public static func earnings(
        providerId: String, days: StatementPeriod, now: Date, historyPage: Int = 1, in db: Database
    ) throws -> ProviderEarnings {
        let previous = days.previous
        return try earnings(
            providerId: providerId, current: days.interval,
            currentRange: PeriodRange(period: StatementPeriod.code, interval: days.interval, label: days.labelFR), previous: previous.interval,
            previousRange: PeriodRange(period: StatementPeriod.code, interval: previous.interval, label: previous.labelFR), now: now,
            historyPage: historyPage, in: db)
    }

    /// Earnings of the half-open interval `current` compared with `previous`; the ranges are how the answer names them.
    private static func earnings(
        providerId: String, current: DateInterval, currentRange: PeriodRange, previous: DateInterval, previousRange: PeriodRange, now: Date,
        historyPage: Int, in db: Database
    ) throws -> ProviderEarnings {
        try ProviderAccount.requireProvider(providerId, in: db)
        let ledger = try ProviderLedgerFold.load(providerId: providerId, in: db)
        let counted = ledger.counted(in: current)
        let totals = ledger.totals(in: current)

        // Whole previous period, and the same stretch of it as has elapsed of the current one.
        let before = ledger.totals(in: previous)
        let elapsed = max(0, min(now, current.end).timeIntervalSince(current.start))
        let beforeToDate = ledger.totals(in: DateInterval(start: previous.start, end: min(previous.end, previous.start.addingTimeInterval(elapsed))))
        let change = totals.paid - before.paid
        let comparison = ProviderEarnings.Comparison(
            previous: previousRange, gross: before.paid.francs,
            grossLabel: before.paid.formatted, commission: before.commission.francs, commissionLabel: before.commission.formatted,
            net: (before.paid - before.commission).francs, netLabel: (before.paid - before.commission).formatted,
            grossToDate: beforeToDate.paid.francs, grossToDateLabel: beforeToDate.paid.formatted, grossChange: change.francs,
            grossChangeLabel: change.formatted,
            grossChangePercent: before.paid > .zero ? (Double(change.francs) / Double(before.paid.francs) * 1_000).rounded() / 10 : nil)

        let (pending, pendingTotal) = try pendingPayments(providerId: providerId, ledger: ledger, now: now, in: db)

        let net = totals.paid - totals.commission
        return ProviderEarnings(
            range: currentRange, gross: totals.paid.francs,
            grossLabel: totals.paid.formatted, commission: totals.commission.francs, commissionLabel: totals.commission.formatted,
            net: net.francs, netLabel: net.formatted, commissionRates: try appliedRates(counted, ledger: ledger, in: db),
            byService: byService(counted, ledger: ledger), topClients: topClients(counted, ledger: ledger),
            byMethod: byMethod(counted, ledger: ledger),
            pendingPayments: pending, pendingTotal: pendingTotal.francs, pendingTotalLabel: pendingTotal.formatted,
            paymentHistory: history(ledger: ledger, in: current, page: historyPage), comparison: comparison)
    }

    /// Completed missions whose invoice is not fully paid (whatever the period), most days late first, and what
    /// remains due on them: the earnings' `pending_payments` and the goal's unpaid-invoices advice.
    static func pendingPayments(
        providerId: String, ledger: ProviderLedgerFold, now: Date, in db: Database
    ) throws -> (payments: [ProviderEarnings.PendingPayment], total: XAF) {
        let pending = try InvoiceLedger.summaries(providerId: providerId, ledger: ledger, now: now, in: db)
            .filter { $0.missionStatus == RequestStatus.terminee.rawValue && $0.paid < $0.total - $0.credited }
            .sorted { ($1.daysLate, $0.dueAt, $0.id) < ($0.daysLate, $1.dueAt, $1.id) }
        return (pending.map(\.pendingPayment), pending.map { InvoiceStatus.amountDue(total: $0.total, paid: $0.paid, credited: $0.credited) }.sum())
    }

    // MARK: - Splits

    private static func byService(_ counted: [(line: ProviderLedgerFold.Line, effect: LedgerEffect)], ledger: ProviderLedgerFold)
        -> [ProviderEarnings.ServiceEarnings]
    {
        var sums: [String: (name: String, effect: LedgerEffect, requests: Set<String>)] = [:]
        for (line, effect) in counted {
            let owner = ledger.owner(of: line)
            sums[owner.serviceCode, default: (owner.serviceName, LedgerEffect(), [])].effect.paid += effect.paid
            sums[owner.serviceCode, default: (owner.serviceName, LedgerEffect(), [])].effect.commission += effect.commission
            sums[owner.serviceCode, default: (owner.serviceName, LedgerEffect(), [])].requests.insert(owner.entry.requestId)
        }
        return sums.map { code, sum in
            let net = sum.effect.paid - sum.effect.commission
            return ProviderEarnings.ServiceEarnings(
                serviceCode: code, serviceName: sum.name, gross: sum.effect.paid.francs, grossLabel: sum.effect.paid.formatted,
                commission: sum.effect.commission.francs, commissionLabel: sum.effect.commission.formatted, net: net.francs, netLabel: net.formatted,
                missions: sum.requests.count)
        }.sorted { ($1.gross, $0.serviceCode) < ($0.gross, $1.serviceCode) }
    }

    private static func topClients(_ counted: [(line: ProviderLedgerFold.Line, effect: LedgerEffect)], ledger: ProviderLedgerFold)
        -> [ProviderEarnings.ClientEarnings]
    {
        var sums: [String: (name: String, paid: XAF, requests: Set<String>)] = [:]
        for (line, effect) in counted where effect.paid != .zero {
            let owner = ledger.owner(of: line)
            sums[owner.clientId, default: (owner.clientName, .zero, [])].paid += effect.paid
            sums[owner.clientId, default: (owner.clientName, .zero, [])].requests.insert(owner.entry.requestId)
        }
        return sums.map { id, sum in
            ProviderEarnings.ClientEarnings(
                clientId: id, clientName: sum.name, gross: sum.paid.francs, grossLabel: sum.paid.formatted, missions: sum.requests.count)
        }
        .sorted { ($1.gross, $0.clientName, $0.clientId) < ($0.gross, $1.clientName, $1.clientId) }
        .prefix(topClientCount).map { $0 }
    }

    private static func byMethod(_ counted: [(line: ProviderLedgerFold.Line, effect: LedgerEffect)], ledger: ProviderLedgerFold)
        -> [ProviderEarnings.MethodEarnings]
    {
        var sums: [PaymentMethod: XAF] = [:]
        for (line, effect) in counted where effect.paid != .zero {
            guard let method = ledger.owner(of: line).entry.method else { continue }
            sums[method, default: .zero] += effect.paid
        }
        return PaymentMethod.allCases.compactMap { method in
            sums[method].map { .init(method: method.rawValue, methodLabel: method.labelFR, amount: $0.francs, amountLabel: $0.formatted) }
        }
    }

    /// Commission recorded in the period by rate version (a reversal of a commission counts against its rate).
    private static func appliedRates(
        _ counted: [(line: ProviderLedgerFold.Line, effect: LedgerEffect)], ledger: ProviderLedgerFold, in db: Database
    ) throws -> [ProviderEarnings.AppliedRate] {
        var sums: [String: (commission: XAF, requests: Set<String>)] = [:]
        for (line, effect) in counted where effect.commission != .zero {
            let owner = ledger.owner(of: line)
            guard let rateId = owner.rateId else { continue }
            sums[rateId, default: (.zero, [])].commission += effect.commission
            if effect.commission > .zero { sums[rateId, default: (.zero, [])].requests.insert(owner.entry.requestId) }
        }
        guard !sums.isEmpty else { return [] }
        let rates = Dictionary(try CommissionRates.table(in: db).rates.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return sums.compactMap { id, sum -> ProviderEarnings.AppliedRate? in
            guard let rate = rates[id] else { return nil }
            return ProviderEarnings.AppliedRate(
                rateId: id, basisPoints: rate.basisPoints, percentLabel: percentLabel(basisPoints: rate.basisPoints), level: rate.level?.rawValue,
                effectiveFrom: UTCTimestamp.format(rate.effectiveFrom), missions: sum.requests.count, commission: sum.commission.francs,
                commissionLabel: sum.commission.formatted)
        }.sorted { ($0.effectiveFrom, $0.rateId) < ($1.effectiveFrom, $1.rateId) }
    }

    /// "15 %", "12,5 %" (French decimal comma, narrow no-break space before the sign).
    static func percentLabel(basisPoints: Int) -> String {
        let whole = basisPoints / 100
        let fraction = basisPoints % 100
        let decimals = fraction == 0 ? "" : fraction % 10 == 0 ? ",\(fraction / 10)" : "," + String(format: "%02d", fraction)
        return "\(whole)\(decimals)\u{202F}%"
    }

    // MARK: - History

    /// Canonical payments and reversals of payments recorded in `interval`, newest first, one page.
    private static func history(ledger: ProviderLedgerFold, in interval: DateInterval, page: Int) -> ProviderEarnings.PaymentHistory {
        let balance = ledger.balance
        let canonical = Set(balance.canonicalPaymentIds)
        let pending = Set(balance.pendingReversalIds)
        var reversedIds: Set<String> = []
        for line in ledger.lines where line.entry.kind == .reversal && (balance.effects[line.entry.id]?.paid ?? .zero) != .zero {
            if let target = line.entry.reversesEntryId { reversedIds.insert(target) }
        }
        let records = ledger.lines.filter { line in
            guard line.recordedAt >= interval.start, line.recordedAt < interval.end else { return false }
            switch line.entry.kind {
            case .payment: return canonical.contains(line.entry.id)
            case .reversal: return pending.contains(line.entry.id) || (balance.effects[line.entry.id]?.paid ?? .zero) != .zero
            case .commission: return false
            }
        }
        .sorted { ($0.recordedAt, $0.entry.id) > ($1.recordedAt, $1.entry.id) }

        let size = defaultPageSize
        let pageNumber = max(1, page)
        let items = records.dropFirst((pageNumber - 1) * size).prefix(size).map { line in
            let isPending = pending.contains(line.entry.id)
            let amount = balance.effects[line.entry.id]?.paid ?? .zero
            let method = ledger.owner(of: line).entry.method
            return ProviderEarnings.PaymentRecord(
                entryId: line.entry.id, kind: line.entry.kind.rawValue, kindLabel: line.entry.kind == .payment ? "Paiement" : "Correction",
                method: method?.rawValue, methodLabel: method?.labelFR, operatorRef: ledger.owner(of: line).entry.operatorRef,
                amount: amount.francs, amountLabel: amount.formatted, counted: !isPending, reversed: reversedIds.contains(line.entry.id),
                noteFR: isPending ? LedgerBalance.pendingMessageFR : nil, recordedAt: UTCTimestamp.format(line.recordedAt),
                requestId: line.entry.requestId, invoiceId: line.entry.invoiceId, invoiceNumber: line.invoiceNumber, clientName: line.clientName,
                serviceName: line.serviceName)
        }
        return ProviderEarnings.PaymentHistory(
            page: pageNumber, pageSize: size, totalItems: records.count, totalPages: (records.count + size - 1) / size, items: Array(items))
    }
}
