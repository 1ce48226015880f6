import DjobeaDomain
import Foundation
import ZIPFoundation

/// The statement as an Excel workbook (SpreadsheetML, zipped in memory): "Résumé", "Par mois" and "Opérations"
/// sheets; amounts are numbers, dates are date cells (Douala time), each table ends with a totals row whose SUM
/// formula carries its value.
public enum StatementXLSX {
    public static func data(_ statement: StatementDocument) throws -> Data {
        let sheets: [(name: String, xml: String)] = [
            ("Résumé", summarySheet(statement)), ("Par mois", monthSheet(statement)), ("Opérations", entrySheet(statement)),
        ]
        var files: [(path: String, text: String)] = [
            ("[Content_Types].xml", contentTypes(sheetCount: sheets.count)), ("_rels/.rels", rootRelationships),
            ("xl/workbook.xml", workbook(sheets.map(\.name))), ("xl/_rels/workbook.xml.rels", workbookRelationships(sheetCount: sheets.count)),
            ("xl/styles.xml", styles),
        ]
        for (index, sheet) in sheets.enumerated() { files.append(("xl/worksheets/sheet\(index + 1).xml", sheet.xml)) }
        return try zip(files)
    }

    /// A ZIP archive of `files`, deflated, built in memory.
    static func zip(_ files: [(path: String, text: String)]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        let stamp = Date(timeIntervalSince1970: 1_767_225_600)
        for file in files {
            let bytes = Data(file.text.utf8)
            try archive.addEntry(
                with: file.path, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: stamp, compressionMethod: .deflate
            ) { position, size in
                bytes.subdata(in: Int(position)..<min(bytes.count, Int(position) + size))
            }
        }
        guard let data = archive.data else { throw XLSXError.archiveUnavailable }
        return data
    }

    enum XLSXError: Error {
        case archiveUnavailable
    }

    // MARK: - Sheets

    /// Style indexes of `styles`.
    enum Style: Int {
        case plain = 0, bold = 1, dateTime = 2, amount = 3, boldAmount = 4, header = 5
    }

    /// A cell value.
    enum Cell {
        case text(String, Style)
        case number(Int, Style)
        case date(Date)
        /// A formula with its computed value, so that a reader without a calculation engine sees the number.
        case formula(String, Int, Style)
        case empty
    }

    static func summarySheet(_ statement: StatementDocument) -> String {
        let rows: [[Cell]] = [
            [.text(StatementDocument.titleFR, .bold)],
            [.text("Prestataire", .plain), .text(statement.providerName, .plain)],
            [.text("Téléphone", .plain), .text(statement.providerPhone, .plain)],
            [.text("Du", .plain), .text(statement.fromDay, .plain)],
            [.text("Au", .plain), .text(statement.toDay, .plain)],
            [.text("Établi le", .plain), .date(statement.generatedAt)],
            [],
            [.text("Total brut (FCFA)", .bold), .number(statement.gross.francs, .boldAmount)],
            [.text("Commission Djobea (FCFA)", .bold), .number(statement.commission.francs, .boldAmount)],
            [.text("Net (FCFA)", .bold), .number(statement.net.francs, .boldAmount)],
            [],
            [.text(StatementDocument.noticeFR, .plain)],
        ]
        return worksheet(rows, widths: [28, 40])
    }

    static func monthSheet(_ statement: StatementDocument) -> String {
        var rows: [[Cell]] = [StatementDocument.monthHeadersFR.map { .text($0, .header) }]
        for month in statement.months {
            rows.append([
                .text(month.label, .plain), .number(month.payments, .plain), .number(month.gross.francs, .amount),
                .number(month.commission.francs, .amount), .number(month.net.francs, .amount),
            ])
        }
        let last = rows.count
        rows.append([
            .text(StatementDocument.totalLabelFR, .bold), .formula("SUM(B2:B\(last))", statement.months.map(\.payments).reduce(0, +), .bold),
            .formula("SUM(C2:C\(last))", statement.gross.francs, .boldAmount),
            .formula("SUM(D2:D\(last))", statement.commission.francs, .boldAmount),
            .formula("SUM(E2:E\(last))", statement.net.francs, .boldAmount),
        ])
        return worksheet(rows, widths: [18, 12, 16, 18, 16], frozenRows: 1)
    }

    static func entrySheet(_ statement: StatementDocument) -> String {
        var rows: [[Cell]] = [StatementDocument.entryHeadersFR.map { .text($0, .header) }]
        for entry in statement.entries {
            rows.append([
                .date(entry.recordedAt), .text(entry.kindLabel, .plain), .text(entry.requestTitle, .plain), .text(entry.clientName, .plain),
                .text(entry.serviceName, .plain), .text(entry.methodLabel, .plain), .text(entry.operatorRef, .plain),
                .text(entry.invoiceNumber, .plain), .number(entry.gross.francs, .amount), .number(entry.commission.francs, .amount),
                .number(entry.net.francs, .amount),
            ])
        }
        let last = rows.count
        let sum = { (column: String, value: XAF) -> Cell in
            last < 2 ? .number(value.francs, .boldAmount) : .formula("SUM(\(column)2:\(column)\(last))", value.francs, .boldAmount)
        }
        rows.append(
            [.text(StatementDocument.totalLabelFR, .bold)] + Array(repeating: Cell.empty, count: 7)
                + [sum("I", statement.gross), sum("J", statement.commission), sum("K", statement.net)])
        return worksheet(rows, widths: [17, 12, 30, 22, 16, 16, 20, 14, 14, 16, 14], frozenRows: 1)
    }

    static func worksheet(_ rows: [[Cell]], widths: [Int], frozenRows: Int = 0) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        xml += #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
        if frozenRows > 0 {
            xml += #"<sheetViews><sheetView workbookViewId="0"><pane ySplit="\#(frozenRows)" topLeftCell="A\#(frozenRows + 1)" "#
            xml += #"activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>"#
        }
        xml += "<cols>"
        for (index, width) in widths.enumerated() {
            xml += #"<col min="\#(index + 1)" max="\#(index + 1)" width="\#(width)" customWidth="1"/>"#
        }
        xml += "</cols><sheetData>"
        for (rowIndex, row) in rows.enumerated() where !row.isEmpty {
            let number = rowIndex + 1
            xml += #"<row r="\#(number)">"#
            for (columnIndex, cell) in row.enumerated() {
                let reference = columnName(columnIndex) + String(number)
                switch cell {
                case .text(let text, let style):
                    xml += #"<c r="\#(reference)" s="\#(style.rawValue)" t="inlineStr"><is><t xml:space="preserve">\#(escape(text))</t></is></c>"#
                case .number(let value, let style):
                    xml += #"<c r="\#(reference)" s="\#(style.rawValue)"><v>\#(value)</v></c>"#
                case .date(let date):
                    xml += #"<c r="\#(reference)" s="\#(Style.dateTime.rawValue)"><v>\#(serial(date))</v></c>"#
                case .formula(let formula, let value, let style):
                    xml += #"<c r="\#(reference)" s="\#(style.rawValue)"><f>\#(formula)</f><v>\#(value)</v></c>"#
                case .empty:
                    continue
                }
            }
            xml += "</row>"
        }
        return xml + "</sheetData></worksheet>"
    }

    /// "A", "B", …, "Z", "AA".
    static func columnName(_ index: Int) -> String {
        var name = ""
        var value = index + 1
        while value > 0 {
            let remainder = (value - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            value = (value - 1) / 26
        }
        return name
    }

    /// The spreadsheet serial of `date` in Douala time (days since 1899-12-30), to the second.
    static func serial(_ date: Date) -> String {
        let local = date.timeIntervalSince1970 + TimeInterval(DoualaCalendar.utcOffset)
        let seconds = Int(local.rounded())
        let days = Double(seconds) / 86_400 + 25_569
        return String(format: "%.6f", days)
    }

    /// XML text: `&`, `<`, `>`, `"` escaped; characters XML 1.0 forbids dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default:
                let value = scalar.value
                if value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D { continue }
                if value == 0xFFFE || value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    // MARK: - Package parts

    static func contentTypes(sheetCount: Int) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        xml += #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
        xml += #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
        xml += #"<Default Extension="xml" ContentType="application/xml"/>"#
        xml += #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
        xml += #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
        for index in 1...sheetCount {
            xml += #"<Override PartName="/xl/worksheets/sheet\#(index).xml" "#
            xml += #"ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        }
        return xml + "</Types>"
    }

    static let rootRelationships =
        #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        + #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" "#
        + #"Target="xl/workbook.xml"/></Relationships>"#

    static func workbook(_ names: [String]) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        xml += #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" "#
        xml += #"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#
        for (index, name) in names.enumerated() {
            xml += #"<sheet name="\#(escape(name))" sheetId="\#(index + 1)" r:id="rId\#(index + 1)"/>"#
        }
        return xml + "</sheets></workbook>"
    }

    static func workbookRelationships(sheetCount: Int) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        xml += #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        for index in 1...sheetCount {
            xml += #"<Relationship Id="rId\#(index)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" "#
            xml += #"Target="worksheets/sheet\#(index).xml"/>"#
        }
        xml += #"<Relationship Id="rId\#(sheetCount + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" "#
        xml += #"Target="styles.xml"/>"#
        return xml + "</Relationships>"
    }

    /// Fonts 0 regular, 1 bold; cell formats in `Style` order: plain, bold, date and time, amount (# ##0), bold
    /// amount, header (bold on grey).
    static let styles =
        #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        + #"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
        + #"<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm"/></numFmts>"#
        + #"<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>"#
        + #"<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>"#
        + #"<fill><patternFill patternType="solid"><fgColor rgb="FFE6E6E6"/><bgColor indexed="64"/></patternFill></fill></fills>"#
        + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
        + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        + #"<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        + #"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#
        + #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="3" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>"#
        + #"<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/></cellXfs>"#
        + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#
}
