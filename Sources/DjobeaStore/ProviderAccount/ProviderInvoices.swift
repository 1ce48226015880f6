import DjobeaDomain
import Foundation
import GRDB

/// One invoice with its derived payment status (`GET /provider/finance/invoices`).
public struct ProviderInvoice: Codable, Sendable, Hashable {
    public struct Line: Codable, Sendable, Hashable {
        /// main_oeuvre, materiel or deplacement.
        public var kind: String
        public var kindLabel: String
        public var label: String
        public var quantity: Int
        public var unitPrice: Int
        public var unitPriceLabel: String
        public var amount: Int
        public var amountLabel: String
    }

    public struct Reminder: Codable, Sendable, Hashable {
        public var id: String
        /// whatsapp or sms.
        public var channel: String
        public var sentAt: String
        /// automatique (sent by the hub after the due date) or manuelle (the provider's "Relancer").
        public var kind: String
        public var kindLabel: String
    }

    /// A credit note (avoir) taken off the invoice.
    public struct CreditNote: Codable, Sendable, Hashable {
        public var id: String
        /// "A-2026-0001".
        public var number: String
        public var amount: Int
        public var amountLabel: String
        public var reason: String
        public var createdAt: String
    }

    public var id: String
    public var number: String
    public var requestId: String
    public var requestTitle: String
    public var serviceCode: String
    public var serviceName: String
    public var clientId: String
    public var clientName: String
    public var total: Int
    public var totalLabel: String
    /// The sum of the credit notes: the client owes `total − credited`.
    public var credited: Int
    public var creditedLabel: String
    public var paid: Int
    public var paidLabel: String
    public var amountDue: Int
    public var amountDueLabel: String
    /// An `InvoiceStatus` raw value: envoyee, partielle, payee, surpayee, en_retard.
    public var status: String
    public var statusLabel: String
    public var issuedAt: String
    public var dueAt: String
    public var sentAt: String?
    /// Local days since the due date while not fully paid; 0 otherwise.
    public var daysLate: Int
    public var lines: [Line]
    public var reminders: [Reminder]
    public var remindersSent: Int
    public var creditNotes: [CreditNote]
}

/// A page of invoices, newest first, with the count of every status for the filter tabs.
public struct ProviderInvoicePage: Codable, Sendable, Hashable {
    /// The filter applied, nil for all.
    public var status: String?
    public var page: Int
    public var pageSize: Int
    public var totalItems: Int
    public var totalPages: Int
    /// Every `InvoiceStatus` raw value, with the provider's count of it (whatever the filter).
    public var statusCounts: [String: Int]
    public var items: [ProviderInvoice]
}

extension ProviderFinance {
    /// The provider's invoices with the status derived at `now` from the ledger (`InvoiceStatus.derive`), filtered
    /// by `status` when given, newest first, `pageSize` a page (at most 100).
    public static func invoices(
        providerId: String, status: InvoiceStatus?, page: Int, pageSize: Int = defaultPageSize, now: Date, in db: Database
    ) throws -> ProviderInvoicePage {
        try ProviderAccount.requireProvider(providerId, in: db)
        let ledger = try ProviderLedgerFold.load(providerId: providerId, in: db)
        let all = try InvoiceLedger.summaries(providerId: providerId, ledger: ledger, now: now, in: db)
            .sorted { ($0.issuedAt, $0.id) > ($1.issuedAt, $1.id) }
        var counts = Dictionary(uniqueKeysWithValues: InvoiceStatus.allCases.map { ($0.rawValue, 0) })
        for invoice in all { counts[invoice.status.rawValue, default: 0] += 1 }
        let filtered = status.map { wanted in all.filter { $0.status == wanted } } ?? all

        let size = max(1, min(maxPageSize, pageSize))
        let pageNumber = max(1, page)
        let slice = Array(filtered.dropFirst((pageNumber - 1) * size).prefix(size))
        let items = try detailed(slice, in: db)
        return ProviderInvoicePage(
            status: status?.rawValue, page: pageNumber, pageSize: size, totalItems: filtered.count,
            totalPages: (filtered.count + size - 1) / size, statusCounts: counts, items: items)
    }

    /// `summaries` with their lines and reminders, in the same order.
    static func detailed(_ slice: [InvoiceLedger.Summary], in db: Database) throws -> [ProviderInvoice] {
        let ids = slice.map(\.id)
        var lines: [String: [ProviderInvoice.Line]] = [:]
        var reminders: [String: [ProviderInvoice.Reminder]] = [:]
        var creditNotes: [String: [ProviderInvoice.CreditNote]] = [:]
        if !ids.isEmpty {
            let marks = databaseQuestionMarks(count: ids.count)
            for row in try Row.fetchAll(
                db, sql: "SELECT * FROM invoice_lines WHERE invoice_id IN (\(marks)) ORDER BY line_order, id", arguments: StatementArguments(ids))
            {
                let kind: String = row["kind"]
                let quantity: Int = row["quantity"]
                let unitPrice = XAF(row["unit_price"])
                let amount = XAF(quantity * unitPrice.francs)
                lines[row["invoice_id"], default: []].append(
                    .init(
                        kind: kind, kindLabel: lineKindLabelFR(kind), label: row["label"], quantity: quantity, unitPrice: unitPrice.francs,
                        unitPriceLabel: unitPrice.formatted, amount: amount.francs, amountLabel: amount.formatted))
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT r.*, m.template_code FROM payment_reminders r LEFT JOIN messages m ON m.id = r.message_id
                    WHERE r.invoice_id IN (\(marks)) ORDER BY r.sent_at, r.id
                    """, arguments: StatementArguments(ids))
            {
                let kind = InvoiceReminders.kind(templateCode: row["template_code"])
                reminders[row["invoice_id"], default: []].append(
                    .init(id: row["id"], channel: row["channel"], sentAt: row["sent_at"], kind: kind.rawValue, kindLabel: kind.labelFR))
            }
            for note in try CreditNoteRecord.fetchAll(
                db, sql: "SELECT * FROM credit_notes WHERE invoice_id IN (\(marks)) ORDER BY created_at, id", arguments: StatementArguments(ids))
            {
                creditNotes[note.invoiceId, default: []].append(.init(note))
            }
        }
        return slice.map { summary in
            let due = InvoiceStatus.amountDue(total: summary.total, paid: summary.paid, credited: summary.credited)
            return ProviderInvoice(
                id: summary.id, number: summary.number, requestId: summary.requestId, requestTitle: summary.requestTitle,
                serviceCode: summary.serviceCode, serviceName: summary.serviceName, clientId: summary.clientId, clientName: summary.clientName,
                total: summary.total.francs, totalLabel: summary.total.formatted, credited: summary.credited.francs,
                creditedLabel: summary.credited.formatted, paid: summary.paid.francs, paidLabel: summary.paid.formatted,
                amountDue: due.francs, amountDueLabel: due.formatted, status: summary.status.rawValue, statusLabel: summary.status.labelFR,
                issuedAt: summary.issuedAt, dueAt: summary.dueAt, sentAt: summary.sentAt, daysLate: summary.daysLate, lines: lines[summary.id] ?? [],
                reminders: reminders[summary.id] ?? [], remindersSent: reminders[summary.id]?.count ?? 0,
                creditNotes: creditNotes[summary.id] ?? [])
        }
    }

    static func lineKindLabelFR(_ kind: String) -> String {
        switch kind {
        case "main_oeuvre": "Main d'œuvre"
        case "materiel": "Matériel"
        case "deplacement": "Déplacement"
        default: kind
        }
    }
}

/// The provider's invoices joined to the ledger fold: what was paid on each and the derived status.
enum InvoiceLedger {
    struct Summary {
        var id: String
        var number: String
        var requestId: String
        var requestTitle: String
        var serviceCode: String
        var serviceName: String
        var clientId: String
        var clientName: String
        var total: XAF
        var credited: XAF
        var paid: XAF
        var issuedAt: String
        var dueAt: String
        var sentAt: String?
        var completedAt: String?
        var missionStatus: String?
        var status: InvoiceStatus
        var daysLate: Int

        var pendingPayment: ProviderEarnings.PendingPayment {
            let due = InvoiceStatus.amountDue(total: total, paid: paid, credited: credited)
            return .init(
                requestId: requestId, invoiceId: id, invoiceNumber: number, clientName: clientName, serviceName: serviceName,
                completedAt: completedAt, total: total.francs, totalLabel: total.formatted, paid: paid.francs, paidLabel: paid.formatted,
                amountDue: due.francs, amountDueLabel: due.formatted, dueAt: dueAt, daysLate: daysLate, status: status.rawValue,
                statusLabel: status.labelFR)
        }
    }

    static func summaries(providerId: String, ledger: ProviderLedgerFold, now: Date, in db: Database) throws -> [Summary] {
        let paidByRequest = ledger.paidByRequest()
        let credited = try InvoiceReminders.creditedByInvoice(providerId: providerId, in: db)
        let calendar = DoualaCalendar()
        let today = calendar.startOfDay(now)
        return try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT i.id, i.number, i.request_id, i.client_id, i.total, i.issued_at, i.due_at, i.sent_at,
                        r.title, s.code AS service_code, s.name_fr AS service_name, c.name AS client_name, m.status, m.completed_at
                    FROM invoices i
                    LEFT JOIN service_requests r ON r.id = i.request_id LEFT JOIN services s ON s.id = r.service_id
                    LEFT JOIN clients c ON c.id = i.client_id LEFT JOIN missions m ON m.request_id = i.request_id
                    WHERE i.provider_id = ?
                    """), arguments: [providerId]
        ).map { row in
            let total = XAF(row["total"])
            let requestId: String = row["request_id"]
            let paid = paidByRequest[requestId] ?? .zero
            let dueText: String = row["due_at"]
            let dueAt = UTCTimestamp.parse(dueText) ?? now
            let invoiceId: String = row["id"]
            let credit = credited[invoiceId] ?? .zero
            let sentAt: String? = row["sent_at"]
            let status = InvoiceStatus.derive(total: total, paid: paid, credited: credit, dueAt: dueAt, now: now, sent: sentAt != nil)
            let late =
                sentAt == nil ? 0 : paid < total - credit && now > dueAt ? Int(today.timeIntervalSince(calendar.startOfDay(dueAt)) / 86_400) : 0
            return Summary(
                id: invoiceId, number: InvoiceDrafts.shownNumber(row["number"]), requestId: requestId, requestTitle: row["title"] ?? "",
                serviceCode: row["service_code"] ?? "inconnu",
                serviceName: row["service_name"] ?? "Service inconnu", clientId: row["client_id"], clientName: row["client_name"] ?? "Client inconnu",
                total: total, credited: credit, paid: paid, issuedAt: row["issued_at"], dueAt: dueText, sentAt: row["sent_at"],
                completedAt: row["completed_at"],
                missionStatus: row["status"], status: status, daysLate: max(0, late))
        }
    }
}
