import DjobeaDomain
import DjobeaReplication
import Foundation

/// What the client's page shows (no login: whoever holds the link): the provider, the quote's lines and total, its
/// status, and once it became an invoice, what is paid and the mobile money collection under way.
public struct ClientQuotePage: Sendable, Hashable {
    public var quote: QuoteView
    public var providerName: String
    public var providerPhone: String
    public var clientFirstName: String
    public var clientPhone: String
    public var requestTitle: String
    public var serviceName: String
    public var invoiceNumber: String?
    /// The invoice's dates and lines (its PDF), when the quote became one.
    public var invoiceIssuedAt: String?
    public var invoiceDueAt: String?
    public var invoiceLines: [QuoteView.Line] = []
    public var invoiceTotal: Int?
    public var paid: Int
    /// Credit notes on the invoice: the client owes the total less them.
    public var credited: Int = 0
    /// The latest collection of the invoice, if any.
    public var collection: CollectionView?

    /// What is left to pay on the invoice (0 without one).
    public var balance: Int { max(0, (invoiceTotal ?? 0) - credited - paid) }
}

/// Why the client page refused an action: a stable code and a French sentence shown on the page.
public struct ClientPageRefusal: Error, Equatable, Sendable {
    public let code: String
    public let messageFR: String

    public init(code: String, messageFR: String) {
        self.code = code
        self.messageFR = messageFR
    }
}

/// The client page's reads and writes, on the gateway's storage (SQLite or PostgreSQL, through the seam).
public enum ClientPageStore {
    public static func page(token: String, now: Date, in db: any ReplicaConnection) throws -> ClientQuotePage? {
        guard isPlausible(token) else { return nil }
        guard let quote = try db.record(QuoteRecord.self, "SELECT * FROM quotes WHERE public_token = ?", [.text(token)]) else {
            return try invoicePage(token: token, in: db)
        }
        // A draft is the provider's: the client sees a quote once it was sent.
        guard quote.status != .brouillon else { return nil }
        let lines = try db.records(
            QuoteLineRecord.self, "SELECT * FROM quote_lines WHERE quote_id = ? ORDER BY line_order, id", [.text(quote.id)])
        guard
            var page = try parties(
                QuoteRules.view(quote, lines: lines, base: nil, now: now), requestId: quote.requestId, providerId: quote.providerId, in: db)
        else { return nil }
        if let invoiceId = quote.invoiceId, let invoice = try db.record(InvoiceRecord.self, "SELECT * FROM invoices WHERE id = ?", [.text(invoiceId)])
        {
            try fill(&page, invoice: invoice, in: db)
        }
        return page
    }

    /// An invoice's own page (one made by a payment request, not from a quote): shown as a document of status
    /// `facture`, with its payment.
    static func invoicePage(token: String, in db: any ReplicaConnection) throws -> ClientQuotePage? {
        // A draft invoice has no page until it is sent.
        guard
            let invoice = try db.record(
                InvoiceRecord.self, "SELECT * FROM invoices WHERE public_token = ? AND sent_at IS NOT NULL", [.text(token)])
        else { return nil }
        let view = QuoteView(
            id: invoice.id, requestId: invoice.requestId, number: invoice.number, status: "facture", statusLabel: "Facture",
            total: Int(invoice.total), totalLabel: XAF(Int(invoice.total)).formatted, lines: [], createdAt: invoice.issuedAt,
            validUntil: invoice.dueAt, sentAt: invoice.sentAt, decidedAt: nil, decidedByName: nil, publicUrl: nil, invoiceId: invoice.id)
        guard var page = try parties(view, requestId: invoice.requestId, providerId: invoice.providerId, in: db) else { return nil }
        try fill(&page, invoice: invoice, in: db)
        page.quote.lines = page.invoiceLines
        return page
    }

    /// The page's people and request.
    static func parties(_ view: QuoteView, requestId: String, providerId: String, in db: any ReplicaConnection) throws -> ClientQuotePage? {
        guard
            let row = try db.query(
                """
                SELECT p.name AS provider_name, p.phone AS provider_phone, c.name AS client_name, c.phone AS client_phone, r.title,
                    s.name_fr AS service_name
                FROM service_requests r JOIN clients c ON c.id = r.client_id JOIN providers p ON p.id = ?
                LEFT JOIN services s ON s.id = r.service_id WHERE r.id = ?
                """, [.text(providerId), .text(requestId)]
            ).first
        else { return nil }
        return ClientQuotePage(
            quote: view, providerName: row["provider_name"].textValue ?? "", providerPhone: row["provider_phone"].textValue ?? "",
            clientFirstName: ProviderRequestWording.firstName(row["client_name"].textValue ?? ""), clientPhone: row["client_phone"].textValue ?? "",
            requestTitle: row["title"].textValue ?? "", serviceName: row["service_name"].textValue ?? "", invoiceNumber: nil, invoiceTotal: nil,
            paid: 0, collection: nil)
    }

    /// What the page says of the invoice: its lines and dates, paid (the ledger's fold), credited, the latest collection.
    static func fill(_ page: inout ClientQuotePage, invoice: InvoiceRecord, in db: any ReplicaConnection) throws {
        page.invoiceNumber = invoice.number
        page.invoiceTotal = Int(invoice.total)
        page.invoiceIssuedAt = invoice.issuedAt
        page.invoiceDueAt = invoice.dueAt
        page.invoiceLines = try db.records(
            InvoiceLineRecord.self, "SELECT * FROM invoice_lines WHERE invoice_id = ? ORDER BY line_order, id", [.text(invoice.id)]
        ).map { line in
            QuoteView.Line(
                kind: line.kind.rawValue, kindLabel: QuoteRules.kindLabel(line.kind), label: line.label, quantity: Int(line.quantity),
                unitPrice: Int(line.unitPrice), total: Int(line.quantity * line.unitPrice))
        }
        let entries = try db.query("SELECT * FROM ledger_entries WHERE request_id = ?", [.text(invoice.requestId)]).compactMap {
            try? ReplicatedRows.ledgerEntry(from: $0.columns)
        }
        page.paid = PaymentLedger.fold(entries).paid.francs
        page.credited = Int(try db.integer("SELECT coalesce(sum(amount), 0) FROM credit_notes WHERE invoice_id = ?", [.text(invoice.id)]) ?? 0)
        page.collection = try db.record(
            CollectionRecord.self, "SELECT * FROM collections WHERE invoice_id = ? ORDER BY created_at DESC, id DESC LIMIT 1", [.text(invoice.id)]
        ).map(CollectionView.init)
    }

    /// The client accepts or refuses the quote, signing with their name. The same decision again changes nothing; a
    /// decided, expired or unsent quote is refused.
    public static func decide(token: String, accept: Bool, name: String, in tx: any ChangeLoggedWrites) throws {
        let signature = name.trimmingCharacters(in: .whitespacesAndNewlines).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard (2...80).contains(signature.count), !signature.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ClientPageRefusal(code: "invalid_name", messageFR: "Écrivez votre nom (2 à 80 caractères) pour signer votre réponse.")
        }
        guard isPlausible(token),
            var quote = try tx.connection.record(QuoteRecord.self, "SELECT * FROM quotes WHERE public_token = ?", [.text(token)]),
            quote.status != .brouillon
        else { throw ClientPageRefusal(code: "not_found", messageFR: "Ce lien ne correspond à aucun devis.") }
        let wanted: QuoteStatus = accept ? .accepte : .refuse
        if quote.status == wanted { return }
        guard quote.status == .envoye else {
            throw ClientPageRefusal(
                code: "quote_decided",
                messageFR: "Ce devis a déjà été \(quote.status == .accepte ? "accepté" : "refusé") : votre réponse n'a pas changé.")
        }
        guard QuoteRules.shownStatus(quote.status, validUntil: quote.validUntil, now: tx.now) != "expire" else {
            throw ClientPageRefusal(code: "quote_expired", messageFR: "Ce devis a expiré : demandez-en un nouveau à votre prestataire.")
        }
        quote.status = wanted
        quote.decidedAt = UTCTimestamp.format(tx.now)
        quote.decidedByName = signature
        try tx.update(quote, columns: [.status, .decidedAt, .decidedByName])
        try tx.insert(
            NotificationRecord(
                id: DjobeaID.v7(now: tx.now), providerId: quote.providerId, kind: .system, requestId: quote.requestId,
                title: accept ? "Devis accepté" : "Devis refusé",
                body: "Le devis \(quote.number) (\(XAF(Int(quote.total)).formatted)) a été \(accept ? "accepté" : "refusé") par \(signature).",
                createdAt: UTCTimestamp.format(tx.now)))
    }

    /// The client pays the invoice the quote became by mobile money: a collection started here, at the gateway.
    public static func startCollection(token: String, method: CollectionMethod, phone: String, in tx: any ChangeLoggedWrites) throws -> CollectionView
    {
        guard let page = try page(token: token, now: tx.now, in: tx.connection), let invoiceId = page.quote.invoiceId else {
            throw ClientPageRefusal(code: "not_found", messageFR: "Aucune facture à payer pour ce lien.")
        }
        guard let payer = PhoneNumber.normalizeCameroon(phone), payer.hasPrefix("+2376") else {
            throw ClientPageRefusal(code: "invalid_phone", messageFR: "Numéro mobile camerounais attendu, par exemple 6 77 00 01 56.")
        }
        guard page.balance > 0 else { throw ClientPageRefusal(code: "nothing_due", messageFR: "Cette facture est déjà payée. Merci !") }
        if page.collection?.status == CollectionStatus.pending.rawValue {
            throw ClientPageRefusal(
                code: "collection_pending", messageFR: "Une demande de paiement attend déjà votre validation sur votre téléphone.")
        }
        guard let invoice = try tx.connection.record(InvoiceRecord.self, "SELECT * FROM invoices WHERE id = ?", [.text(invoiceId)]) else {
            throw ClientPageRefusal(code: "not_found", messageFR: "Aucune facture à payer pour ce lien.")
        }
        let attempt = Int(try tx.connection.integer("SELECT count(*) FROM collections WHERE invoice_id = ?", [.text(invoiceId)]) ?? 0) + 1
        let stamp = UTCTimestamp.format(tx.now)
        let record = CollectionRecord(
            id: DjobeaID.v7(now: tx.now), requestId: invoice.requestId, providerId: invoice.providerId, invoiceId: invoiceId, method: method,
            payerPhone: payer, amount: Int64(page.balance), attempt: Int64(attempt),
            reference: CollectionReference.derive(invoiceId: invoiceId, attempt: attempt), requestedByRole: .client, createdAt: stamp,
            updatedAt: stamp)
        try tx.insert(record)
        return CollectionView(record)
    }

    /// 22 to 64 URL-safe characters: anything else is not looked up.
    static func isPlausible(_ token: String) -> Bool {
        (22...64).contains(token.utf8.count)
            && token.utf8.allSatisfy { byte in
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 95
            }
    }
}
