import DjobeaDomain
import DjobeaTestSupport
import Foundation
import Testing

@testable import DjobeaDocuments

@Suite("PDF writer")
struct PDFWriterTests {
    @Test("French text is encoded in WinAnsi: accents, œ, guillemets; narrow no-break spaces become no-break spaces")
    func winAnsiEncoding() {
        #expect(WinAnsi.encode("é è à ç ô œ « »") == [0xE9, 0x20, 0xE8, 0x20, 0xE0, 0x20, 0xE7, 0x20, 0xF4, 0x20, 0x9C, 0x20, 0xAB, 0x20, 0xBB])
        #expect(WinAnsi.encode("Œuvre €") == [0x8C, 0x75, 0x76, 0x72, 0x65, 0x20, 0x80])
        #expect(WinAnsi.encode(XAF(15_000).formatted) == Array("15".utf8) + [0xA0] + Array("000".utf8) + [0xA0] + Array("FCFA".utf8))
        #expect(WinAnsi.encode("e\u{301}") == [0xE9], "a decomposed accent is composed first")
        #expect(WinAnsi.encode("a\u{7}b") == [0x61, 0x62], "control characters are dropped")
        #expect(WinAnsi.encode("ok 👍") == [0x6F, 0x6B, 0x20, 0x3F], "what WinAnsi lacks becomes ?")
        #expect(WinAnsi.encode("l’été – “oui”") == [0x6C, 0x92, 0xE9, 0x74, 0xE9, 0x20, 0x96, 0x20, 0x93, 0x6F, 0x75, 0x69, 0x94])
    }

    @Test("parentheses and backslashes are escaped in PDF strings; bytes above ASCII are octal escapes")
    func literalEscaping() {
        #expect(WinAnsi.literal(WinAnsi.encode(#"a(b)c\"#)) == #"(a\(b\)c\\)"#)
        #expect(WinAnsi.literal(WinAnsi.encode("é")) == #"(\351)"#)
    }

    @Test("Helvetica widths come from the standard metrics")
    func metrics() {
        #expect(PDFFont.regular.width(of: "1000", size: 10) == 22.24)
        #expect(PDFFont.bold.width(of: "W", size: 1_000) == 944)
        #expect(PDFFont.regular.width(of: "é", size: 1_000) == 556)
        #expect(PDFLayout.fit("Une désignation beaucoup trop longue", width: 60, size: 10, font: .regular).hasSuffix("…"))
        #expect(PDFFont.regular.width(of: PDFLayout.fit("Une désignation beaucoup trop longue", width: 60, size: 10, font: .regular), size: 10) <= 60)
    }

    @Test("the cross-reference table points at every object and startxref at the table")
    func crossReference() throws {
        var page = PDFPage()
        page.text("Bonjour (test) \\ « é »", x: 50, y: 700)
        let data = PDFDocument(pages: [page, PDFPage()], title: "Essai é").data()
        let bytes = [UInt8](data)
        let text = String(decoding: data, as: UTF8.self)
        let tail = try #require(text.range(of: "startxref\n", options: .backwards))
        let xrefOffset = try #require(Int(text[tail.upperBound...].prefix { $0.isNumber }))
        #expect(Array(bytes[xrefOffset..<xrefOffset + 4]) == Array("xref".utf8))
        let table = String(decoding: bytes[xrefOffset...], as: UTF8.self).split(separator: "\n")
        let count = try #require(Int(table[1].split(separator: " ")[1]))
        #expect(count == 10, "free entry + catalog, pages, 2 fonts, info, 2 × (page, content)")
        for number in 1..<count {
            let entry = table[2 + number]
            #expect(entry.count == 19, "each entry is 20 bytes with its newline")
            let offset = try #require(Int(entry.prefix(10)))
            let header = Array("\(number) 0 obj".utf8)
            #expect(Array(bytes[offset..<offset + header.count]) == header, "object \(number) at \(offset)")
        }
        #expect(text.hasSuffix("%%EOF\n"))
        #expect(text.contains("/Size 10 /Root 1 0 R"))
        _ = try DocumentReaders.qpdfCheck(data)
    }

    @Test("qpdf --check passes and pdftotext reads back French text, parentheses and backslashes")
    func readersAgree() throws {
        var page = PDFPage()
        let samples = ["Facture F-2026-0007 (acompte) \\ réglée", "Aïssatou Ngo Bé — « Déjà payé » : 15 000 FCFA", "Cœur, œuvre, ça, à, ô, è"]
        for (index, sample) in samples.enumerated() { page.text(sample, x: 60, y: 760 - Double(index) * 20, size: 11) }
        page.text(XAF(1_234_567).formatted, x: 500, y: 600, align: .right)
        let data = PDFDocument(pages: [page]).data()
        let check = try DocumentReaders.qpdfCheck(data)
        #expect(check.contains("No syntax or stream encoding errors found"))
        let text = try DocumentReaders.pdfText(data)
        for sample in samples { #expect(text.contains(sample), "\(sample) in \(text)") }
        #expect(text.contains("1 234 567 FCFA"))
    }

    @Test("long content flows onto several pages, each with its table header and page number")
    func severalPages() throws {
        var layout = PDFLayout(footer: "Pied de page é", runningHeader: "Suite du document")
        layout.line("Titre", size: 18, font: .bold)
        let rows = (1...150).map { PDFTableRow(["Ligne \($0)", XAF($0 * 1_000).formatted]) }
        layout.table([PDFTableColumn("Libellé", width: 200), PDFTableColumn("Montant", width: 120, align: .right)], rows: rows)
        let data = layout.document(title: "Long").data()
        _ = try DocumentReaders.qpdfCheck(data)
        let pages = try DocumentReaders.pageCount(data)
        #expect(pages >= 3)
        let text = try DocumentReaders.pdfText(data)
        #expect(text.contains("Page \(pages) / \(pages)"))
        #expect(text.contains("Ligne 150"))
        #expect(text.components(separatedBy: "Libellé").count - 1 == pages, "the header row is repeated on every page")
        #expect(text.components(separatedBy: "Suite du document").count - 1 == pages - 1)
    }

    @Test("right-aligned amounts end at the same x, as pdftotext measures them")
    func rightAlignment() throws {
        var page = PDFPage()
        let amounts = [XAF(5), XAF(1_500), XAF(250_000), XAF(12_345_678)]
        for (index, amount) in amounts.enumerated() {
            page.text(String(amount.francs), x: 400, y: 700 - Double(index) * 15, align: .right)
        }
        let data = PDFDocument(pages: [page]).data()
        let html = try DocumentReaders.withFile(data, name: "bbox.pdf") { path in
            try DocumentReaders.run("/usr/bin/pdftotext", ["-bbox", path, "-"]).out
        }
        let maxima = html.split(separator: "\n").filter { $0.contains("<word") }.compactMap { line -> Double? in
            guard let range = line.range(of: "xMax=\"") else { return nil }
            return Double(line[range.upperBound...].prefix { $0 != "\"" })
        }
        #expect(maxima.count == amounts.count)
        for value in maxima { #expect(abs(value - 400) < 0.6, "\(maxima)") }
    }
}
