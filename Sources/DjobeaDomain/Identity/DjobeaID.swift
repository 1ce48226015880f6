import Foundation

/// Row identifiers: UUIDv7 (RFC 9562) made on the node that creates the row, as lowercase strings.
///
/// UUIDv7 sorts by creation time, so ids double as a stable, roughly chronological order, and no
/// node ever needs a cross-node counter.
public enum DjobeaID {
    /// A new UUIDv7 from the process-wide monotonic generator.
    public static func v7(now: Date = Date()) -> String {
        processGenerator.withLock { generator in
            var rng = SystemRandomNumberGenerator()
            return generator.next(at: now, using: &rng)
        }
    }

    /// A stable id derived from a name, identical on every node (UUIDv8 layout over a 128-bit FNV-1a hash).
    ///
    /// Used for rows that several nodes derive independently, such as Djobea's commission entry for a
    /// mission: every node computes the same id, so the row collapses to one.
    public static func derived(namespace: String, name: String) -> String {
        let bytes = Array("\(namespace)\u{1F}\(name)".utf8)
        var high = fnv1a64(bytes, seed: 0xcbf2_9ce4_8422_2325)
        var low = fnv1a64(bytes, seed: 0x8422_2325_cbf2_9ce4 ^ high)
        high = (high & ~(0xF << 12)) | (0x8 << 12)  // version 8
        low = (low & ~(0b11 << 62)) | (0b10 << 62)  // RFC 9562 variant
        return format(high: high, low: low)
    }

    /// Whether `string` is a canonical lowercase UUID (any version).
    public static func isValid(_ string: String) -> Bool {
        let utf8 = Array(string.utf8)
        guard utf8.count == 36 else { return false }
        for (index, char) in utf8.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                if char != UInt8(ascii: "-") { return false }
            } else if !((char >= 48 && char <= 57) || (char >= 97 && char <= 102)) {
                return false
            }
        }
        return true
    }

    /// The creation time carried by a UUIDv7, or nil for another version.
    public static func timestamp(ofV7 id: String) -> Date? {
        guard isValid(id), id[id.index(id.startIndex, offsetBy: 14)] == "7" else { return nil }
        let hex = id.replacingOccurrences(of: "-", with: "").prefix(12)
        guard let millis = UInt64(hex, radix: 16) else { return nil }
        return Date(timeIntervalSince1970: Double(millis) / 1000)
    }

    static func format(high: UInt64, low: UInt64) -> String {
        let hex = String(format: "%016llx%016llx", high, low)
        let chars = Array(hex)
        return String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-" + String(chars[12..<16]) + "-"
            + String(chars[16..<20]) + "-" + String(chars[20..<32])
    }

    private static func fnv1a64(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        // Final avalanche (splitmix64) so that close names give far-apart ids.
        hash ^= hash >> 30
        hash = hash &* 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash = hash &* 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return hash
    }

    private static let processGenerator = LockedValue(UUIDv7Generator())
}

/// Makes UUIDv7 values that strictly increase within one generator, even inside one millisecond
/// (RFC 9562 §6.2, method 1: the 12 bits of `rand_a` count within the millisecond).
public struct UUIDv7Generator: Sendable {
    private var lastMillis: UInt64 = 0
    private var counter: UInt64 = 0

    public init() {}

    /// The next id for `date`; if the clock went back, the last millisecond is reused so order holds.
    public mutating func next(at date: Date, using rng: inout some RandomNumberGenerator) -> String {
        var millis = UInt64(max(0, date.unixMillis))
        if millis <= lastMillis {
            millis = lastMillis
            counter += 1
            if counter > 0xFFF {
                millis += 1
                counter = rng.next() & 0x3FF
            }
        } else {
            counter = rng.next() & 0x3FF  // leave headroom to count up within the millisecond
        }
        lastMillis = millis
        let high = (millis << 16) | (0x7 << 12) | (counter & 0xFFF)
        let low = (rng.next() & 0x3FFF_FFFF_FFFF_FFFF) | (0b10 << 62)
        return DjobeaID.format(high: high, low: low)
    }
}
