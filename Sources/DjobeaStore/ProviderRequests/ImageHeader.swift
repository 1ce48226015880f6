import Foundation

/// What an image file's first bytes say: its type and pixel size (JPEG, PNG, WebP), read from the header only.
public enum ImageHeader {
    public struct Info: Sendable, Equatable {
        public var mime: String
        public var width: Int?
        public var height: Int?
    }

    /// Bytes enough to tell the three signatures apart (WebP's is 12).
    public static let signatureBytes = 12

    /// The type and pixel size of a whole image file, or nil: the magic bytes must be JPEG, PNG or WebP, the header
    /// must give a width and height above 0, and the file must not be cut (a JPEG ends with its EOI marker, a PNG's
    /// chunks run to exactly its IEND, a WebP's RIFF size is the file's).
    public static func validated(_ bytes: [UInt8]) -> Info? {
        guard let info = inspect(bytes), let width = info.width, let height = info.height, width > 0, height > 0 else { return nil }
        switch info.mime {
        case "image/png":
            var index = 8
            var first = true
            while index + 12 <= bytes.count {
                let length = bigEndian(bytes, index, 4)
                let type = Array(bytes[index + 4..<index + 8])
                if first, type != Array("IHDR".utf8) || length != 13 { return nil }
                first = false
                let next = index + 12 + length
                guard next <= bytes.count else { return nil }
                if type == Array("IEND".utf8) { return next == bytes.count ? info : nil }
                index = next
            }
            return nil
        case "image/jpeg":
            return bytes.count >= 4 && bytes[bytes.count - 2] == 0xFF && bytes[bytes.count - 1] == 0xD9 ? info : nil
        case "image/webp":
            return littleEndian(bytes, 4, 4) + 8 == bytes.count ? info : nil
        default:
            return nil
        }
    }

    /// The type and, when the header gives them, the dimensions; nil when the bytes are no JPEG, PNG or WebP.
    public static func inspect(_ bytes: [UInt8]) -> Info? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            guard bytes.count >= 24, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return Info(mime: "image/png") }
            return Info(mime: "image/png", width: bigEndian(bytes, 16, 4), height: bigEndian(bytes, 20, 4))
        }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return jpeg(bytes) }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return webp(bytes) }
        return nil
    }

    static func bigEndian(_ bytes: [UInt8], _ at: Int, _ count: Int) -> Int {
        (at..<at + count).reduce(0) { $0 << 8 | Int(bytes[$1]) }
    }

    static func littleEndian(_ bytes: [UInt8], _ at: Int, _ count: Int) -> Int {
        (at..<at + count).reversed().reduce(0) { $0 << 8 | Int(bytes[$1]) }
    }

    /// Walks the JPEG segments to the first start-of-frame marker.
    static func jpeg(_ bytes: [UInt8]) -> Info {
        var index = 2
        while index + 3 < bytes.count {
            guard bytes[index] == 0xFF else { break }
            let marker = bytes[index + 1]
            if marker == 0xFF {
                index += 1
                continue
            }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) {
                index += 2
                continue
            }
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard index + 8 < bytes.count else { break }
                return Info(mime: "image/jpeg", width: bigEndian(bytes, index + 7, 2), height: bigEndian(bytes, index + 5, 2))
            }
            if marker == 0xD9 || marker == 0xDA { break }
            index += 2 + bigEndian(bytes, index + 2, 2)
        }
        return Info(mime: "image/jpeg")
    }

    static func webp(_ bytes: [UInt8]) -> Info {
        guard bytes.count >= 30 else { return Info(mime: "image/webp") }
        switch String(decoding: bytes[12..<16], as: UTF8.self) {
        case "VP8 " where bytes[23] == 0x9D && bytes[24] == 0x01 && bytes[25] == 0x2A:
            return Info(mime: "image/webp", width: littleEndian(bytes, 26, 2) & 0x3FFF, height: littleEndian(bytes, 28, 2) & 0x3FFF)
        case "VP8L" where bytes[20] == 0x2F:
            let bits = littleEndian(bytes, 21, 4)
            return Info(mime: "image/webp", width: (bits & 0x3FFF) + 1, height: ((bits >> 14) & 0x3FFF) + 1)
        case "VP8X":
            return Info(mime: "image/webp", width: littleEndian(bytes, 24, 3) + 1, height: littleEndian(bytes, 27, 3) + 1)
        default:
            return Info(mime: "image/webp")
        }
    }
}
