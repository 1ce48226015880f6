import DjobeaDomain
import DjobeaReplication
import Foundation
import GRDB

/// One provider's whole ledger, folded once by `PaymentLedger.fold`, each entry annotated with what charts and
/// finance group money by (time, service, client, rate, invoice).
///
/// The technique of `ProviderDashboardQuery`: fold once so that duplicate mobile-money transactions count once,
/// reversals are deducted and pending reversals are not counted; then add each entry's `effects` into whatever
/// buckets a view needs, so that every split (by day, service, client, method) sums exactly to the fold. Unlike
/// the dashboard, which folds only its window, this folds every entry of the provider: a reversal recorded in a
/// period whose payment was recorded before it is deducted, and a duplicate is matched whenever its twin was
/// recorded. The effect of a reversal falls on the reversal's own time. Cost: one indexed scan of the provider's
/// rows (a busy provider adds a few thousand a year).
struct ProviderLedgerFold {
    struct Line {
        var entry: LedgerEntry
        var recordedAt: Date
        var serviceCode: String
        var serviceName: String
        var clientId: String
        var clientName: String
        var rateId: String?
        var invoiceNumber: String?
    }

    let lines: [Line]
    let balance: LedgerBalance
    let byId: [String: Line]

    /// A provider's ledger entries with what a statement line shows (service, client, invoice number); one `?`, the
    /// provider's id. Portable SQL: read by GRDB on the provider API's hot path, and through the seam by the gateway.
    static let entriesSQL = """
        SELECT l.*, s.code AS service_code, s.name_fr AS service_name, r.client_id, c.name AS client_name, i.number AS invoice_number
        FROM ledger_entries l
        LEFT JOIN service_requests r ON r.id = l.request_id LEFT JOIN services s ON s.id = r.service_id
        LEFT JOIN clients c ON c.id = r.client_id LEFT JOIN invoices i ON i.id = l.invoice_id
        WHERE l.provider_id = ?
        """

    /// Reads and folds every ledger entry of `providerId`.
    static func load(providerId: String, in db: Database) throws -> ProviderLedgerFold {
        var lines: [Line] = []
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: entriesSQL), arguments: [providerId])
        while let row = try rows.next() {
            guard let at = UTCTimestamp.parse(row["recorded_at"]) else { continue }
            let serviceCode: String? = row["service_code"]
            let clientId: String? = row["client_id"]
            lines.append(
                Line(
                    entry: try LedgerReads.entry(from: row), recordedAt: at, serviceCode: serviceCode ?? "inconnu",
                    serviceName: row["service_name"] ?? "Service inconnu", clientId: clientId ?? "",
                    clientName: row["client_name"] ?? "Client inconnu",
                    rateId: row["rate_id"], invoiceNumber: (row["invoice_number"] as String?).map(InvoiceDrafts.shownNumber)))
        }
        return ProviderLedgerFold(lines: lines)
    }

    /// `load` on any storage (the activity summaries of a gateway on PostgreSQL).
    static func load(providerId: String, in connection: any ReplicaConnection) throws -> ProviderLedgerFold {
        var lines: [Line] = []
        let rows = try connection.query(entriesSQL, [.text(providerId)])
        for row in rows {
            guard let at = row["recorded_at"].textValue.flatMap(UTCTimestamp.parse) else { continue }
            let record = try ColumnValuesDecoder.decode(LedgerEntryRecord.self, from: row)
            lines.append(
                Line(
                    entry: LedgerReads.entry(from: record), recordedAt: at, serviceCode: row["service_code"].textValue ?? "inconnu",
                    serviceName: row["service_name"].textValue ?? "Service inconnu", clientId: row["client_id"].textValue ?? "",
                    clientName: row["client_name"].textValue ?? "Client inconnu", rateId: row["rate_id"].textValue,
                    invoiceNumber: row["invoice_number"].textValue.map(InvoiceDrafts.shownNumber)))
        }
        return ProviderLedgerFold(lines: lines)
    }

    init(lines: [Line]) {
        self.lines = lines
        self.balance = PaymentLedger.fold(lines.map(\.entry))
        self.byId = Dictionary(lines.map { ($0.entry.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The entries recorded in `interval` that the fold counts, with their effect.
    func counted(in interval: DateInterval) -> [(line: Line, effect: LedgerEffect)] {
        lines.compactMap { line in
            guard line.recordedAt >= interval.start, line.recordedAt < interval.end, let effect = balance.effects[line.entry.id] else { return nil }
            return (line, effect)
        }
    }

    /// Money received and commission in `interval`.
    func totals(in interval: DateInterval) -> LedgerEffect {
        counted(in: interval).reduce(into: LedgerEffect()) { sum, item in
            sum.paid += item.effect.paid
            sum.commission += item.effect.commission
        }
    }

    /// Received money per local day over `interval` (whole local days), oldest first, zero days included.
    func paidByDay(in interval: DateInterval, calendar: DoualaCalendar = DoualaCalendar()) -> [(day: String, amount: XAF)] {
        var byKey: [String: XAF] = [:]
        for (line, effect) in counted(in: interval) where effect.paid != .zero {
            byKey[calendar.dayKey(line.recordedAt), default: .zero] += effect.paid
        }
        var days: [(String, XAF)] = []
        var dayStart = interval.start
        while dayStart < interval.end {
            let key = calendar.dayKey(dayStart)
            days.append((key, byKey[key] ?? .zero))
            dayStart = dayStart.addingTimeInterval(86_400)
        }
        return days
    }

    /// What was received on each request, every payment on it counted (with or without `invoice_id`: an invoice
    /// is one per request, and a deposit may be taken before it is issued).
    func paidByRequest() -> [String: XAF] {
        var paid: [String: XAF] = [:]
        for line in lines {
            guard let effect = balance.effects[line.entry.id], effect.paid != .zero else { continue }
            paid[owner(of: line).entry.requestId, default: .zero] += effect.paid
        }
        return paid
    }

    /// The line a reversal names, when present.
    func target(of line: Line) -> Line? {
        line.entry.reversesEntryId.flatMap { byId[$0] }
    }

    /// The line whose request, service, client and method a counted line's money belongs to: for a reversal, the
    /// entry it reverses; otherwise the line itself.
    func owner(of line: Line) -> Line {
        target(of: line) ?? line
    }
}
