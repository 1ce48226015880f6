import Foundation

/// Real images for the photo tests, made here: a decodable PNG (a black 1-bit greyscale picture, its pixels deflated
/// with fixed Huffman codes, CRCs and Adler-32 computed) padded to a given size with a `tEXt` chunk, and a JPEG
/// skeleton (SOI, APP0, a baseline start-of-frame with the size, EOI).
public enum TinyImages {
    /// A valid PNG of `width` × `height` pixels, of exactly `size` bytes when that is more than the picture needs.
    public static func png(width: Int, height: Int, size: Int = 0) -> [UInt8] {
        func be32(_ value: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((value >> $0) & 0xFF) } }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be32(data.count) + body + be32(Int(crc32(body)))
        }
        // Each row: filter byte 0, then ceil(width / 8) bytes of black pixels: all zeros.
        let raw = (width + 7) / 8 * height + height
        let header = be32(width) + be32(height) + [1, 0, 0, 0, 0]
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", zlibZeros(raw))
        let end = chunk("IEND", [])
        let padding = size - bytes.count - end.count - 12
        if padding > 8 {
            var text = Array("Comment".utf8) + [0]
            var state = UInt64(width * 31 + height * 7 + size)
            while text.count < padding {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                text.append(UInt8(ascii: "a") + UInt8(truncatingIfNeeded: state >> 33) % 26)
            }
            bytes += chunk("tEXt", text)
        }
        return bytes + end
    }

    /// A JPEG of `width` × `height` as far as headers go: SOI, APP0 (JFIF) padded to `size`, SOF0, EOI.
    public static func jpeg(width: Int, height: Int, size: Int = 0) -> [UInt8] {
        let jfif: [UInt8] = Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        let sof: [UInt8] = [
            0xFF, 0xC0, 0x00, 0x0B, 0x08, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 0x01, 0x01, 0x11, 0x00,
        ]
        var bytes: [UInt8] = [0xFF, 0xD8]
        var filler = jfif
        let fixed = 2 + 4 + sof.count + 2
        while fixed + filler.count < size, filler.count < 65_000 { filler.append(0x20) }
        bytes += [0xFF, 0xE0, UInt8((filler.count + 2) >> 8), UInt8((filler.count + 2) & 0xFF)] + filler
        return bytes + sof + [0xFF, 0xD9]
    }

    /// A zlib stream of `count` zero bytes: one fixed-Huffman block, a literal 0 then copies of 258 at distance 1.
    static func zlibZeros(_ count: Int) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var bitBuffer: UInt32 = 0
        var bitCount = 0
        func bits(_ value: UInt32, _ count: Int) {
            bitBuffer |= value << bitCount
            bitCount += count
            while bitCount >= 8 {
                out.append(UInt8(bitBuffer & 0xFF))
                bitBuffer >>= 8
                bitCount -= 8
            }
        }
        /// A Huffman code, most significant bit first.
        func code(_ value: UInt32, _ length: Int) {
            var reversed: UInt32 = 0
            for index in 0..<length where value & (1 << index) != 0 { reversed |= 1 << (length - 1 - index) }
            bits(reversed, length)
        }
        bits(1, 1)  // final block
        bits(1, 2)  // fixed Huffman codes
        var left = count
        if left > 0 {
            code(0x30, 8)  // literal 0
            left -= 1
        }
        while left >= 258 {
            code(0xC5, 8)  // length 258 (symbol 285)
            code(0, 5)  // distance 1
            left -= 258
        }
        while left > 0 {
            code(0x30, 8)
            left -= 1
        }
        code(0, 7)  // end of block
        if bitCount > 0 { out.append(UInt8(bitBuffer & 0xFF)) }
        // Adler-32 of `count` zeros: a = 1, b = count.
        let b = UInt32(count % 65_521)
        let adler = b << 16 | 1
        return out + [24, 16, 8, 0].map { UInt8((adler >> UInt32($0)) & 0xFF) }
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
