import DjobeaDomain
import Foundation
import GRDB

/// A provider's statement for a span of days (the exports of `GET /provider/finance/export/{format}`): every ledger
/// entry the fold counts in the span, the months, the totals.
///
/// Nothing is computed twice: the entries and their amounts are `ProviderLedgerFold.counted(in:)` and the totals
/// `ProviderLedgerFold.totals(in:)`, exactly what `ProviderFinance.earnings` reports for the same interval; the
/// months add the same effects by local month.
public struct ProviderStatement: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var entryId: String
        public var recordedAt: Date
        public var kind: LedgerEntryKind
        /// "Paiement", "Commission", "Correction".
        public var kindLabel: String
        public var requestId: String
        public var requestTitle: String
        public var clientName: String
        public var serviceName: String
        /// The method of the payment (of the payment reversed, for a reversal); nil for a commission.
        public var method: PaymentMethod?
        public var operatorRef: String?
        public var invoiceNumber: String?
        /// The entry's effect on money received and on commission.
        public var gross: XAF
        public var commission: XAF
    }

    public struct Month: Sendable, Hashable {
        /// "2026-01".
        public var monthKey: String
        /// "Janvier 2026".
        public var label: String
        public var gross: XAF
        public var commission: XAF
        /// Canonical payments recorded in the month (reversals and commissions not counted).
        public var payments: Int
    }

    public var providerName: String
    public var providerPhone: String
    public var period: StatementPeriod
    /// Oldest first.
    public var entries: [Entry]
    /// Each month the span touches, oldest first, empty ones included.
    public var months: [Month]
    public var gross: XAF
    public var commission: XAF
    /// Reversals recorded in the span whose original payment has not arrived (not counted, as in the earnings).
    public var pendingReversals: Int

    public var net: XAF { gross - commission }
}

extension ProviderFinance {
    /// The statement of `providerId` for `period`.
    public static func statement(providerId: String, period: StatementPeriod, in db: Database) throws -> ProviderStatement {
        guard let provider = try Row.fetchOne(db, sql: "SELECT name, phone FROM providers WHERE id = ?", arguments: [providerId]) else {
            throw ProviderAccountError.notFound(resource: "provider")
        }
        let ledger = try ProviderLedgerFold.load(providerId: providerId, in: db)
        let counted = ledger.counted(in: period.interval)
        let totals = ledger.totals(in: period.interval)
        var titles: [String: String] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT id, title FROM service_requests
                WHERE id IN (SELECT DISTINCT request_id FROM ledger_entries WHERE provider_id = ?)
                """, arguments: [providerId])
        {
            titles[row["id"]] = row["title"]
        }

        let calendar = DoualaCalendar()
        var months = Dictionary(uniqueKeysWithValues: period.monthKeys.map { ($0, (gross: XAF.zero, commission: XAF.zero, payments: 0)) })
        var entries: [ProviderStatement.Entry] = []
        for (line, effect) in counted.sorted(by: { ($0.line.recordedAt, $0.line.entry.id) < ($1.line.recordedAt, $1.line.entry.id) }) {
            let owner = ledger.owner(of: line)
            let kind = line.entry.kind
            let key = calendar.monthKey(line.recordedAt)
            months[key, default: (.zero, .zero, 0)].gross += effect.paid
            months[key, default: (.zero, .zero, 0)].commission += effect.commission
            if kind == .payment { months[key, default: (.zero, .zero, 0)].payments += 1 }
            entries.append(
                .init(
                    entryId: line.entry.id, recordedAt: line.recordedAt, kind: kind, kindLabel: Self.kindLabelFR(kind),
                    requestId: owner.entry.requestId, requestTitle: titles[owner.entry.requestId] ?? "", clientName: owner.clientName,
                    serviceName: owner.serviceName, method: kind == .commission ? nil : owner.entry.method,
                    operatorRef: kind == .commission ? nil : owner.entry.operatorRef, invoiceNumber: line.invoiceNumber ?? owner.invoiceNumber,
                    gross: effect.paid, commission: effect.commission))
        }
        let pending = Set(ledger.balance.pendingReversalIds)
        let pendingCount = ledger.lines.filter {
            pending.contains($0.entry.id) && $0.recordedAt >= period.interval.start && $0.recordedAt < period.interval.end
        }.count
        return ProviderStatement(
            providerName: provider["name"], providerPhone: provider["phone"], period: period, entries: entries,
            months: months.keys.sorted().map { key in
                let sum = months[key] ?? (.zero, .zero, 0)
                let (year, month) = (Int(key.prefix(4)) ?? 1970, Int(key.suffix(2)) ?? 1)
                return .init(
                    monthKey: key, label: EarningsPeriod.monthLabelFR(year: year, month: month), gross: sum.gross, commission: sum.commission,
                    payments: sum.payments)
            }, gross: totals.paid, commission: totals.commission, pendingReversals: pendingCount)
    }

    static func kindLabelFR(_ kind: LedgerEntryKind) -> String {
        switch kind {
        case .payment: "Paiement"
        case .commission: "Commission"
        case .reversal: "Correction"
        }
    }

    /// One of the provider's invoices with its lines and derived status at `now`, and the provider's name and phone
    /// (what its PDF prints); nil when `invoiceId` is not an invoice of `providerId`.
    public static func invoiceDocument(providerId: String, invoiceId: String, now: Date, in db: Database) throws -> ProviderInvoiceDocument? {
        guard let provider = try Row.fetchOne(db, sql: "SELECT name, phone FROM providers WHERE id = ?", arguments: [providerId]) else {
            throw ProviderAccountError.notFound(resource: "provider")
        }
        let owned =
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM invoices WHERE id = ? AND provider_id = ?)", arguments: [invoiceId, providerId]) ?? false
        guard owned else { return nil }
        let ledger = try ProviderLedgerFold.load(providerId: providerId, in: db)
        guard let summary = try InvoiceLedger.summaries(providerId: providerId, ledger: ledger, now: now, in: db).first(where: { $0.id == invoiceId })
        else { return nil }
        guard let invoice = try detailed([summary], in: db).first else { return nil }
        return ProviderInvoiceDocument(providerName: provider["name"], providerPhone: provider["phone"], invoice: invoice)
    }
}

/// An invoice as its PDF prints it.
public struct ProviderInvoiceDocument: Sendable, Hashable {
    public var providerName: String
    public var providerPhone: String
    public var invoice: ProviderInvoice
}
