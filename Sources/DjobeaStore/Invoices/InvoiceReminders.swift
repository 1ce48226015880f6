import DjobeaDomain
import Foundation
import GRDB

/// Who decided a payment reminder: the hub after the due date, or the provider's "Relancer".
public enum ReminderKind: String, Codable, Sendable, CaseIterable {
    case automatique
    case manuelle

    public var labelFR: String {
        switch self {
        case .automatique: "Relance automatique"
        case .manuelle: "Relance manuelle"
        }
    }
}

/// Payment reminders (relances) and credit notes (avoirs) of invoices.
///
/// A reminder is a `payment_reminders` row and the WhatsApp message it points to; the message's `template_code` tells
/// an automatic reminder (`relance_auto`) from a manual one (`relance_manuelle`). Only automatic reminders count
/// toward `PaymentReminderSchedule.maxSteps`; every reminder is listed on the invoice and delays the next one by 24 h.
public enum InvoiceReminders {
    static let automaticCode = "relance_auto"
    static let manualCode = "relance_manuelle"

    static func kind(templateCode: String?) -> ReminderKind {
        templateCode == manualCode ? .manuelle : .automatique
    }

    /// The sum of an invoice's credit notes.
    static func credited(invoiceId: String, in db: Database) throws -> XAF {
        XAF(
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT coalesce(sum(amount), 0) FROM credit_notes WHERE invoice_id = ?"), arguments: [invoiceId])
                ?? 0)
    }

    /// The sum of the credit notes of each of a provider's invoices that has any.
    static func creditedByInvoice(providerId: String, in db: Database) throws -> [String: XAF] {
        var result: [String: XAF] = [:]
        for row in try Row.fetchAll(
            db.cachedStatement(sql: "SELECT invoice_id, sum(amount) AS credited FROM credit_notes WHERE provider_id = ? GROUP BY invoice_id"),
            arguments: [providerId])
        {
            result[row["invoice_id"]] = XAF(row["credited"] as Int)
        }
        return result
    }

    /// The text of a reminder: "Bonjour Awa, petit rappel : la facture F-2026-0001 pour « Fuite » n'est pas encore
    /// réglée. Reste à payer : 12 500 FCFA. …"
    static func message(_ context: ProviderRequestContext, number: String, due: XAF) -> (body: String, params: [String]) {
        let title = context.shortTitle
        let params = [ProviderRequestWording.firstName(context.clientName), number, title, due.formatted]
        return (WhatsAppTemplates.paymentReminder.render(params), params)
    }

    /// What is still owed on `invoice` (total − credit notes − paid), from the provider's ledger (`paidByRequest` when
    /// the caller already folded it).
    static func amountDue(_ invoice: InvoiceRecord, paidByRequest: [String: XAF]? = nil, in db: Database) throws -> (
        due: XAF, credited: XAF, paid: XAF
    ) {
        let paidByRequest = try paidByRequest ?? ProviderLedgerFold.load(providerId: invoice.providerId, in: db).paidByRequest()
        let paid = paidByRequest[invoice.requestId] ?? .zero
        let credited = try credited(invoiceId: invoice.id, in: db)
        return (InvoiceStatus.amountDue(total: XAF(Int(invoice.total)), paid: paid, credited: credited), credited, paid)
    }

    /// Queues the reminder message and writes its `payment_reminders` row; returns the row.
    static func send(
        _ invoice: InvoiceRecord, context: ProviderRequestContext, due: XAF, kind: ReminderKind, id: String, in tx: SyncedTransaction
    ) throws -> PaymentReminderRecord {
        let (body, params) = message(context, number: invoice.number, due: due)
        let messageId = try ClientMessages.queue(
            body, templateCode: kind == .manuelle ? manualCode : automaticCode, context: context,
            template: (WhatsAppTemplates.paymentReminder.name, params), essential: WhatsAppTemplates.paymentReminder.essential, in: tx)
        let reminder = PaymentReminderRecord(
            id: id, invoiceId: invoice.id, channel: .whatsapp, sentAt: UTCTimestamp.format(tx.now), messageId: messageId)
        try tx.insert(reminder)
        return reminder
    }

    /// The reminders already sent for an invoice: automatic count, last automatic, last of any kind.
    static func history(invoiceId: String, in db: Database) throws -> (automatic: Int, lastAutomatic: Date?, lastAny: Date?) {
        var automatic = 0
        var lastAutomatic: Date?
        var lastAny: Date?
        for row in try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT r.sent_at, m.template_code FROM payment_reminders r LEFT JOIN messages m ON m.id = r.message_id
                    WHERE r.invoice_id = ? ORDER BY r.sent_at
                    """), arguments: [invoiceId])
        {
            guard let sentAt = UTCTimestamp.parse(row["sent_at"]) else { continue }
            lastAny = max(lastAny ?? sentAt, sentAt)
            if kind(templateCode: row["template_code"]) == .automatique {
                automatic += 1
                lastAutomatic = max(lastAutomatic ?? sentAt, sentAt)
            }
        }
        return (automatic, lastAutomatic, lastAny)
    }

    /// One pass of the automatic reminders in one write transaction at `now` (see `sendDue(schedule:in:)`).
    public static func sendDue(schedule: PaymentReminderSchedule, database: NodeDatabase, now: Date = Date()) async throws -> Int {
        let home = database.homeHubId
        return try await database.write(now: now) { tx in try sendDue(schedule: schedule, homeHubId: home, in: tx) }
    }

    /// One pass of the automatic reminders: for each invoice past its due date with something still owed, the
    /// reminder `schedule` says is due, at most one per invoice per pass. Returns how many were sent.
    ///
    /// An automatic reminder's row id is derived from the invoice and the step, so the same step can never be written
    /// twice, not even by two nodes holding the invoice (they would write the same row). With `homeHubId` (the hub's
    /// own id, once enrolled), only the invoices of providers registered to this hub (or to none) are reminded: a hub
    /// that keeps a moved provider's requests through a stake leaves them to the provider's new hub.
    public static func sendDue(schedule: PaymentReminderSchedule, homeHubId: String? = nil, in tx: SyncedTransaction) throws -> Int {
        let now = tx.now
        let candidates = try InvoiceRecord.fetchAll(
            tx.db,
            sql: """
                SELECT i.* FROM invoices i WHERE i.due_at < ? AND i.sent_at IS NOT NULL
                    AND (SELECT count(*) FROM payment_reminders r LEFT JOIN messages m ON m.id = r.message_id
                         WHERE r.invoice_id = i.id AND (m.template_code IS NULL OR m.template_code <> ?)) < ?
                    AND (? IS NULL OR EXISTS (SELECT 1 FROM providers p WHERE p.id = i.provider_id AND (p.hub_id IS NULL OR p.hub_id = ?)))
                ORDER BY i.due_at, i.id
                """,
            arguments: [
                UTCTimestamp.format(now), manualCode, min(schedule.days.count, PaymentReminderSchedule.maxSteps), homeHubId, homeHubId,
            ])
        var sent = 0
        var ledgers: [String: [String: XAF]] = [:]  // one fold per provider per pass
        for invoice in candidates {
            guard let dueAt = UTCTimestamp.parse(invoice.dueAt) else { continue }
            if ledgers[invoice.providerId] == nil {
                ledgers[invoice.providerId] = try ProviderLedgerFold.load(providerId: invoice.providerId, in: tx.db).paidByRequest()
            }
            let (due, _, _) = try amountDue(invoice, paidByRequest: ledgers[invoice.providerId], in: tx.db)
            let history = try history(invoiceId: invoice.id, in: tx.db)
            guard
                let step = schedule.dueStep(
                    dueAt: dueAt, amountDue: due, automaticSent: history.automatic, lastAutomaticAt: history.lastAutomatic,
                    lastAnyAt: history.lastAny, now: now)
            else { continue }
            let id = DjobeaID.derived(namespace: "payment_reminder", name: "\(invoice.id)/\(step)")
            guard try Bool.fetchOne(tx.db, sql: "SELECT EXISTS (SELECT 1 FROM payment_reminders WHERE id = ?)", arguments: [id]) == false,
                let context = try ProviderRequestAccess.load(providerId: invoice.providerId, requestId: invoice.requestId, now: now, in: tx.db)
            else { continue }
            _ = try send(invoice, context: context, due: due, kind: .automatique, id: id, in: tx)
            sent += 1
        }
        return sent
    }
}

/// A reminder the provider sent with "Relancer" (`POST /provider/finance/invoices/{invoice_id}/remind`).
public struct InvoiceReminderResult: Codable, Sendable, Hashable, MissionWorkAnswer {
    public var command: String
    public var requestId: String
    public var invoiceId: String
    public var invoiceNumber: String
    public var reminder: ProviderInvoice.Reminder
    /// What the message asks for.
    public var amountDue: Int
    public var amountDueLabel: String
    /// The WhatsApp message queued for the client.
    public var messageId: String
    public var replayed: Bool
}

/// A credit note made on an invoice (`POST /provider/finance/invoices/{invoice_id}/credit-notes`).
public struct CreditNoteResult: Codable, Sendable, Hashable, MissionWorkAnswer {
    public var command: String
    public var requestId: String
    public var invoiceId: String
    public var invoiceNumber: String
    public var creditNote: ProviderInvoice.CreditNote
    /// The invoice after it: all its credit notes, what the client still owes, its status.
    public var credited: Int
    public var creditedLabel: String
    public var amountDue: Int
    public var amountDueLabel: String
    /// An `InvoiceStatus` raw value.
    public var status: String
    public var statusLabel: String
    /// The WhatsApp message that tells the client (template `avoir_emis`).
    public var messageId: String?
    public var replayed: Bool
}

extension ProviderInvoice.CreditNote {
    init(_ record: CreditNoteRecord) {
        let amount = XAF(Int(record.amount))
        self.init(
            id: record.id, number: record.number, amount: amount.francs, amountLabel: amount.formatted, reason: record.reason,
            createdAt: record.createdAt)
    }
}

extension ProviderRequestCommands {
    public static let creditNoteMax = 100_000_000

    /// The request of the provider's invoice, or `not_found` (another provider's invoice included).
    func invoiceRequest(providerId: String, invoiceId: String) async throws -> String {
        guard DjobeaID.isValid(invoiceId) else { throw Self.invoiceNotFound }
        let requestId = try await database.read { db in
            try String.fetchOne(db, sql: "SELECT request_id FROM invoices WHERE id = ? AND provider_id = ?", arguments: [invoiceId, providerId])
        }
        guard let requestId else { throw Self.invoiceNotFound }
        return requestId
    }

    static let invoiceNotFound = ProviderRequestError(code: "not_found", messageFR: "Facture introuvable", kind: .notFound)

    static func invoice(_ invoiceId: String, providerId: String, in db: Database) throws -> InvoiceRecord {
        guard
            let invoice = try InvoiceRecord.fetchOne(
                db, sql: "SELECT * FROM invoices WHERE id = ? AND provider_id = ?", arguments: [invoiceId, providerId])
        else { throw invoiceNotFound }
        return invoice
    }

    /// "Relancer": a reminder of the invoice to the client now, with what remains to pay.
    ///
    /// Refused with `invoice_paid` when nothing is owed, and `reminder_too_soon` within 24 hours of the last reminder
    /// (automatic or manual). Listed on the invoice; not counted toward the automatic reminders' maximum.
    public func remind(providerId: String, invoiceId: String, idempotencyKey: String? = nil, now: Date = Date()) async throws
        -> InvoiceReminderResult
    {
        let requestId = try await invoiceRequest(providerId: providerId, invoiceId: invoiceId)
        return try await work("invoice_remind", providerId, requestId, idempotencyKey, .critical, now) { tx, context in
            let invoice = try Self.invoice(invoiceId, providerId: providerId, in: tx.db)
            if InvoiceDrafts.isDraft(invoice) { throw InvoiceDrafts.notSentYet("de relancer le client") }
            let (due, _, _) = try InvoiceReminders.amountDue(invoice, in: tx.db)
            guard due > .zero else {
                throw ProviderRequestError(
                    code: "invoice_paid", messageFR: "La facture \(invoice.number) est déjà payée : pas de relance", kind: .conflict)
            }
            if let last = try InvoiceReminders.history(invoiceId: invoice.id, in: tx.db).lastAny,
                tx.now.timeIntervalSince(last) < PaymentReminderSchedule.minimumGap
            {
                throw ProviderRequestError(
                    code: "reminder_too_soon", messageFR: "Le client a déjà été relancé il y a moins de 24 heures : réessayez plus tard",
                    kind: .conflict)
            }
            let reminder = try InvoiceReminders.send(invoice, context: context, due: due, kind: .manuelle, id: DjobeaID.v7(now: tx.now), in: tx)
            return InvoiceReminderResult(
                command: "invoice_remind", requestId: requestId, invoiceId: invoice.id, invoiceNumber: invoice.number,
                reminder: .init(
                    id: reminder.id, channel: reminder.channel.rawValue, sentAt: reminder.sentAt, kind: ReminderKind.manuelle.rawValue,
                    kindLabel: ReminderKind.manuelle.labelFR), amountDue: due.francs, amountDueLabel: due.formatted,
                messageId: reminder.messageId ?? "",
                replayed: false)
        }
    }

    /// "Faire un avoir": a credit note of `amount` off the invoice, for `reason` (1 to 500 characters), numbered
    /// "A-<Douala year>-0001"… per provider. The invoice itself never changes.
    ///
    /// Refused with `credit_exceeds_invoice` when `amount` is more than the total less the credit notes already made.
    public func creditNote(
        providerId: String, invoiceId: String, amount: Int, reason: String?, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> CreditNoteResult {
        guard (1...Self.creditNoteMax).contains(amount) else {
            throw ProviderRequestError.invalid("amount", "Montant de l'avoir (amount) : entier de 1 à 100 000 000 FCFA")
        }
        guard let reason = try Self.text(reason, field: "reason", max: 500) else {
            throw ProviderRequestError.invalid("reason", "Motif de l'avoir (reason) obligatoire")
        }
        let requestId = try await invoiceRequest(providerId: providerId, invoiceId: invoiceId)
        let home = database.homeHubId
        return try await work("credit_note", providerId, requestId, idempotencyKey, .critical, now) { tx, context in
            let invoice = try Self.invoice(invoiceId, providerId: providerId, in: tx.db)
            if InvoiceDrafts.isDraft(invoice) { throw InvoiceDrafts.notSentYet("de faire un avoir : modifiez plutôt le brouillon") }
            let total = XAF(Int(invoice.total))
            let creditedBefore = try InvoiceReminders.credited(invoiceId: invoice.id, in: tx.db)
            let room = total - creditedBefore
            guard XAF(amount) <= room else {
                throw ProviderRequestError(
                    code: "credit_exceeds_invoice",
                    messageFR: "Avoir trop élevé : au plus \(max(.zero, room).formatted) sur la facture \(invoice.number)", kind: .conflict)
            }
            try Self.requireNumbering(providerId: providerId, homeHubId: home, in: tx.db)
            let record = CreditNoteRecord(
                id: DjobeaID.v7(now: tx.now), invoiceId: invoice.id, requestId: invoice.requestId, providerId: providerId,
                number: try Self.nextCreditNoteNumber(providerId: providerId, now: tx.now, in: tx.db), amount: Int64(amount), reason: reason,
                createdAt: UTCTimestamp.format(tx.now))
            try tx.insert(record)
            // The commission's base is the invoice less its credit notes (SPEC.md 4.4.4).
            try tx.deriveCommission(requestId: invoice.requestId)
            let (due, credited, paid) = try InvoiceReminders.amountDue(invoice, in: tx.db)
            // The client is told: the credit note, its reason, and what is left to pay.
            let parameters = [
                ProviderRequestWording.firstName(context.clientName), record.number, XAF(amount).formatted, invoice.number, context.shortTitle,
                String(reason.prefix(200)), due.formatted,
            ]
            let messageId = try ClientMessages.queue(
                WhatsAppTemplates.creditNote.render(parameters), templateCode: "avoir_emis", context: context,
                template: (WhatsAppTemplates.creditNote.name, parameters), essential: WhatsAppTemplates.creditNote.essential, in: tx)
            let status = InvoiceStatus.derive(
                total: total, paid: paid, credited: credited, dueAt: UTCTimestamp.parse(invoice.dueAt) ?? tx.now, now: tx.now)
            return CreditNoteResult(
                command: "credit_note", requestId: invoice.requestId, invoiceId: invoice.id, invoiceNumber: invoice.number,
                creditNote: .init(record), credited: credited.francs, creditedLabel: credited.formatted, amountDue: due.francs,
                amountDueLabel: due.formatted, status: status.rawValue, statusLabel: status.labelFR, messageId: messageId, replayed: false)
        }
    }

    /// The provider's next credit note number for the Douala year of `now`: "A-2026-0001", then 0002… (SPEC.md §4.8).
    static func nextCreditNoteNumber(providerId: String, now: Date, in db: Database) throws -> String {
        try ProviderRequestCommands.nextNumber(prefix: "A", table: "credit_notes", providerId: providerId, now: now, in: db)
    }
}
