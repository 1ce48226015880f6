import DjobeaDomain
import DjobeaTestSupport
import Foundation
import Testing

@testable import DjobeaDocuments

@Suite("Invoices, quotes and statements as files")
struct DocumentRenderingTests {
    static let issued = Date(timeIntervalSince1970: 1_772_355_600)  // 2026-03-01T09:00:00Z

    static func invoice(lines count: Int = 3) -> BillingDocument {
        var lines = [
            BillingDocument.Line(kindLabel: "Main d'œuvre", label: "Main d'œuvre", quantity: 1, unitPrice: XAF(15_000)),
            BillingDocument.Line(kindLabel: "Matériel", label: "Joint (siphon) \\ 40 mm", quantity: 2, unitPrice: XAF(1_250)),
            BillingDocument.Line(kindLabel: "Déplacement", label: "Déplacement", quantity: 1, unitPrice: XAF(2_000)),
        ]
        for index in lines.count..<count {
            lines.append(.init(kindLabel: "Matériel", label: "Pièce n° \(index + 1)", quantity: 1, unitPrice: XAF(100)))
        }
        let total = lines.map(\.total).sum()
        return BillingDocument(
            kind: .invoice, number: "F-2026-0007", providerName: "Jean-Pierre Mbarga", providerPhone: "+237699123456",
            clientName: "Aïssatou Ngo Bé", subject: "Fuite sous l'évier « cuisine »", serviceName: "Plomberie", issuedAt: issued,
            dueOrValidUntil: issued.addingTimeInterval(7 * 86_400), lines: lines, total: total, paid: XAF(10_000))
    }

    @Test("an invoice PDF passes qpdf and shows its number, the client with accents, the lines, total, paid and balance")
    func invoicePDF() throws {
        let document = Self.invoice()
        let pdf = BillingDocumentRenderer.pdf(document)
        _ = try DocumentReaders.qpdfCheck(pdf)
        let text = try DocumentReaders.pdfText(pdf)
        for expected in [
            "FACTURE", "N° F-2026-0007", "Jean-Pierre Mbarga", "+237699123456", "Aïssatou Ngo Bé", "Fuite sous l'évier « cuisine »",
            "Joint (siphon) \\ 40 mm", "Main d'œuvre", "Déplacement", "Total", "19 500 FCFA", "Déjà payé", "10 000 FCFA", "Reste à payer",
            "9 500 FCFA", "1er mars 2026", "8 mars 2026", "Échéance",
        ] {
            #expect(text.contains(expected), "\(expected) in \(text)")
        }
        #expect(document.fileName == "F-2026-0007.pdf")
        #expect(try DocumentReaders.pageCount(pdf) == 1)
    }

    @Test("an invoice with credit notes shows them and a balance of total − credit notes − paid")
    func invoiceWithCreditNotes() throws {
        var document = Self.invoice()
        document.credited = XAF(4_000)
        #expect(document.balance == XAF(5_500))
        let text = try DocumentReaders.pdfText(BillingDocumentRenderer.pdf(document))
        for expected in ["Avoirs", "4 000 FCFA", "Déjà payé", "Reste à payer", "5 500 FCFA"] {
            #expect(text.contains(expected), "\(expected) in \(text)")
        }
        #expect(!Self.invoice().pdfTextContainsAvoirs)
    }

    @Test("an invoice with many lines continues on more pages with its number on top")
    func longInvoice() throws {
        let pdf = BillingDocumentRenderer.pdf(Self.invoice(lines: 90))
        _ = try DocumentReaders.qpdfCheck(pdf)
        let pages = try DocumentReaders.pageCount(pdf)
        #expect(pages >= 2)
        let text = try DocumentReaders.pdfText(pdf)
        #expect(text.contains("Pièce n° 90"))
        #expect(text.contains("Facture F-2026-0007 — Jean-Pierre Mbarga"), "the running header of continuation pages")
        #expect(text.contains("Page \(pages) / \(pages)"))
    }

    @Test("a quote PDF has its validity date and no payment lines")
    func quotePDF() throws {
        var quote = Self.invoice()
        quote.kind = .quote
        quote.number = "D-2026-0003"
        quote.paid = nil
        let pdf = BillingDocumentRenderer.pdf(quote)
        _ = try DocumentReaders.qpdfCheck(pdf)
        let text = try DocumentReaders.pdfText(pdf)
        for expected in ["DEVIS", "N° D-2026-0003", "Valable jusqu'au", "8 mars 2026", "Aïssatou Ngo Bé", "19 500 FCFA"] {
            #expect(text.contains(expected), "\(expected) in \(text)")
        }
        #expect(!text.contains("Reste à payer"))
        #expect(quote.balance == nil)
    }

    static func statement() -> StatementDocument {
        let day = 86_400.0
        let start = Date(timeIntervalSince1970: 1_767_222_000)  // 2026-01-01 00:00 Douala
        let entries: [StatementDocument.Entry] = [
            .init(
                recordedAt: start.addingTimeInterval(3 * day + 36_000), kindLabel: "Paiement", requestTitle: "Fuite; robinet \"cuisine\"",
                clientName: "Aïssatou Ngo Bé", serviceName: "Plomberie", methodLabel: "Orange Money", operatorRef: "MP2609111941.9914.D92796",
                invoiceNumber: "F-2026-0001", gross: XAF(20_000), commission: .zero),
            .init(
                recordedAt: start.addingTimeInterval(3 * day + 36_001), kindLabel: "Commission", requestTitle: "Fuite; robinet \"cuisine\"",
                clientName: "Aïssatou Ngo Bé", serviceName: "Plomberie", methodLabel: "", operatorRef: "", invoiceNumber: "F-2026-0001",
                gross: .zero, commission: XAF(3_000)),
            .init(
                recordedAt: start.addingTimeInterval(40 * day), kindLabel: "Paiement", requestTitle: "=Prise grillée", clientName: "Éric Fotso",
                serviceName: "Électricité", methodLabel: "Espèces", operatorRef: "", invoiceNumber: "F-2026-0002", gross: XAF(12_500),
                commission: .zero),
            .init(
                recordedAt: start.addingTimeInterval(41 * day), kindLabel: "Correction", requestTitle: "=Prise grillée", clientName: "Éric Fotso",
                serviceName: "Électricité", methodLabel: "Espèces", operatorRef: "", invoiceNumber: "F-2026-0002", gross: XAF(-2_500),
                commission: .zero),
        ]
        let months = [
            StatementDocument.Month(monthKey: "2026-01", label: "Janvier 2026", gross: XAF(20_000), commission: XAF(3_000), payments: 1),
            StatementDocument.Month(monthKey: "2026-02", label: "Février 2026", gross: XAF(10_000), commission: .zero, payments: 1),
            StatementDocument.Month(monthKey: "2026-03", label: "Mars 2026", gross: .zero, commission: .zero, payments: 0),
        ]
        return StatementDocument(
            providerName: "Jean-Pierre Mbarga", providerPhone: "+237699123456", fromDay: "2026-01-01", toDay: "2026-03-31",
            generatedAt: start.addingTimeInterval(100 * day), entries: entries, months: months, gross: XAF(30_000), commission: XAF(3_000))
    }

    @Test("the CSV is UTF-8 with a BOM, ';' separated, CRLF, quoted where needed, formulas defused, totals as integers")
    func statementCSV() throws {
        let statement = Self.statement()
        let data = StatementCSV.data(statement)
        #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = try #require(String(data: data.dropFirst(3), encoding: .utf8))
        let lines = text.components(separatedBy: "\r\n")
        #expect(
            lines.contains("Date;Type;Demande;Client;Service;Moyen de paiement;Référence opérateur;Facture;Brut (FCFA);Commission (FCFA);Net (FCFA)"))
        #expect(
            lines.contains(
                "2026-01-04 10:00;Paiement;\"Fuite; robinet \"\"cuisine\"\"\";Aïssatou Ngo Bé;Plomberie;Orange Money;MP2609111941.9914.D92796;F-2026-0001;20000;0;20000"
            ))
        #expect(lines.contains { $0.hasPrefix("2026-02-11 00:00;Correction;'=Prise grillée;Éric Fotso;") && $0.hasSuffix(";-2500;0;-2500") })
        #expect(lines.contains("Total;;;;;;;;30000;3000;27000"))
        #expect(lines.contains("2026-02;1;10000;0;10000"))
        #expect(lines.contains("Total;2;30000;3000;27000"))
        #expect(lines[0] == "Relevé des revenus;Jean-Pierre Mbarga;Tél. +237699123456", "a phone is not defused into '+…")
        #expect(statement.baseFileName == "releve-2026-01-01_2026-03-31")
    }

    @Test("the XLSX opens in openpyxl: three sheets, numbers as numbers, dates as dates, totals rows equal to the statement")
    func statementXLSX() throws {
        let statement = Self.statement()
        let sheets = try DocumentReaders.xlsxSheets(try StatementXLSX.data(statement))
        #expect(Set(sheets.keys) == ["Résumé", "Par mois", "Opérations"])
        let operations = try #require(sheets["Opérations"])
        #expect(operations.first?.first as? String == "Date")
        #expect(operations[1][0] as? String == "2026-01-04T10:00:00")
        #expect(operations[1][3] as? String == "Aïssatou Ngo Bé")
        #expect(operations[1][8] as? Int == 20_000)
        let total = try #require(operations.last)
        #expect(total[0] as? String == "Total")
        #expect(total[8] as? Int == 30_000)
        #expect(total[9] as? Int == 3_000)
        #expect(total[10] as? Int == 27_000)
        let months = try #require(sheets["Par mois"])
        #expect(months.count == 5)
        #expect(months[2][0] as? String == "Février 2026")
        #expect(months.last?[2] as? Int == 30_000)
        let summary = try #require(sheets["Résumé"])
        #expect(summary.contains { $0.first as? String == "Net (FCFA)" && $0[1] as? Int == 27_000 })
    }

    @Test("the statement PDF passes qpdf and shows the period, months, entries and totals")
    func statementPDF() throws {
        let pdf = StatementPDF.data(Self.statement())
        _ = try DocumentReaders.qpdfCheck(pdf)
        let text = try DocumentReaders.pdfText(pdf)
        for expected in [
            "Relevé des revenus", "Du 1er janvier 2026 au 31 mars 2026", "Jean-Pierre Mbarga", "Février 2026", "Aïssatou Ngo Bé",
            "MP2609111941.9914.D92796", "Orange Money", "30 000 FCFA", "3 000 FCFA", "27 000 FCFA", "-2 500", "12 500",
        ] {
            #expect(text.contains(expected), "\(expected) in \(text)")
        }
    }

    @Test("an empty period still makes valid files: the PDF says so, the workbook's totals are zero")
    func emptyStatement() throws {
        var statement = Self.statement()
        statement.entries = []
        statement.months = statement.months.map {
            StatementDocument.Month(monthKey: $0.monthKey, label: $0.label, gross: .zero, commission: .zero, payments: 0)
        }
        statement.gross = .zero
        statement.commission = .zero
        let pdf = StatementPDF.data(statement)
        _ = try DocumentReaders.qpdfCheck(pdf)
        #expect(try DocumentReaders.pdfText(pdf).contains("Aucune opération sur la période."))
        let sheets = try DocumentReaders.xlsxSheets(try StatementXLSX.data(statement))
        #expect(sheets["Opérations"]?.count == 2)
        #expect(sheets["Opérations"]?.last?.suffix(3).map { $0 as? Int } == [0, 0, 0])
        #expect(sheets["Par mois"]?.last?.suffix(3).map { $0 as? Int } == [0, 0, 0])
        let csv = String(decoding: StatementCSV.data(statement).dropFirst(3), as: UTF8.self)
        #expect(csv.contains("\r\nTotal;;;;;;;;0;0;0\r\n"))
    }
}

extension BillingDocument {
    /// Whether the rendered PDF names credit notes (only when there are some).
    fileprivate var pdfTextContainsAvoirs: Bool {
        (try? DocumentReaders.pdfText(BillingDocumentRenderer.pdf(self)).contains("Avoirs")) ?? true
    }
}
