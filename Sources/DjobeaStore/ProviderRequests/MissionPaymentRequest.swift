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
    /// "F-2026-0007": per provider and (Douala) year.
    public var number: String
    public var total: Int
    public var totalLabel: String
    public var lines: [Line]
    public var issuedAt: String
    public var dueAt: String
    /// The WhatsApp message queued for the client.
    public var messageId: String
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
    /// MTN MoMo, Orange Money), followed by the provider's `note` (≤ 500 characters).
    public func requestPayment(
        providerId: String, requestId: String, labour: Int, travel: Int? = nil, note: String? = nil, idempotencyKey: String? = nil,
        now: Date = Date()
    ) async throws -> MissionPaymentRequestResult {
        guard (1...Self.labourMax).contains(labour) else {
            throw ProviderRequestError.invalid("labour", "Main d'œuvre (labour) : montant entier de 1 à 10 000 000 FCFA")
        }
        let travel = travel ?? 0
        guard (0...Self.travelMax).contains(travel) else {
            throw ProviderRequestError.invalid("travel", "Déplacement (travel) : montant entier de 0 à 1 000 000 FCFA")
        }
        let note = try Self.text(note, field: "note", max: 500)
        return try await work("payment_request", providerId, requestId, idempotencyKey, .critical, now) { tx, context in
            guard context.missionStatus == .reparation || context.missionStatus == .terminee else {
                throw ProviderRequestError.illegalTransition(
                    "Demande de paiement possible à l'étape « Réparation » ou « Terminée » : la mission est « \(context.missionStatus.labelFR) »")
            }
            if try Self.invoiceId(requestId: requestId, in: tx.db) != nil { throw ProviderRequestError.invoiceExists }

            var lines = [MissionPaymentRequestResult.Line(kind: "main_oeuvre", label: "Main d'œuvre", quantity: 1, unitPrice: labour, total: labour)]
            for row in try Row.fetchAll(
                tx.db,
                sql: "SELECT label, quantity, unit_price FROM mission_materials WHERE request_id = ? AND provider_id = ? ORDER BY recorded_at, id",
                arguments: [requestId, providerId])
            {
                let quantity: Int = row["quantity"]
                let unitPrice: Int = row["unit_price"]
                lines.append(.init(kind: "materiel", label: row["label"], quantity: quantity, unitPrice: unitPrice, total: quantity * unitPrice))
            }
            if travel > 0 { lines.append(.init(kind: "deplacement", label: "Déplacement", quantity: 1, unitPrice: travel, total: travel)) }
            let total = lines.map(\.total).reduce(0, +)

            let number = try Self.nextInvoiceNumber(providerId: providerId, now: tx.now, in: tx.db)
            let invoiceId = DjobeaID.v7(now: tx.now)
            let dueAt = tx.now.addingTimeInterval(TimeInterval(Self.paymentTermDays * 86_400))
            try tx.insert(
                .invoices,
                [
                    "id": .text(invoiceId), "request_id": .text(requestId), "provider_id": .text(providerId), "client_id": .text(context.clientId),
                    "number": .text(number), "total": ColumnValue(total), "issued_at": ColumnValue(tx.now), "due_at": ColumnValue(dueAt),
                    "sent_at": ColumnValue(tx.now),
                ])
            for (order, line) in lines.enumerated() {
                try tx.insert(
                    .invoiceLines,
                    [
                        "id": .text(DjobeaID.v7(now: tx.now)), "invoice_id": .text(invoiceId), "kind": .text(line.kind), "label": .text(line.label),
                        "quantity": ColumnValue(line.quantity), "unit_price": ColumnValue(line.unitPrice), "line_order": ColumnValue(order),
                    ])
            }
            // Invoiced after completion: the commission is derived now (CONFLICTS.md rule 10, whatever the order).
            try tx.deriveCommission(requestId: requestId)
            let body = Self.paymentRequestMessage(context: context, lines: lines, total: total, number: number, note: note)
            let messageId = try ClientMessages.queue(
                body, templateCode: "demande_paiement", context: context,
                template: (
                    WhatsAppTemplates.paymentRequest.name,
                    [ProviderRequestWording.firstName(context.clientName), context.title, XAF(total).formatted, number]
                ), in: tx)
            return MissionPaymentRequestResult(
                command: "payment_request", requestId: requestId, invoiceId: invoiceId, number: number, total: total,
                totalLabel: XAF(total).formatted, lines: lines, issuedAt: UTCTimestamp.format(tx.now), dueAt: UTCTimestamp.format(dueAt),
                messageId: messageId, replayed: false)
        }
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
        let title = context.title.count > 80 ? String(context.title.prefix(79)) + "…" : context.title
        var text =
            "Bonjour \(ProviderRequestWording.firstName(context.clientName)), voici le détail de votre mission « \(title) » : "
            + parts.joined(separator: ", ") + ". Total à payer : \(XAF(total).formatted) (facture \(number)). "
            + "Vous pouvez payer en espèces, par MTN MoMo ou par Orange Money."
        if let note { text += " " + note }
        return text
    }

    /// The provider's next invoice number for the Douala year of `now`: "F-2026-0001", then 0002…
    static func nextInvoiceNumber(providerId: String, now: Date, in db: Database) throws -> String {
        let year = String(DoualaCalendar().dayKey(now).prefix(4))
        let prefix = "F-\(year)-"
        let numbers = try String.fetchAll(
            db, sql: "SELECT number FROM invoices WHERE provider_id = ? AND substr(number, 1, ?) = ?",
            arguments: [providerId, prefix.count, prefix])
        let highest = numbers.compactMap { Int($0.dropFirst(prefix.count)) }.max() ?? 0
        let digits = String(highest + 1)
        return prefix + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The request card's `invoice`: the invoice of `requestId` made by `providerId`, status derived from the ledger
    /// at `now` as `GET /provider/finance/invoices` derives it.
    static func invoiceSummary(providerId: String, requestId: String, now: Date, in db: Database) throws -> ProviderRequestDetail.Invoice? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT id, number, total, due_at FROM invoices WHERE request_id = ? AND provider_id = ?"),
                arguments: [requestId, providerId])
        else { return nil }
        let total = XAF(row["total"])
        let paid = try ProviderLedgerFold.load(providerId: providerId, in: db).paidByRequest()[requestId] ?? .zero
        let dueText: String = row["due_at"]
        let status = InvoiceStatus.derive(total: total, paid: paid, dueAt: UTCTimestamp.parse(dueText) ?? now, now: now)
        return ProviderRequestDetail.Invoice(
            id: row["id"], number: row["number"], total: total.francs, totalLabel: total.formatted, status: status.rawValue,
            statusLabel: status.labelFR, paid: paid.francs, paidLabel: paid.formatted)
    }
}
