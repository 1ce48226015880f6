import Foundation

/// The two standard fonts a document uses: no font file is embedded, every PDF viewer has them.
public enum PDFFont: Sendable, CaseIterable {
    case regular, bold

    /// The name in each page's resources.
    var resourceName: String { self == .regular ? "F1" : "F2" }
    var baseFont: String { self == .regular ? "Helvetica" : "Helvetica-Bold" }

    /// The width of `text` set at `size` points.
    public func width(of text: String, size: Double) -> Double {
        width(ofEncoded: WinAnsi.encode(text), size: size)
    }

    func width(ofEncoded bytes: [UInt8], size: Double) -> Double {
        let table = self == .regular ? HelveticaMetrics.regular : HelveticaMetrics.bold
        let units = bytes.reduce(0) { sum, byte in byte < 32 ? sum : sum + Int(table[Int(byte) - 32]) }
        return Double(units) * size / 1_000
    }
}

/// Text in the WinAnsi (Windows-1252) encoding of the standard fonts.
public enum WinAnsi {
    /// The WinAnsi code of each character of `text`, after canonical composition (an "e" with a combining accent
    /// becomes "é"). Spaces the fonts lack become a no-break space (U+202F narrow no-break space, U+2007, U+2009) or a
    /// plain one (tabs, line breaks); dashes and quotes outside WinAnsi become their nearest WinAnsi form; any other
    /// character becomes "?". Control characters are dropped.
    public static func encode(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.precomposedStringWithCanonicalMapping.unicodeScalars {
            if let byte = code(for: scalar) { bytes.append(byte) }
        }
        return bytes
    }

    /// The code of one character; nil to drop it.
    static func code(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        switch value {
        case 0x20...0x7E, 0xA0...0xFF: return UInt8(value)
        case 0x09, 0x0A, 0x0D: return 0x20
        case 0x00..<0x20, 0x7F...0x9F: return nil
        default: break
        }
        if let special = specials[value] { return special }
        switch value {
        case 0x2000...0x200A, 0x202F, 0x205F: return 0xA0
        case 0x200B...0x200D, 0x2060, 0xFEFF: return nil
        case 0x2010, 0x2011, 0x2212: return 0x2D
        case 0x2012, 0x2015: return 0x96
        case 0x2032: return 0x27
        case 0x2033: return 0x22
        default: return 0x3F
        }
    }

    /// The characters of Windows-1252's 0x80...0x9F block.
    static let specials: [UInt32: UInt8] = [
        0x20AC: 0x80, 0x201A: 0x82, 0x0192: 0x83, 0x201E: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87, 0x02C6: 0x88,
        0x2030: 0x89, 0x0160: 0x8A, 0x2039: 0x8B, 0x0152: 0x8C, 0x017D: 0x8E, 0x2018: 0x91, 0x2019: 0x92, 0x201C: 0x93,
        0x201D: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02DC: 0x98, 0x2122: 0x99, 0x0161: 0x9A, 0x203A: 0x9B,
        0x0153: 0x9C, 0x017E: 0x9E, 0x0178: 0x9F,
    ]

    /// A PDF literal string of WinAnsi bytes: `(` `)` `\` escaped, bytes outside printable ASCII as octal escapes (the
    /// content stays 7-bit, readable in a text editor).
    static func literal(_ bytes: [UInt8]) -> String {
        var out = "("
        for byte in bytes {
            switch byte {
            case 0x28: out += "\\("
            case 0x29: out += "\\)"
            case 0x5C: out += "\\\\"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let octal = String(byte, radix: 8)
                out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            }
        }
        return out + ")"
    }
}

/// Horizontal placement of a piece of text relative to its x.
public enum PDFAlignment: Sendable {
    case left, right, center
}

/// One page's drawing operations (points, origin at the bottom left).
public struct PDFPage: Sendable {
    public let width: Double
    public let height: Double
    private(set) var content: String = ""

    public init(width: Double = PDFDocument.a4Width, height: Double = PDFDocument.a4Height) {
        self.width = width
        self.height = height
    }

    /// Draws one line of `text` (no wrapping) with its baseline at `y`; `x` is its left edge, right edge or centre.
    public mutating func text(_ text: String, x: Double, y: Double, size: Double = 10, font: PDFFont = .regular, align: PDFAlignment = .left) {
        let bytes = WinAnsi.encode(text)
        guard !bytes.isEmpty else { return }
        let width = font.width(ofEncoded: bytes, size: size)
        let left =
            switch align {
            case .left: x
            case .right: x - width
            case .center: x - width / 2
            }
        content +=
            "BT /\(font.resourceName) \(Self.number(size)) Tf 1 0 0 1 \(Self.number(left)) \(Self.number(y)) Tm \(WinAnsi.literal(bytes)) Tj ET\n"
    }

    /// A straight rule.
    public mutating func line(from start: (x: Double, y: Double), to end: (x: Double, y: Double), width: Double = 0.5, gray: Double = 0) {
        content +=
            "q \(Self.number(gray)) G \(Self.number(width)) w \(Self.number(start.x)) \(Self.number(start.y)) m "
            + "\(Self.number(end.x)) \(Self.number(end.y)) l S Q\n"
    }

    /// A filled rectangle (a band behind a table's header), `gray` from 0 (black) to 1 (white).
    public mutating func fill(x: Double, y: Double, width: Double, height: Double, gray: Double) {
        content += "q \(Self.number(gray)) g \(Self.number(x)) \(Self.number(y)) \(Self.number(width)) \(Self.number(height)) re f Q\n"
    }

    /// A number as PDF wants it: no exponent, at most two decimals.
    static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(format: "%.2f", rounded)
    }
}

/// A PDF 1.4 file: pages drawn with Helvetica and Helvetica-Bold (WinAnsiEncoding), uncompressed content streams,
/// a classic cross-reference table.
public struct PDFDocument: Sendable {
    /// A4 in points.
    public static let a4Width = 595.28
    public static let a4Height = 841.89

    public var pages: [PDFPage]
    /// The document's title in its properties.
    public var title: String?

    public init(pages: [PDFPage] = [], title: String? = nil) {
        self.pages = pages
        self.title = title
    }

    /// The file's bytes. Objects: 1 catalog, 2 page tree, 3 and 4 the fonts, 5 the information dictionary, then each
    /// page followed by its content stream.
    public func data() -> Data {
        let pages = self.pages.isEmpty ? [PDFPage()] : self.pages
        var objects: [Data] = []
        let kids = pages.indices.map { "\(6 + 2 * $0) 0 R" }.joined(separator: " ")
        objects.append(Data("<< /Type /Catalog /Pages 2 0 R >>".utf8))
        objects.append(Data("<< /Type /Pages /Kids [\(kids)] /Count \(pages.count) >>".utf8))
        for font in PDFFont.allCases {
            objects.append(Data("<< /Type /Font /Subtype /Type1 /BaseFont /\(font.baseFont) /Encoding /WinAnsiEncoding >>".utf8))
        }
        var info = "<< /Producer \(Self.textString("Djobea Edge"))"
        if let title { info += " /Title \(Self.textString(title))" }
        objects.append(Data((info + " >>").utf8))
        for (index, page) in pages.enumerated() {
            let contentId = 7 + 2 * index
            objects.append(
                Data(
                    ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(PDFPage.number(page.width)) \(PDFPage.number(page.height))] "
                        + "/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents \(contentId) 0 R >>").utf8))
            let stream = Data(page.content.utf8)
            var object = Data("<< /Length \(stream.count) >>\nstream\n".utf8)
            object.append(stream)
            object.append(Data("\nendstream".utf8))
            objects.append(object)
        }

        var file = Data("%PDF-1.4\n%".utf8)
        file.append(contentsOf: [0xE2, 0xE3, 0xCF, 0xD3, 0x0A])
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(file.count)
            file.append(Data("\(index + 1) 0 obj\n".utf8))
            file.append(object)
            file.append(Data("\nendobj\n".utf8))
        }
        let xref = file.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { table += String(format: "%010d 00000 n \n", offset) }
        table += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R /Info 5 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        file.append(Data(table.utf8))
        return file
    }

    /// A text string of the information dictionary: UTF-16BE with its byte order mark, in hex.
    static func textString(_ text: String) -> String {
        var hex = "<FEFF"
        for unit in text.utf16 { hex += String(format: "%04X", unit) }
        return hex + ">"
    }
}
