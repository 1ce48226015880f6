import DjobeaDomain
import Foundation
import GRDB

/// "Demande de paiement avec montant détaillé": the invoice made, and the WhatsApp message that told the client.
public struct MissionPaymentRequestResult: Codable, Sendable, Hashable, MissionWorkAnswer {
    public struct Line: Codable, Sendable, Hashable {
        /// main_oeuvre, materiel or deplacement.
        public var kind: String
        public var label: String
        public var quantity: Int
        public var unitPrice: Int
        public var total: Int
    }

    public var command: String
    public var requestId: String
    public var invoiceId: String
    /// "F-2026-0007": per provider and (Douala) year of the sending; "Brouillon" while a draft.
    public var number: String
    /// Made with `send: false` and not sent yet: editable (`PUT /provider/finance/invoices/{id}`), sent by
    /// `POST /provider/finance/invoices/{id}/send`.
    public var draft: Bool
    public var total: Int
    public var totalLabel: String
    public var lines: [Line]
    public var issuedAt: String
    public var dueAt: String
    /// The WhatsApp message queued for the client (none for a draft).
    public var messageId: String?
    public var replayed: Bool
}

extension ProviderRequestCommands {
    public static let labourMax = 10_000_000
    public static let travelMax = 1_000_000
    /// Days the client has to pay.
    public static let paymentTermDays = 7

    /// Sends the client the detailed amount of the mission and makes its invoice.
    ///
    /// Allowed once the mission is at Réparation or Terminée (else `illegal_transition`), once per request (else
    /// `invoice_exists`; the same idempotency key replays the first answer instead). The invoice's lines are the labour
    /// (`main_oeuvre`, > 0), one `materiel` line per material of the mission, and the travel (`deplacement`) when > 0;
    /// issued and sent now, due in 7 days. The WhatsApp message gives the detailed amount and the ways to pay (cash,
    /// MTN MoMo, Orange Money), followed by the provider's `note` (≤ 500 characters). With `send: false` the invoice
    /// is a draft instead (nothing goes to the client; the note is given when it is sent).
    public func requestPayment(
        providerId: String, requestId: String, labour: Int, travel: Int? = nil, note: String? = nil, send: Bool = true,
        idempotencyKey: String? = nil, publicBase: ClientPageLinks? = nil, now: Date = Date()
    ) async throws -> MissionPaymentRequestResult {
        guard (1...Self.labourMax).contains(labour) else {
            throw ProviderRequestError.invalid("labour", "Main d'œuvre (labour) : montant entier de 1 à 10 000 000 FCFA")
        }
        let travel = travel ?? 0
        guard (0...Self.travelMax).contains(travel) else {
            throw ProviderRequestError.invalid("travel", "Déplacement (travel) : montant entier de 0 à 1 000 000 FCFA")
        }
        let note = try Self.text(note, field: "note", max: 500)
        let home = database.homeHubId
        return try await work("payment_request", providerId, requestId, idempotencyKey, .critical, now) { tx, context in
            guard context.missionStatus == .reparation || context.missionStatus == .terminee else {
                throw ProviderRequestError.illegalTransition(
                    "Demande de paiement possible à l'étape « Réparation » ou « Terminée » : la mission est « \(context.missionStatus.labelFR) »")
            }
            if try Self.invoiceId(requestId: requestId, in: tx.db) != nil { throw ProviderRequestError.invoiceExists }

            // The invoice's lines with their stored kind; the answer's lines spell the kind as text.
            func billed(_ kind: BillingLineKind, _ label: String, quantity: Int, unitPrice: Int)
                -> (kind: BillingLineKind, line: MissionPaymentRequestResult.Line)
            {
                (kind, .init(kind: kind.rawValue, label: label, quantity: quantity, unitPrice: unitPrice, total: quantity * unitPrice))
            }
            var invoiceLines = [billed(.mainOeuvre, "Main d'œuvre", quantity: 1, unitPrice: labour)]
            for material in try MissionMaterialRecord.fetchAll(
                tx.db, sql: "SELECT * FROM mission_materials WHERE request_id = ? AND provider_id = ? ORDER BY recorded_at, id",
                arguments: [requestId, providerId])
            {
                invoiceLines.append(billed(.materiel, material.label, quantity: Int(material.quantity), unitPrice: Int(material.unitPrice)))
            }
            if travel > 0 { invoiceLines.append(billed(.deplacement, "Déplacement", quantity: 1, unitPrice: travel)) }
            return try Self.issueInvoice(
                invoiceLines, note: note, context: context, publicBase: publicBase, send: send, homeHubId: home, in: tx)
        }
    }

    /// Makes the request's invoice from `invoiceLines`: sent now (`markSent`, then `announce`), or
    /// kept as a draft the provider edits and sends later (`send: false`: no number yet, `sent_at` NULL, no message, no
    /// commission, no reminder, no client page). The payment request's work, shared with the conversion of a quote.
    static func issueInvoice(
        _ invoiceLines: [(kind: BillingLineKind, line: MissionPaymentRequestResult.Line)], note: String?, context: ProviderRequestContext,
        publicBase: ClientPageLinks?, send: Bool = true, homeHubId: String?, in tx: SyncedTransaction
    ) throws -> MissionPaymentRequestResult {
        let lines = invoiceLines.map(\.line)
        let total = lines.map(\.total).reduce(0, +)
        let invoiceId = DjobeaID.v7(now: tx.now)
        var invoice = InvoiceRecord(
            id: invoiceId, requestId: context.requestId, providerId: context.providerId, clientId: context.clientId,
            number: InvoiceDrafts.draftNumber(invoiceId: invoiceId), total: Int64(total), issuedAt: UTCTimestamp.format(tx.now),
            dueAt: UTCTimestamp.format(tx.now), sentAt: nil, publicToken: QuoteRules.newToken())
        if send { try Self.markSent(&invoice, homeHubId: homeHubId, in: tx) }
        try tx.insert(invoice)
        for (order, (kind, line)) in invoiceLines.enumerated() {
            try tx.insert(
                InvoiceLineRecord(
                    id: DjobeaID.v7(now: tx.now), invoiceId: invoiceId, kind: kind, label: line.label, quantity: Int64(line.quantity),
                    unitPrice: Int64(line.unitPrice), lineOrder: Int64(order)))
        }
        guard send else { return InvoiceDrafts.result(invoice, lines: lines, command: "payment_request", messageId: nil) }
        return try Self.announce(invoice, lines: lines, note: note, context: context, publicBase: publicBase, in: tx)
    }

    /// The columns a sending sets: the number, taken now (gap-free per provider and Douala year of the sending, SPEC.md
    /// 4.8); issued now, due in 7 days, sent now.
    static func markSent(_ invoice: inout InvoiceRecord, homeHubId: String?, in tx: SyncedTransaction) throws {
        try Self.requireNumbering(providerId: invoice.providerId, homeHubId: homeHubId, in: tx.db)
        invoice.number = try Self.nextInvoiceNumber(providerId: invoice.providerId, now: tx.now, in: tx.db)
        invoice.issuedAt = UTCTimestamp.format(tx.now)
        invoice.dueAt = UTCTimestamp.format(tx.now.addingTimeInterval(TimeInterval(Self.paymentTermDays * 86_400)))
        invoice.sentAt = UTCTimestamp.format(tx.now)
        if invoice.publicToken == nil { invoice.publicToken = QuoteRules.newToken() }
    }

    /// What follows the sending of an invoice (stored as sent): the commission derived if the mission is complete, and
    /// the WhatsApp message with the detailed amount, the link to the client page and the PDF.
    static func announce(
        _ invoice: InvoiceRecord, lines: [MissionPaymentRequestResult.Line], note: String?, context: ProviderRequestContext,
        publicBase: ClientPageLinks?,
        in tx: SyncedTransaction
    ) throws -> MissionPaymentRequestResult {
        let total = Int(invoice.total)
        let number = invoice.number
        // Invoiced after completion: the commission is derived now (CONFLICTS.md rule 10, whatever the order).
        try tx.deriveCommission(requestId: context.requestId)
        var body = Self.paymentRequestMessage(context: context, lines: lines, total: total, number: number, note: note)
        let firstName = ProviderRequestWording.firstName(context.clientName)
        var template = (WhatsAppTemplates.paymentRequest.name, [firstName, context.title, XAF(total).formatted, number])
        // With a client page: the link (the invoice, its PDF, payment by mobile money), and the PDF attached.
        if let link = QuoteRules.publicURL(base: publicBase, token: invoice.publicToken) {
            body += " Facture et paiement en ligne : \(link)"
            let title = context.shortTitle
            template = (WhatsAppTemplates.invoiceSent.name, [firstName, title, number, XAF(total).formatted, link])
        }
        let messageId = try ClientMessages.queue(body, templateCode: "demande_paiement", context: context, template: template, in: tx)
        return InvoiceDrafts.result(invoice, lines: lines, command: "payment_request", messageId: messageId)
    }

    /// "Bonjour Awa, voici le détail de votre mission « Fuite sous l'évier » : main d'œuvre 15 000 FCFA, matériel
    /// 3 500 FCFA, déplacement 2 000 FCFA. Total à payer : 20 500 FCFA (facture F-2026-0001). Vous pouvez payer en
    /// espèces, par MTN MoMo ou par Orange Money. <note>"
    static func paymentRequestMessage(
        context: ProviderRequestContext, lines: [MissionPaymentRequestResult.Line], total: Int, number: String, note: String?
    ) -> String {
        func sum(_ kind: String) -> Int { lines.filter { $0.kind == kind }.map(\.total).reduce(0, +) }
        var parts = ["main d'œuvre \(XAF(sum("main_oeuvre")).formatted)"]
        if lines.contains(where: { $0.kind == "materiel" }) { parts.append("matériel \(XAF(sum("materiel")).formatted)") }
        if sum("deplacement") > 0 { parts.append("déplacement \(XAF(sum("deplacement")).formatted)") }
        let title = context.shortTitle
        var text =
            "Bonjour \(ProviderRequestWording.firstName(context.clientName)), voici le détail de votre mission « \(title) » : "
            + parts.joined(separator: ", ") + ". Total à payer : \(XAF(total).formatted) (facture \(number)). "
            + "Vous pouvez payer en espèces, par MTN MoMo ou par Orange Money."
        if let note { text += " " + note }
        return text
    }

    /// Refuses to number a document (invoice, quote, credit note) of `providerId` at this hub (`homeHubId`, nil when
    /// not enrolled) unless it is the hub that numbers the provider's documents: `numbering_hub_id`, else `hub_id`
    /// (SPEC.md 4.8). After a move, the new hub waits until central has seen the old one hand over.
    static func requireNumbering(providerId: String, homeHubId: String?, in db: Database) throws {
        guard let homeHubId else { return }
        let holders = try Row.fetchOne(db, sql: "SELECT hub_id, numbering_hub_id FROM providers WHERE id = ?", arguments: [providerId])
        let holder: String? = holders?["numbering_hub_id"] ?? holders?["hub_id"]
        guard let holder, holder != homeHubId else { return }
        throw ProviderRequestError(
            code: "numbering_pending",
            messageFR:
                "Vos numéros de factures et de devis sont encore tenus par votre ancien hub, pas encore synchronisé depuis votre transfert : "
                + "enregistrez la facture en brouillon et envoyez-la un peu plus tard.",
            kind: .conflict)
    }

    /// The provider's next invoice number for the Douala year of `now`: "F-2026-0001", then 0002…
    static func nextInvoiceNumber(providerId: String, now: Date, in db: Database) throws -> String {
        try nextNumber(prefix: "F", table: "invoices", providerId: providerId, now: now, in: db)
    }

    /// The request card's `invoice`: the invoice of `requestId` made by `providerId`, status derived from the ledger
    /// at `now` as `GET /provider/finance/invoices` derives it.
    static func invoiceSummary(providerId: String, requestId: String, now: Date, in db: Database) throws -> ProviderRequestDetail.Invoice? {
        guard
            let invoice = try InvoiceRecord.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM invoices WHERE request_id = ? AND provider_id = ?"), arguments: [requestId, providerId])
        else { return nil }
        let total = XAF(Int(invoice.total))
        let paid = try ProviderLedgerFold.load(providerId: providerId, in: db).paidByRequest()[requestId] ?? .zero
        let credited = try InvoiceReminders.credited(invoiceId: invoice.id, in: db)
        let status = InvoiceStatus.derive(
            total: total, paid: paid, credited: credited, dueAt: UTCTimestamp.parse(invoice.dueAt) ?? now, now: now,
            sent: invoice.sentAt != nil)
        return ProviderRequestDetail.Invoice(
            id: invoice.id, number: InvoiceDrafts.shownNumber(invoice.number), total: total.francs, totalLabel: total.formatted,
            status: status.rawValue,
            statusLabel: status.labelFR, paid: paid.francs, paidLabel: paid.formatted,
            collections: try collections(providerId: providerId, requestId: requestId, in: db),
            lines: try InvoiceDrafts.lines(invoiceId: invoice.id, in: db))
    }
}
