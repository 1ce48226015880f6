import DjobeaDomain
import Foundation
import GRDB

/// One line of a quote as the provider types it (or a template gives it).
public struct QuoteLineInput: Codable, Sendable, Hashable {
    /// main_oeuvre, materiel or deplacement.
    public var kind: String
    public var label: String
    public var quantity: Int
    public var unitPrice: Int

    public init(kind: String, label: String, quantity: Int, unitPrice: Int) {
        self.kind = kind
        self.label = label
        self.quantity = quantity
        self.unitPrice = unitPrice
    }
}

/// A quote as the provider's app (and the client page) shows it.
public struct QuoteView: Codable, Sendable, Hashable {
    public struct Line: Codable, Sendable, Hashable {
        public var kind: String
        public var kindLabel: String
        public var label: String
        public var quantity: Int
        public var unitPrice: Int
        public var total: Int
    }

    public var id: String
    public var requestId: String
    /// "D-2026-0001": per provider and Douala year, allocated by the provider's hub.
    public var number: String
    /// brouillon, envoye, accepte, refuse, or expire (sent, undecided, past its validity).
    public var status: String
    public var statusLabel: String
    public var total: Int
    public var totalLabel: String
    public var lines: [Line]
    public var createdAt: String
    public var validUntil: String
    public var sentAt: String?
    public var decidedAt: String?
    /// The name the client typed to accept or refuse.
    public var decidedByName: String?
    /// The client page (no login): nil until the node knows where it is served.
    public var publicUrl: String?
    public var invoiceId: String?
}

/// The answer of the quote commands (create, send, convert).
public struct QuoteCommandResult: Codable, Sendable, Hashable, MissionWorkAnswer {
    public var command: String
    public var requestId: String
    public var quote: QuoteView
    /// The WhatsApp message queued for the client (send).
    public var messageId: String?
    /// The invoice made (convert).
    public var invoice: MissionPaymentRequestResult?
    public var replayed: Bool
}

/// Quote rules shared by the hub (provider) and the gateway (client page).
public enum QuoteRules {
    public static let maxLines = 30
    public static let maxTotal = 50_000_000
    public static let defaultValidDays = 15

    /// The status shown: a sent, undecided quote past its validity is `expire`.
    public static func shownStatus(_ status: QuoteStatus, validUntil: String, now: Date) -> String {
        if status == .envoye, let until = UTCTimestamp.parse(validUntil), until < now { return "expire" }
        return status.rawValue
    }

    public static func label(_ shown: String) -> String {
        switch shown {
        case "brouillon": "Brouillon (pas encore envoyé)"
        case "envoye": "Envoyé, en attente de réponse"
        case "accepte": "Accepté par le client"
        case "refuse": "Refusé par le client"
        case "expire": "Expiré sans réponse"
        default: shown
        }
    }

    public static func kindLabel(_ kind: BillingLineKind) -> String {
        switch kind {
        case .mainOeuvre: "Main d'œuvre"
        case .materiel: "Matériel"
        case .deplacement: "Déplacement"
        }
    }

    /// Checks the typed lines: 1 to 30, a known kind, a label of 1 to 120 characters, quantity 1 to 1 000, unit price
    /// 0 to 10 000 000 FCFA, a total of 1 to 50 000 000 FCFA.
    public static func validated(_ lines: [QuoteLineInput]) throws -> [(BillingLineKind, String, Int, Int)] {
        guard (1...maxLines).contains(lines.count) else {
            throw ProviderRequestError.invalid("lines", "De 1 à \(maxLines) lignes (lines) : main d'œuvre, matériel, déplacement")
        }
        var checked: [(BillingLineKind, String, Int, Int)] = []
        for (index, line) in lines.enumerated() {
            let field = "lines[\(index)]"
            guard let kind = BillingLineKind(rawValue: line.kind) else {
                throw ProviderRequestError.invalid(field, "Ligne \(index + 1) : type main_oeuvre, materiel ou deplacement")
            }
            let label = line.label.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...120).contains(label.count), !label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw ProviderRequestError.invalid(field, "Ligne \(index + 1) : libellé de 1 à 120 caractères")
            }
            guard (1...1_000).contains(line.quantity) else {
                throw ProviderRequestError.invalid(field, "Ligne \(index + 1) : quantité entière de 1 à 1 000")
            }
            guard (0...10_000_000).contains(line.unitPrice) else {
                throw ProviderRequestError.invalid(field, "Ligne \(index + 1) : prix unitaire entier de 0 à 10 000 000 FCFA")
            }
            checked.append((kind, label, line.quantity, line.unitPrice))
        }
        let total = checked.reduce(0) { $0 + $1.2 * $1.3 }
        guard (1...maxTotal).contains(total) else { throw ProviderRequestError.invalid("lines", "Total du devis : de 1 à 50 000 000 FCFA") }
        return checked
    }

    /// A random token of 32 URL-safe characters (192 bits): the client page's capability.
    public static func newToken() -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &random) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// The signed link of a client page (`ClientPageLinks`); nil when the hub does not know where pages are served.
    public static func publicURL(base: ClientPageLinks?, token: String?) -> String? {
        guard let base, let token else { return nil }
        return base.url(token: token)
    }

    public static func view(_ quote: QuoteRecord, lines: [QuoteLineRecord], base: ClientPageLinks?, now: Date) -> QuoteView {
        let shown = shownStatus(quote.status, validUntil: quote.validUntil, now: now)
        return QuoteView(
            id: quote.id, requestId: quote.requestId, number: quote.number, status: shown, statusLabel: label(shown), total: Int(quote.total),
            totalLabel: XAF(Int(quote.total)).formatted,
            lines: lines.map { line in
                QuoteView.Line(
                    kind: line.kind.rawValue, kindLabel: kindLabel(line.kind), label: line.label, quantity: Int(line.quantity),
                    unitPrice: Int(line.unitPrice), total: Int(line.quantity * line.unitPrice))
            }, createdAt: quote.createdAt, validUntil: quote.validUntil, sentAt: quote.sentAt, decidedAt: quote.decidedAt,
            decidedByName: quote.decidedByName, publicUrl: publicURL(base: base, token: quote.publicToken), invoiceId: quote.invoiceId)
    }
}

extension ProviderRequestCommands {
    /// Creates a quote (brouillon) for one of the provider's requests, from `lines` or from a template (the provider's
    /// own or a global one for any service); offline at the hub. Allowed once the request is the provider's and before
    /// the mission ends or is invoiced.
    public func createQuote(
        providerId: String, requestId: String, lines: [QuoteLineInput]?, templateId: String?, validDays: Int?, publicBase: ClientPageLinks?,
        idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> QuoteCommandResult {
        let validDays = validDays ?? QuoteRules.defaultValidDays
        guard (1...90).contains(validDays) else { throw ProviderRequestError.invalid("valid_days", "Validité (valid_days) : de 1 à 90 jours") }
        if let templateId, !DjobeaID.isValid(templateId) {
            throw ProviderRequestError.invalid("template_id", "Modèle de devis inconnu")
        }
        if lines == nil, templateId == nil { throw ProviderRequestError.invalid("lines", "Indiquez les lignes (lines) ou un modèle (template_id)") }
        let typed = try lines.map(QuoteRules.validated)
        let home = database.homeHubId
        return try await work("quote_create", providerId, requestId, idempotencyKey, .critical, now) { tx, context in
            let open: Set<RequestStatus> = [.acceptee, .arrive, .diagnostic, .reparation]
            guard open.contains(context.missionStatus) else {
                throw ProviderRequestError.illegalTransition(
                    "Devis possible une fois la demande acceptée et avant la fin de la mission : elle est « \(context.missionStatus.labelFR) »")
            }
            if try Self.invoiceId(requestId: requestId, in: tx.db) != nil { throw ProviderRequestError.invoiceExists }
            var checked = typed
            if checked == nil, let templateId {
                guard
                    let template = try QuoteTemplateRecord.fetchOne(
                        tx.db, sql: "SELECT * FROM quote_templates WHERE id = ? AND (provider_id IS NULL OR provider_id = ?)",
                        arguments: [templateId, providerId])
                else { throw ProviderRequestError.invalid("template_id", "Modèle de devis inconnu") }
                let decoder = JSONDecoder()
                decoder.keyDecodingStrategy = .convertFromSnakeCase
                let fromTemplate = (try? decoder.decode([QuoteLineInput].self, from: Data(template.lines.utf8))) ?? []
                checked = try QuoteRules.validated(fromTemplate)
            }
            guard let checked else { throw ProviderRequestError.invalid("lines", "Lignes du devis manquantes") }
            let total = checked.reduce(0) { $0 + $1.2 * $1.3 }
            try Self.requireNumbering(providerId: providerId, homeHubId: home, in: tx.db)
            let quote = QuoteRecord(
                id: DjobeaID.v7(now: tx.now), requestId: requestId, providerId: providerId,
                number: try Self.nextNumber(prefix: "D", table: "quotes", providerId: providerId, now: tx.now, in: tx.db), status: .brouillon,
                total: Int64(total), createdAt: UTCTimestamp.format(tx.now),
                validUntil: UTCTimestamp.format(tx.now.addingTimeInterval(TimeInterval(validDays * 86_400))), publicToken: QuoteRules.newToken())
            try tx.insert(quote)
            var records: [QuoteLineRecord] = []
            for (order, line) in checked.enumerated() {
                let record = QuoteLineRecord(
                    id: DjobeaID.v7(now: tx.now), quoteId: quote.id, kind: line.0, label: line.1, quantity: Int64(line.2),
                    unitPrice: Int64(line.3), lineOrder: Int64(order))
                try tx.insert(record)
                records.append(record)
            }
            return QuoteCommandResult(
                command: "quote_create", requestId: requestId, quote: QuoteRules.view(quote, lines: records, base: publicBase, now: tx.now),
                messageId: nil, invoice: nil, replayed: false)
        }
    }

    /// Sends the quote to the client by WhatsApp with the link to its page; a sent quote may be sent again (a new
    /// message, same link) until the client decides or it expires.
    public func sendQuote(providerId: String, quoteId: String, publicBase: ClientPageLinks?, idempotencyKey: String? = nil, now: Date = Date())
        async throws -> QuoteCommandResult
    {
        let quote = try await ownQuote(providerId: providerId, quoteId: quoteId)
        guard let link = QuoteRules.publicURL(base: publicBase, token: quote.publicToken) else {
            throw ProviderRequestError(
                code: "client_page_unavailable",
                messageFR: "Adresse de la page client inconnue sur ce hub (DJOBEA_CLIENT_PAGE_URL ou --central) : devis non envoyé",
                kind: .conflict)
        }
        return try await work("quote_send", providerId, quote.requestId, idempotencyKey, .critical, now) { tx, context in
            guard var current = try QuoteRecord.fetchOne(tx.db, sql: "SELECT * FROM quotes WHERE id = ?", arguments: [quoteId]) else {
                throw ProviderRequestError.notFound
            }
            let shown = QuoteRules.shownStatus(current.status, validUntil: current.validUntil, now: tx.now)
            guard shown == "brouillon" || shown == "envoye" else {
                throw ProviderRequestError(
                    code: "quote_closed", messageFR: "Devis \(current.number) : \(QuoteRules.label(shown).lowercased()), il ne peut plus être envoyé",
                    kind: .conflict)
            }
            current.status = .envoye
            current.sentAt = UTCTimestamp.format(tx.now)
            try tx.update(current, columns: [.status, .sentAt])
            let until = DoualaCalendar().dayKey(UTCTimestamp.parse(current.validUntil) ?? tx.now)
            let untilLabel = until.split(separator: "-").reversed().joined(separator: "/")
            let providerName =
                try String.fetchOne(tx.db, sql: "SELECT name FROM providers WHERE id = ?", arguments: [providerId]) ?? "votre prestataire"
            let parameters = [
                ProviderRequestWording.firstName(context.clientName), current.number, providerName,
                context.shortTitle, XAF(Int(current.total)).formatted,
                untilLabel, link,
            ]
            let messageId = try ClientMessages.queue(
                WhatsAppTemplates.quoteSent.render(parameters), templateCode: "devis_envoye", context: context,
                template: (WhatsAppTemplates.quoteSent.name, parameters), in: tx)
            let lines = try Self.quoteLines(quoteId, in: tx.db)
            return QuoteCommandResult(
                command: "quote_send", requestId: current.requestId, quote: QuoteRules.view(current, lines: lines, base: publicBase, now: tx.now),
                messageId: messageId, invoice: nil, replayed: false)
        }
    }

    /// Turns an accepted quote into the request's invoice (its lines, sent to the client like a payment request), at
    /// Réparation or Terminée.
    public func convertQuote(providerId: String, quoteId: String, publicBase: ClientPageLinks?, idempotencyKey: String? = nil, now: Date = Date())
        async throws -> QuoteCommandResult
    {
        let quote = try await ownQuote(providerId: providerId, quoteId: quoteId)
        let home = database.homeHubId
        return try await work("quote_invoice", providerId, quote.requestId, idempotencyKey, .critical, now) { tx, context in
            guard var current = try QuoteRecord.fetchOne(tx.db, sql: "SELECT * FROM quotes WHERE id = ?", arguments: [quoteId]) else {
                throw ProviderRequestError.notFound
            }
            guard current.status == .accepte else {
                throw ProviderRequestError(
                    code: "quote_not_accepted", messageFR: "Seul un devis accepté par le client devient une facture", kind: .conflict)
            }
            guard context.missionStatus == .reparation || context.missionStatus == .terminee else {
                throw ProviderRequestError.illegalTransition(
                    "Facture possible à l'étape « Réparation » ou « Terminée » : la mission est « \(context.missionStatus.labelFR) »")
            }
            if try Self.invoiceId(requestId: current.requestId, in: tx.db) != nil { throw ProviderRequestError.invoiceExists }
            let lines = try Self.quoteLines(quoteId, in: tx.db)
            let invoice = try Self.issueInvoice(
                lines.map { line in
                    (
                        line.kind,
                        MissionPaymentRequestResult.Line(
                            kind: line.kind.rawValue, label: line.label, quantity: Int(line.quantity), unitPrice: Int(line.unitPrice),
                            total: Int(line.quantity * line.unitPrice))
                    )
                }, note: "Selon le devis \(current.number) que vous avez accepté.", context: context, publicBase: publicBase,
                homeHubId: home, in: tx)
            current.invoiceId = invoice.invoiceId
            try tx.update(current, columns: [.invoiceId])
            return QuoteCommandResult(
                command: "quote_invoice", requestId: current.requestId,
                quote: QuoteRules.view(current, lines: lines, base: publicBase, now: tx.now), messageId: invoice.messageId, invoice: invoice,
                replayed: false)
        }
    }

    /// One of the provider's quotes.
    public func quote(providerId: String, quoteId: String, publicBase: ClientPageLinks?, now: Date = Date()) async throws -> QuoteView {
        guard DjobeaID.isValid(quoteId) else { throw ProviderRequestError.notFound }
        return try await database.read { db in
            guard
                let quote = try QuoteRecord.fetchOne(
                    db, sql: "SELECT * FROM quotes WHERE id = ? AND provider_id = ?", arguments: [quoteId, providerId])
            else { throw ProviderRequestError.notFound }
            return QuoteRules.view(quote, lines: try Self.quoteLines(quoteId, in: db), base: publicBase, now: now)
        }
    }

    /// The quotes of a request, newest first.
    public func quotes(providerId: String, requestId: String, publicBase: ClientPageLinks?, now: Date = Date()) async throws -> [QuoteView] {
        try await database.read { db in
            try QuoteRecord.fetchAll(
                db, sql: "SELECT * FROM quotes WHERE request_id = ? AND provider_id = ? ORDER BY created_at DESC, id DESC",
                arguments: [requestId, providerId]
            ).map { QuoteRules.view($0, lines: try Self.quoteLines($0.id, in: db), base: publicBase, now: now) }
        }
    }

    /// The provider's quote templates and the global ones.
    public func quoteTemplates(providerId: String) async throws -> [QuoteTemplateView] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT t.id, t.title, t.lines, t.provider_id, s.code AS service FROM quote_templates t JOIN services s ON s.id = t.service_id
                    WHERE t.provider_id IS NULL OR t.provider_id = ? ORDER BY t.provider_id IS NULL, s.code, t.title
                    """, arguments: [providerId]
            ).map { row in
                let decoder = JSONDecoder()
                decoder.keyDecodingStrategy = .convertFromSnakeCase
                let text: String = row["lines"]
                let lines = (try? decoder.decode([QuoteLineInput].self, from: Data(text.utf8))) ?? []
                let owner: String? = row["provider_id"]
                return QuoteTemplateView(id: row["id"], title: row["title"], service: row["service"], own: owner != nil, lines: lines)
            }
        }
    }

    func ownQuote(providerId: String, quoteId: String) async throws -> QuoteRecord {
        guard DjobeaID.isValid(quoteId) else { throw ProviderRequestError.notFound }
        return try await database.read { db in
            guard
                let quote = try QuoteRecord.fetchOne(
                    db, sql: "SELECT * FROM quotes WHERE id = ? AND provider_id = ?", arguments: [quoteId, providerId])
            else { throw ProviderRequestError.notFound }
            return quote
        }
    }

    static func quoteLines(_ quoteId: String, in db: Database) throws -> [QuoteLineRecord] {
        try QuoteLineRecord.fetchAll(db, sql: "SELECT * FROM quote_lines WHERE quote_id = ? ORDER BY line_order, id", arguments: [quoteId])
    }

    /// The provider's next number with `prefix` for the Douala year of `now`: "D-2026-0001", then 0002…
    static func nextNumber(prefix letter: String, table: String, providerId: String, now: Date, in db: Database) throws -> String {
        let year = String(DoualaCalendar().dayKey(now).prefix(4))
        let prefix = "\(letter)-\(year)-"
        let numbers = try String.fetchAll(
            db, sql: "SELECT number FROM \(table) WHERE provider_id = ? AND substr(number, 1, ?) = ?", arguments: [providerId, prefix.count, prefix])
        let highest = numbers.compactMap { Int($0.dropFirst(prefix.count)) }.max() ?? 0
        let digits = String(highest + 1)
        return prefix + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// A quote template as the app lists it.
public struct QuoteTemplateView: Codable, Sendable, Hashable {
    public var id: String
    public var title: String
    /// The service's code.
    public var service: String
    /// The provider's own (else a global one).
    public var own: Bool
    public var lines: [QuoteLineInput]
}

/// A quote with who and what it is for: its PDF and its client page print these.
public struct QuoteDocument: Sendable, Hashable {
    public var quote: QuoteView
    public var providerName: String
    public var providerPhone: String
    public var clientName: String
    public var requestTitle: String
    public var serviceName: String
}

extension ProviderRequestCommands {
    /// One of the provider's quotes with its parties, for its PDF.
    public func quoteDocument(providerId: String, quoteId: String, publicBase: ClientPageLinks?, now: Date = Date()) async throws -> QuoteDocument {
        let view = try await quote(providerId: providerId, quoteId: quoteId, publicBase: publicBase, now: now)
        return try await database.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT p.name AS provider_name, p.phone AS provider_phone, c.name AS client_name, r.title, s.name_fr AS service_name
                        FROM service_requests r JOIN clients c ON c.id = r.client_id JOIN services s ON s.id = r.service_id
                        JOIN providers p ON p.id = ?
                        WHERE r.id = ?
                        """, arguments: [providerId, view.requestId])
            else { throw ProviderRequestError.notFound }
            return QuoteDocument(
                quote: view, providerName: row["provider_name"], providerPhone: row["provider_phone"], clientName: row["client_name"],
                requestTitle: row["title"], serviceName: row["service_name"])
        }
    }
}

extension ProviderRequestCommands {
    /// Saves one of the provider's own quote templates (a common job with its price lines) for a service they may
    /// offer; at most 50 per provider.
    public func createQuoteTemplate(providerId: String, title: String, service: String, lines: [QuoteLineInput], now: Date = Date()) async throws
        -> QuoteTemplateView
    {
        let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...80).contains(title.count), !title.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ProviderRequestError.invalid("title", "Nom du modèle (title) : de 2 à 80 caractères")
        }
        let checked = try QuoteRules.validated(lines)
        let stored = checked.map { QuoteLineInput(kind: $0.0.rawValue, label: $0.1, quantity: $0.2, unitPrice: $0.3) }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(stored), as: UTF8.self)
        return try await database.write(durability: .critical, now: now) { tx in
            guard let serviceId = try String.fetchOne(tx.db, sql: "SELECT id FROM services WHERE code = ?", arguments: [service]) else {
                throw ProviderRequestError.invalid("service", "Service inconnu (service) : un code du catalogue")
            }
            let count = try Int.fetchOne(tx.db, sql: "SELECT count(*) FROM quote_templates WHERE provider_id = ?", arguments: [providerId]) ?? 0
            guard count < 50 else {
                throw ProviderRequestError(code: "too_many_templates", messageFR: "50 modèles au plus : supprimez-en un d'abord", kind: .conflict)
            }
            let record = QuoteTemplateRecord(id: DjobeaID.v7(now: tx.now), serviceId: serviceId, providerId: providerId, title: title, lines: json)
            try tx.insert(record)
            return QuoteTemplateView(id: record.id, title: title, service: service, own: true, lines: stored)
        }
    }

    /// Deletes one of the provider's own templates (global ones are central's).
    public func deleteQuoteTemplate(providerId: String, templateId: String, now: Date = Date()) async throws {
        guard DjobeaID.isValid(templateId) else { throw ProviderRequestError.notFound }
        try await database.write(now: now) { tx in
            guard
                let record = try QuoteTemplateRecord.fetchOne(
                    tx.db, sql: "SELECT * FROM quote_templates WHERE id = ? AND provider_id = ?", arguments: [templateId, providerId])
            else { throw ProviderRequestError.notFound }
            try tx.delete(record)
        }
    }
}

extension ProviderRequestCommands {
    /// Replaces a draft's lines (and validity): a quote is edited before it is sent, never after (a new quote then).
    public func editQuote(
        providerId: String, quoteId: String, lines: [QuoteLineInput], validDays: Int?, publicBase: ClientPageLinks?, idempotencyKey: String? = nil,
        now: Date = Date()
    ) async throws -> QuoteCommandResult {
        let checked = try QuoteRules.validated(lines)
        if let validDays, !(1...90).contains(validDays) {
            throw ProviderRequestError.invalid("valid_days", "Validité (valid_days) : de 1 à 90 jours")
        }
        let quote = try await ownQuote(providerId: providerId, quoteId: quoteId)
        return try await work("quote_edit", providerId, quote.requestId, idempotencyKey, .critical, now) { tx, _ in
            guard var current = try QuoteRecord.fetchOne(tx.db, sql: "SELECT * FROM quotes WHERE id = ?", arguments: [quoteId]) else {
                throw ProviderRequestError.notFound
            }
            guard current.status == .brouillon else {
                throw ProviderRequestError(
                    code: "quote_sent", messageFR: "Devis \(current.number) déjà envoyé : faites un nouveau devis plutôt que de le modifier",
                    kind: .conflict)
            }
            for line in try Self.quoteLines(quoteId, in: tx.db) { try tx.delete(line) }
            var records: [QuoteLineRecord] = []
            for (order, line) in checked.enumerated() {
                let record = QuoteLineRecord(
                    id: DjobeaID.v7(now: tx.now), quoteId: quoteId, kind: line.0, label: line.1, quantity: Int64(line.2), unitPrice: Int64(line.3),
                    lineOrder: Int64(order))
                try tx.insert(record)
                records.append(record)
            }
            current.total = Int64(checked.reduce(0) { $0 + $1.2 * $1.3 })
            var columns: [QuoteRecord.Columns] = [.total]
            if let validDays {
                current.validUntil = UTCTimestamp.format(tx.now.addingTimeInterval(TimeInterval(validDays * 86_400)))
                columns.append(.validUntil)
            }
            try tx.update(current, columns: columns)
            return QuoteCommandResult(
                command: "quote_edit", requestId: current.requestId, quote: QuoteRules.view(current, lines: records, base: publicBase, now: tx.now),
                messageId: nil, invoice: nil, replayed: false)
        }
    }
}
