import DjobeaDomain
import Foundation

/// An invoice or a quote as printed: what the provider hands the client.
public struct BillingDocument: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case invoice, quote

        /// "Facture", "Devis".
        public var titleFR: String { self == .invoice ? "Facture" : "Devis" }
    }

    public struct Line: Sendable, Hashable {
        /// "Main d'œuvre", "Matériel", "Déplacement".
        public var kindLabel: String
        public var label: String
        public var quantity: Int
        public var unitPrice: XAF
        public var total: XAF

        public init(kindLabel: String, label: String, quantity: Int, unitPrice: XAF, total: XAF? = nil) {
            self.kindLabel = kindLabel
            self.label = label
            self.quantity = quantity
            self.unitPrice = unitPrice
            self.total = total ?? XAF(quantity * unitPrice.francs)
        }
    }

    public var kind: Kind
    /// "F-2026-0007", "D-2026-0003".
    public var number: String
    public var providerName: String
    public var providerPhone: String
    public var clientName: String
    /// The request the document is for ("Fuite sous l'évier").
    public var subject: String
    /// The service ("Plomberie").
    public var serviceName: String
    public var issuedAt: Date
    /// The due date of an invoice, the end of validity of a quote.
    public var dueOrValidUntil: Date
    public var lines: [Line]
    public var total: XAF
    /// Invoices only: received so far (reversals deducted).
    public var paid: XAF?
    /// Invoices only: the sum of the credit notes (avoirs) taken off the total.
    public var credited: XAF = .zero

    public init(
        kind: Kind, number: String, providerName: String, providerPhone: String, clientName: String, subject: String, serviceName: String,
        issuedAt: Date, dueOrValidUntil: Date, lines: [Line], total: XAF, paid: XAF? = nil
    ) {
        self.kind = kind
        self.number = number
        self.providerName = providerName
        self.providerPhone = providerPhone
        self.clientName = clientName
        self.subject = subject
        self.serviceName = serviceName
        self.issuedAt = issuedAt
        self.dueOrValidUntil = dueOrValidUntil
        self.lines = lines
        self.total = total
        self.paid = paid
    }

    /// What is left to pay (never below zero); nil for a quote.
    public var balance: XAF? {
        paid.map { XAF(max(0, total.francs - credited.francs - $0.francs)) }
    }

    /// "F-2026-0007.pdf": the number with anything but letters, digits, '-' and '_' replaced.
    public var fileName: String {
        DocumentFileName.safe(number) + ".pdf"
    }
}

/// Renders invoices and quotes as one- or several-page A4 PDFs.
public enum BillingDocumentRenderer {
    /// The PDF of `document`.
    public static func pdf(_ document: BillingDocument) -> Data {
        var layout = PDFLayout(
            footer: footer(document), runningHeader: "\(document.kind.titleFR) \(document.number) — \(document.providerName)")
        let top = layout.y
        // Provider on the left, document title and number on the right.
        layout.line(document.providerName, size: 15, font: .bold)
        layout.line("Tél. \(document.providerPhone)", size: 10)
        layout.line("Prestataire Djobea · \(document.serviceName)", size: 9)
        layout.title(document.kind.titleFR.uppercased(), number: "N° \(document.number)", top: top)

        layout.space(14)
        layout.line("Client", size: 8, font: .bold)
        layout.line(document.clientName, size: 11, font: .bold)
        layout.line("Objet : \(document.subject)", size: 10)
        layout.space(6)
        let dateLabel = document.kind == .invoice ? "Échéance" : "Valable jusqu'au"
        layout.line("Date d'émission : \(DocumentDates.longFR(document.issuedAt))", size: 10)
        layout.line("\(dateLabel) : \(DocumentDates.longFR(document.dueOrValidUntil))", size: 10)
        layout.space(12)

        let columns = [
            PDFTableColumn("Type", width: 82), PDFTableColumn("Désignation", width: 191), PDFTableColumn("Qté", width: 40, align: .right),
            PDFTableColumn("Prix unitaire", width: 99, align: .right), PDFTableColumn("Total", width: 99, align: .right),
        ]
        let rows = document.lines.map { line in
            PDFTableRow([line.kindLabel, line.label, String(line.quantity), line.unitPrice.formatted, line.total.formatted])
        }
        layout.table(columns, rows: rows, size: 9)
        layout.space(10)

        layout.ensure(document.credited > .zero ? 85 : 70)
        let labelX = layout.right - 230
        layout.pair("Total", document.total.formatted, size: 12, font: .bold, labelX: labelX)
        if let paid = document.paid, let balance = document.balance {
            if document.credited > .zero { layout.pair("Avoirs", document.credited.formatted, size: 10, labelX: labelX) }
            layout.pair("Déjà payé", paid.formatted, size: 10, labelX: labelX)
            layout.pair("Reste à payer", balance.formatted, size: 11, font: .bold, labelX: labelX)
        }
        layout.space(16)
        let note =
            document.kind == .invoice
            ? "Paiement en espèces, par MTN MoMo ou Orange Money. Merci de rappeler le numéro \(document.number) avec votre paiement."
            : "Ce devis est gratuit. Pour l'accepter, répondez « OUI » au message WhatsApp de Djobea avant le "
                + "\(DocumentDates.longFR(document.dueOrValidUntil))."
        layout.paragraph(note, size: 9)
        return layout.document(title: "\(document.kind.titleFR) \(document.number)").data()
    }

    static func footer(_ document: BillingDocument) -> String {
        "\(document.kind.titleFR) \(document.number) · \(document.providerName) · Montants en francs CFA (FCFA) · "
            + (document.kind == .invoice ? "Émise via Djobea" : "Établi via Djobea")
    }
}

extension PDFLayout {
    /// A document's title and number at the top right, level with `top`; the cursor stays where it was.
    mutating func title(_ title: String, number: String, top: Double) {
        let saved = y
        y = top
        line(title, size: 20, font: .bold, x: right, align: .right, leading: 24)
        line(number, size: 11, font: .bold, x: right, align: .right)
        y = min(saved, y)
    }
}

/// Dates as documents print them (Douala time).
public enum DocumentDates {
    static let monthsFR = [
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ]

    /// "7 décembre 2026", "1er mars 2026".
    public static func longFR(_ date: Date) -> String {
        let key = DoualaCalendar().dayKey(date)
        return longFR(dayKey: key)
    }

    /// "1er janvier 2026" from "2026-01-01".
    public static func longFR(dayKey: String) -> String {
        let parts = dayKey.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]) else { return dayKey }
        return "\(parts[2] == 1 ? "1er" : String(parts[2])) \(monthsFR[parts[1] - 1]) \(parts[0])"
    }

    /// "07/12/2026 14:05", Douala time.
    public static func shortFR(_ date: Date) -> String {
        let calendar = DoualaCalendar()
        let day = calendar.dayKey(date).split(separator: "-")
        let minutes = Int(date.timeIntervalSince(calendar.startOfDay(date)) / 60)
        return "\(day[2])/\(day[1])/\(day[0]) " + String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}

/// File names safe in a `Content-Disposition` header.
public enum DocumentFileName {
    /// Letters, digits, '-', '_' and '.' kept (ASCII), anything else '_'.
    public static func safe(_ text: String) -> String {
        let kept = text.unicodeScalars.map { scalar -> Character in
            let value = scalar.value
            let ok =
                (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) || value == 0x2D
                || value == 0x5F || value == 0x2E
            return ok ? Character(scalar) : "_"
        }
        return kept.isEmpty ? "document" : String(kept)
    }
}
