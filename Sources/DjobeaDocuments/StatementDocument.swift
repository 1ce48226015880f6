import DjobeaDomain
import Foundation

/// A provider's statement for a span of Douala calendar days: every counted ledger entry, a summary per month and the
/// totals, as the earnings API computes them (the caller builds it from the same ledger fold).
public struct StatementDocument: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var recordedAt: Date
        /// "Paiement", "Commission", "Correction".
        public var kindLabel: String
        public var requestTitle: String
        public var clientName: String
        public var serviceName: String
        /// "MTN MoMo"; empty for a commission.
        public var methodLabel: String
        public var operatorRef: String
        public var invoiceNumber: String
        /// What the entry adds to the money received (a reversal of a payment is negative).
        public var gross: XAF
        /// What it adds to Djobea's commission.
        public var commission: XAF

        public var net: XAF { gross - commission }

        public init(
            recordedAt: Date, kindLabel: String, requestTitle: String, clientName: String, serviceName: String, methodLabel: String,
            operatorRef: String, invoiceNumber: String, gross: XAF, commission: XAF
        ) {
            self.recordedAt = recordedAt
            self.kindLabel = kindLabel
            self.requestTitle = requestTitle
            self.clientName = clientName
            self.serviceName = serviceName
            self.methodLabel = methodLabel
            self.operatorRef = operatorRef
            self.invoiceNumber = invoiceNumber
            self.gross = gross
            self.commission = commission
        }
    }

    public struct Month: Sendable, Hashable {
        /// "2026-01".
        public var monthKey: String
        /// "Janvier 2026".
        public var label: String
        public var gross: XAF
        public var commission: XAF
        /// Canonical payments recorded in the month.
        public var payments: Int

        public var net: XAF { gross - commission }

        public init(monthKey: String, label: String, gross: XAF, commission: XAF, payments: Int) {
            self.monthKey = monthKey
            self.label = label
            self.gross = gross
            self.commission = commission
            self.payments = payments
        }
    }

    public var providerName: String
    public var providerPhone: String
    /// First and last day, "2026-01-01" and "2026-03-31" (inclusive).
    public var fromDay: String
    public var toDay: String
    public var generatedAt: Date
    /// Oldest first.
    public var entries: [Entry]
    /// Every month of the period, oldest first, empty months included.
    public var months: [Month]
    public var gross: XAF
    public var commission: XAF
    /// Reversals recorded in the period whose payment has not arrived: listed nowhere, counted nowhere.
    public var pendingReversals: Int

    public var net: XAF { gross - commission }

    public init(
        providerName: String, providerPhone: String, fromDay: String, toDay: String, generatedAt: Date, entries: [Entry], months: [Month],
        gross: XAF, commission: XAF, pendingReversals: Int = 0
    ) {
        self.providerName = providerName
        self.providerPhone = providerPhone
        self.fromDay = fromDay
        self.toDay = toDay
        self.generatedAt = generatedAt
        self.entries = entries
        self.months = months
        self.gross = gross
        self.commission = commission
        self.pendingReversals = pendingReversals
    }

    /// "releve-2026-01-01_2026-03-31" (add the extension).
    public var baseFileName: String {
        DocumentFileName.safe("releve-\(fromDay)_\(toDay)")
    }

    /// "Du 1er janvier 2026 au 31 mars 2026".
    public var periodLabelFR: String {
        "Du \(DocumentDates.longFR(dayKey: fromDay)) au \(DocumentDates.longFR(dayKey: toDay))"
    }

    static let entryHeadersFR = [
        "Date", "Type", "Demande", "Client", "Service", "Moyen de paiement", "Référence opérateur", "Facture", "Brut (FCFA)",
        "Commission (FCFA)", "Net (FCFA)",
    ]
    static let monthHeadersFR = ["Mois", "Paiements", "Brut (FCFA)", "Commission (FCFA)", "Net (FCFA)"]
    static let totalLabelFR = "Total"
    static let titleFR = "Relevé des revenus"
    static let noticeFR =
        "Montants en francs CFA. Brut : sommes reçues des clients, corrections déduites ; commission : part Djobea ; "
        + "net : brut moins commission. Mêmes chiffres que l'écran Finances pour la même période."
}

/// The statement as a spreadsheet file for French Excel: UTF-8 with a byte order mark, `;` between fields, CRLF,
/// amounts as whole francs without separators.
public enum StatementCSV {
    public static func data(_ statement: StatementDocument) -> Data {
        var rows: [[String]] = [
            [StatementDocument.titleFR, statement.providerName, "Tél. " + statement.providerPhone],
            ["Période", statement.fromDay, statement.toDay],
            [],
            StatementDocument.entryHeadersFR,
        ]
        for entry in statement.entries {
            rows.append([
                DocumentDates.isoLocal(entry.recordedAt), entry.kindLabel, entry.requestTitle, entry.clientName, entry.serviceName,
                entry.methodLabel, entry.operatorRef, entry.invoiceNumber, String(entry.gross.francs), String(entry.commission.francs),
                String(entry.net.francs),
            ])
        }
        rows.append(
            [StatementDocument.totalLabelFR, "", "", "", "", "", "", ""]
                + [statement.gross, statement.commission, statement.net].map { String($0.francs) })
        rows.append([])
        rows.append(StatementDocument.monthHeadersFR)
        for month in statement.months {
            rows.append([month.monthKey, String(month.payments)] + [month.gross, month.commission, month.net].map { String($0.francs) })
        }
        rows.append(
            [StatementDocument.totalLabelFR, String(statement.months.map(\.payments).reduce(0, +))]
                + [statement.gross, statement.commission, statement.net].map { String($0.francs) })
        var text = "\u{FEFF}"
        for row in rows { text += row.map(field).joined(separator: ";") + "\r\n" }
        return Data(text.utf8)
    }

    /// A field quoted when it holds `;`, `"` or a line break; a leading `=`, `+`, `-`, `@`, tab or CR of a text is defused with
    /// a quote so that a client's name is never run as a formula.
    static func field(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+@\t\r".contains(first) || (first == "-" && Int(value) == nil) { value = "'" + value }
        guard value.contains(where: { $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// The statement as an A4 PDF: the summary, the months, then every entry.
public enum StatementPDF {
    public static func data(_ statement: StatementDocument) -> Data {
        var layout = PDFLayout(
            footer: "\(StatementDocument.titleFR) · \(statement.providerName) · \(statement.periodLabelFR) · Montants en FCFA",
            runningHeader: "\(StatementDocument.titleFR) — \(statement.providerName) — \(statement.periodLabelFR)")
        layout.line(StatementDocument.titleFR, size: 18, font: .bold)
        layout.line(statement.periodLabelFR, size: 12, font: .bold)
        layout.space(4)
        layout.line("\(statement.providerName) · Tél. \(statement.providerPhone)", size: 10)
        layout.line("Établi le \(DocumentDates.longFR(statement.generatedAt)) (heure de Douala)", size: 9)
        layout.space(10)
        let labelX = layout.left
        layout.pair("Total brut reçu", statement.gross.formatted, size: 11, font: .bold, labelX: labelX)
        layout.pair("Commission Djobea", statement.commission.formatted, size: 11, labelX: labelX)
        layout.pair("Net", statement.net.formatted, size: 12, font: .bold, labelX: labelX)
        layout.space(4)
        layout.paragraph(StatementDocument.noticeFR, size: 8)
        if statement.pendingReversals > 0 {
            layout.paragraph(
                "\(statement.pendingReversals) correction(s) en attente de leur paiement d'origine : non comptée(s).", size: 8)
        }
        layout.space(10)

        layout.line("Récapitulatif mensuel", size: 12, font: .bold)
        let monthColumns = [
            PDFTableColumn("Mois", width: 140), PDFTableColumn("Paiements", width: 70, align: .right),
            PDFTableColumn("Brut", width: 100, align: .right), PDFTableColumn("Commission", width: 100, align: .right),
            PDFTableColumn("Net", width: 100, align: .right),
        ]
        var monthRows = statement.months.map { month in
            PDFTableRow([month.label, String(month.payments), month.gross.formatted, month.commission.formatted, month.net.formatted])
        }
        monthRows.append(
            PDFTableRow(
                [
                    StatementDocument.totalLabelFR, String(statement.months.map(\.payments).reduce(0, +)), statement.gross.formatted,
                    statement.commission.formatted, statement.net.formatted,
                ], bold: true, ruleAbove: true))
        layout.table(monthColumns, rows: monthRows, size: 9)
        layout.space(14)

        layout.line("Opérations (montants en FCFA)", size: 12, font: .bold)
        // Amounts in francs without the unit (the heading says FCFA), so that the columns stay narrow; the operator's
        // reference (24 characters for MTN MoMo) always whole at 6.5 points.
        let columns = [
            PDFTableColumn("Date", width: 62), PDFTableColumn("Type", width: 46), PDFTableColumn("Demande", width: 85),
            PDFTableColumn("Client", width: 70), PDFTableColumn("Moyen", width: 52), PDFTableColumn("Réf. opérateur", width: 96),
            PDFTableColumn("Brut", width: 52, align: .right), PDFTableColumn("Commission", width: 48, align: .right),
        ]
        var rows = statement.entries.map { entry in
            PDFTableRow([
                DocumentDates.shortFR(entry.recordedAt), entry.kindLabel, entry.requestTitle, entry.clientName, entry.methodLabel,
                entry.operatorRef, entry.gross == .zero ? "" : DocumentAmounts.digits(entry.gross),
                entry.commission == .zero ? "" : DocumentAmounts.digits(entry.commission),
            ])
        }
        guard !rows.isEmpty else {
            layout.line("Aucune opération sur la période.", size: 10)
            return layout.document(title: "\(StatementDocument.titleFR) \(statement.fromDay) au \(statement.toDay)").data()
        }
        rows.append(
            PDFTableRow(
                [
                    StatementDocument.totalLabelFR, "", "", "", "", "", DocumentAmounts.digits(statement.gross),
                    DocumentAmounts.digits(statement.commission),
                ], bold: true, ruleAbove: true))
        layout.table(columns, rows: rows, size: 6.5)
        return layout.document(title: "\(StatementDocument.titleFR) \(statement.fromDay) au \(statement.toDay)").data()
    }
}

extension DocumentDates {
    /// "2026-12-07 14:05", Douala time (a spreadsheet reads it as a date).
    public static func isoLocal(_ date: Date) -> String {
        let calendar = DoualaCalendar()
        let minutes = Int(date.timeIntervalSince(calendar.startOfDay(date)) / 60)
        return calendar.dayKey(date) + " " + String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}

/// Amounts as tables print them.
public enum DocumentAmounts {
    /// "-12 500": `XAF.formatted` without the unit (groups still split by narrow no-break spaces).
    public static func digits(_ amount: XAF) -> String {
        amount.formatted.replacingOccurrences(of: "\u{00A0}FCFA", with: "")
    }
}
