import Foundation

/// A column of a `PDFLayout` table.
public struct PDFTableColumn: Sendable {
    public var title: String
    /// Points.
    public var width: Double
    public var align: PDFAlignment

    public init(_ title: String, width: Double, align: PDFAlignment = .left) {
        self.title = title
        self.width = width
        self.align = align
    }
}

/// A row of a `PDFLayout` table.
public struct PDFTableRow: Sendable {
    public var cells: [String]
    public var bold: Bool
    /// A rule above the row (a totals row).
    public var ruleAbove: Bool

    public init(_ cells: [String], bold: Bool = false, ruleAbove: Bool = false) {
        self.cells = cells
        self.bold = bold
        self.ruleAbove = ruleAbove
    }
}

/// Lays text, rules and tables from the top of A4 pages down, starting a new page when the next block does not fit;
/// each page gets the footer and "Page n / N" when the document is made.
public struct PDFLayout: Sendable {
    public static let margin = 42.0
    public private(set) var pages: [PDFPage] = []
    /// The next baseline.
    public internal(set) var y: Double = 0
    /// Under every page.
    public var footer: String
    /// At the top of every page after the first (the document's number or period).
    public var runningHeader: String?

    public var left: Double { Self.margin }
    public var right: Double { PDFDocument.a4Width - Self.margin }
    public var contentWidth: Double { right - left }
    /// Nothing is drawn below this (the footer's room).
    var bottom: Double { Self.margin + 28 }

    public init(footer: String, runningHeader: String? = nil) {
        self.footer = footer
        self.runningHeader = runningHeader
        newPage()
    }

    /// Starts a page; continuation pages begin with the running header.
    public mutating func newPage() {
        var page = PDFPage()
        y = PDFDocument.a4Height - Self.margin - 10
        if !pages.isEmpty, let runningHeader {
            page.text(runningHeader, x: left, y: y, size: 8, font: .regular)
            page.line(from: (left, y - 5), to: (right, y - 5), width: 0.3, gray: 0.6)
            y -= 24
        }
        pages.append(page)
    }

    /// A new page unless `height` points still fit above the footer.
    public mutating func ensure(_ height: Double) {
        if y - height < bottom { newPage() }
    }

    /// Moves the cursor down.
    public mutating func space(_ height: Double) {
        y -= height
    }

    /// One line of text; `x` defaults to the left margin.
    public mutating func line(
        _ text: String, size: Double = 10, font: PDFFont = .regular, x: Double? = nil, align: PDFAlignment = .left, leading: Double? = nil
    ) {
        let step = leading ?? size * 1.35
        ensure(step)
        let (anchor, baseline) = (x ?? left, y)
        draw { $0.text(text, x: anchor, y: baseline, size: size, font: font, align: align) }
        y -= step
    }

    /// Text wrapped at word boundaries within `width` (the content width by default).
    public mutating func paragraph(_ text: String, size: Double = 10, font: PDFFont = .regular, width: Double? = nil) {
        for line in Self.wrap(text, width: width ?? contentWidth, size: size, font: font) {
            self.line(line, size: size, font: font)
        }
    }

    /// A label and its value on one line, the value right-aligned at `valueX` (the right margin by default).
    public mutating func pair(_ label: String, _ value: String, size: Double = 10, font: PDFFont = .regular, labelX: Double? = nil) {
        let step = size * 1.45
        ensure(step)
        let (x, edge, baseline) = (labelX ?? left, right, y)
        draw {
            $0.text(label, x: x, y: baseline, size: size, font: font)
            $0.text(value, x: edge, y: baseline, size: size, font: font, align: .right)
        }
        y -= step
    }

    /// A horizontal rule across the content width.
    public mutating func rule(width: Double = 0.5, gray: Double = 0.4) {
        ensure(6)
        let (from, to) = ((left, y + 3), (right, y + 3))
        draw { $0.line(from: from, to: to, width: width, gray: gray) }
        y -= 6
    }

    /// A table: a shaded header row (repeated on each page the table spans), then the rows; a text cell too wide for
    /// its column is cut with "…" (a right-aligned one, an amount, never is). Columns wider in total than the content width are drawn as given.
    public mutating func table(_ columns: [PDFTableColumn], rows: [PDFTableRow], size: Double = 8.5) {
        let rowHeight = size * 1.7
        func header(_ layout: inout PDFLayout) {
            layout.ensure(rowHeight * 2)
            let top = layout.y + size
            let (left, width) = (layout.left, columns.map(\.width).reduce(0, +))
            layout.draw { $0.fill(x: left, y: top - rowHeight, width: width, height: rowHeight, gray: 0.9) }
            layout.cells(columns, columns.map(\.title), size: size, font: .bold, baselineOffset: rowHeight * 0.3)
            layout.y -= rowHeight
        }
        header(&self)
        for row in rows {
            if y - rowHeight < bottom {
                newPage()
                header(&self)
            }
            if row.ruleAbove {
                let (from, to) = ((left, y + size + 1), (left + columns.map(\.width).reduce(0, +), y + size + 1))
                draw { $0.line(from: from, to: to, width: 0.6) }
            }
            cells(columns, row.cells, size: size, font: row.bold ? .bold : .regular, baselineOffset: rowHeight * 0.3)
            y -= rowHeight
        }
    }

    private mutating func cells(_ columns: [PDFTableColumn], _ texts: [String], size: Double, font: PDFFont, baselineOffset: Double) {
        var x = left
        let baseline = y + baselineOffset - size * 0.35
        for (column, text) in zip(columns, texts) {
            let padding = 3.0
            // A number is never cut: a right-aligned cell (an amount) may reach into its neighbour's padding instead.
            let fitted = column.align == .right ? text : Self.fit(text, width: column.width - 2 * padding, size: size, font: font)
            let anchor =
                switch column.align {
                case .left: x + padding
                case .right: x + column.width - padding
                case .center: x + column.width / 2
                }
            draw { $0.text(fitted, x: anchor, y: baseline, size: size, font: font, align: column.align) }
            x += column.width
        }
    }

    private mutating func draw(_ body: (inout PDFPage) -> Void) {
        body(&pages[pages.count - 1])
    }

    /// The pages with their footer and page numbers.
    public func document(title: String? = nil) -> PDFDocument {
        let count = pages.count
        let numbered = pages.enumerated().map { index, page in
            var page = page
            let y = Self.margin
            page.line(from: (left, y + 12), to: (right, y + 12), width: 0.3, gray: 0.6)
            page.text(footer, x: left, y: y, size: 7.5)
            page.text("Page \(index + 1) / \(count)", x: right, y: y, size: 7.5, align: .right)
            return page
        }
        return PDFDocument(pages: numbered, title: title)
    }

    // MARK: - Text fitting

    /// `text` cut with "…" so that it is at most `width` wide.
    public static func fit(_ text: String, width: Double, size: Double, font: PDFFont) -> String {
        guard font.width(of: text, size: size) > width else { return text }
        var characters = Array(text)
        while !characters.isEmpty, font.width(of: String(characters) + "…", size: size) > width {
            characters.removeLast()
        }
        return characters.isEmpty ? "" : String(characters).trimmingCharacters(in: .whitespaces) + "…"
    }

    /// `text` broken into lines at most `width` wide (a word longer than a line is cut).
    public static func wrap(_ text: String, width: Double, size: Double, font: PDFFont) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var current = ""
            for word in paragraph.split(separator: " ") {
                let candidate = current.isEmpty ? String(word) : current + " " + word
                if font.width(of: candidate, size: size) <= width {
                    current = candidate
                } else {
                    if !current.isEmpty { lines.append(current) }
                    current = fit(String(word), width: width, size: size, font: font)
                }
            }
            lines.append(current)
        }
        return lines
    }
}
