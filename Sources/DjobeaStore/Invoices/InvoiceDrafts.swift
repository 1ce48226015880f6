import DjobeaDomain
import Foundation
import GRDB

/// Invoices edited before they are sent: a payment request with `send: false` makes a draft (`sent_at` NULL), which
/// the provider edits (`PUT /provider/finance/invoices/{id}`) and sends (`POST …/send`). A draft has no number yet
/// (`brouillon-<id>`), is owed nothing, has no client page, no reminder, no collection, no credit note and no
/// commission; once sent it never changes again (a credit note corrects it).
public enum InvoiceDrafts {
    static let draftPrefix = "brouillon-"

    /// The `number` a draft carries until it is sent: unique per provider like a real number, never matching the
    /// `F-YYYY-` prefix the numbering counts.
    public static func draftNumber(invoiceId: String) -> String { draftPrefix + invoiceId }

    public static func isDraft(_ invoice: InvoiceRecord) -> Bool { invoice.sentAt == nil }

    /// The number the provider sees: "Brouillon" until the invoice is sent, then its number.
    public static func shownNumber(_ number: String) -> String { number.hasPrefix(draftPrefix) ? "Brouillon" : number }

    /// The answer of the payment request, of an edit and of a sending.
    static func result(_ invoice: InvoiceRecord, lines: [MissionPaymentRequestResult.Line], command: String, messageId: String?)
        -> MissionPaymentRequestResult
    {
        MissionPaymentRequestResult(
            command: command, requestId: invoice.requestId, invoiceId: invoice.id, number: shownNumber(invoice.number), draft: isDraft(invoice),
            total: Int(invoice.total), totalLabel: XAF(Int(invoice.total)).formatted, lines: lines, issuedAt: invoice.issuedAt,
            dueAt: invoice.dueAt, messageId: messageId, replayed: false)
    }

    static func lines(invoiceId: String, in db: Database) throws -> [MissionPaymentRequestResult.Line] {
        try records(invoiceId: invoiceId, in: db).map { line in
            .init(
                kind: line.kind.rawValue, label: line.label, quantity: Int(line.quantity), unitPrice: Int(line.unitPrice),
                total: Int(line.quantity * line.unitPrice))
        }
    }

    static func records(invoiceId: String, in db: Database) throws -> [InvoiceLineRecord] {
        try InvoiceLineRecord.fetchAll(
            db, sql: "SELECT * FROM invoice_lines WHERE invoice_id = ? ORDER BY line_order, id", arguments: [invoiceId])
    }

    /// 409 `invoice_draft`: what only a sent invoice allows (a reminder, a credit note, a collection, its page).
    static func notSentYet(_ what: String) -> ProviderRequestError {
        ProviderRequestError(
            code: "invoice_draft", messageFR: "Facture encore en brouillon : envoyez-la au client avant \(what)", kind: .conflict)
    }
}

extension ProviderRequestCommands {
    /// Replaces the lines of a draft invoice (1 to 30 lines, the same checks as a quote's); 409 `invoice_sent` once
    /// it was sent (a credit note corrects a sent invoice).
    public func editInvoiceDraft(
        providerId: String, invoiceId: String, lines: [QuoteLineInput], idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> MissionPaymentRequestResult {
        let checked = try QuoteRules.validated(lines)
        let requestId = try await invoiceRequest(providerId: providerId, invoiceId: invoiceId)
        return try await work("invoice_edit", providerId, requestId, idempotencyKey, .critical, now) { tx, _ in
            var current = try Self.invoice(invoiceId, providerId: providerId, in: tx.db)
            guard InvoiceDrafts.isDraft(current) else {
                throw ProviderRequestError(
                    code: "invoice_sent",
                    messageFR: "Facture \(current.number) déjà envoyée : elle ne se modifie plus, faites un avoir pour la corriger",
                    kind: .conflict)
            }
            for line in try InvoiceDrafts.records(invoiceId: invoiceId, in: tx.db) { try tx.delete(line) }
            var answered: [MissionPaymentRequestResult.Line] = []
            for (order, line) in checked.enumerated() {
                try tx.insert(
                    InvoiceLineRecord(
                        id: DjobeaID.v7(now: tx.now), invoiceId: invoiceId, kind: line.0, label: line.1, quantity: Int64(line.2),
                        unitPrice: Int64(line.3), lineOrder: Int64(order)))
                answered.append(.init(kind: line.0.rawValue, label: line.1, quantity: line.2, unitPrice: line.3, total: line.2 * line.3))
            }
            current.total = Int64(answered.map(\.total).reduce(0, +))
            try tx.update(current, columns: [.total])
            return InvoiceDrafts.result(current, lines: answered, command: "invoice_edit", messageId: nil)
        }
    }

    /// Sends a draft invoice to the client (its number is taken now; WhatsApp with the amount, the link and the PDF);
    /// 409 `invoice_sent` when it already was (the same idempotency key replays the first answer instead).
    public func sendInvoice(
        providerId: String, invoiceId: String, note: String? = nil, publicBase: ClientPageLinks?, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> MissionPaymentRequestResult {
        let note = try Self.text(note, field: "note", max: 500)
        let requestId = try await invoiceRequest(providerId: providerId, invoiceId: invoiceId)
        let home = database.homeHubId
        return try await work("invoice_send", providerId, requestId, idempotencyKey, .critical, now) { tx, context in
            var current = try Self.invoice(invoiceId, providerId: providerId, in: tx.db)
            guard InvoiceDrafts.isDraft(current) else {
                throw ProviderRequestError(code: "invoice_sent", messageFR: "Facture \(current.number) déjà envoyée au client", kind: .conflict)
            }
            try Self.markSent(&current, homeHubId: home, in: tx)
            try tx.update(current, columns: [.number, .issuedAt, .dueAt, .sentAt, .publicToken])
            var answer = try Self.announce(
                current, lines: try InvoiceDrafts.lines(invoiceId: invoiceId, in: tx.db), note: note, context: context, publicBase: publicBase,
                in: tx)
            answer.command = "invoice_send"
            return answer
        }
    }
}
