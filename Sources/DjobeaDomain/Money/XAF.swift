import Foundation

/// An amount in francs CFA (XAF). XAF has no minor unit: always a whole number of francs, never floating point.
public struct XAF: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let francs: Int

    public init(_ francs: Int) {
        self.francs = francs
    }

    public static let zero = XAF(0)

    /// French display: groups of three separated by a narrow no-break space, then a no-break space and "FCFA".
    ///
    /// `XAF(15000).formatted` is "15 000 FCFA" (U+202F between groups, U+00A0 before the unit), so a phone
    /// never wraps an amount across two lines.
    public var formatted: String {
        let digits = String(francs.magnitude)
        var grouped = ""
        for (index, char) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append("\u{202F}") }
            grouped.append(char)
        }
        return (francs < 0 ? "-" : "") + grouped + "\u{00A0}FCFA"
    }

    public var description: String { formatted }

    /// A share of this amount in basis points (1/100 of a percent), rounded half up to the franc.
    public func share(basisPoints: Int) -> XAF {
        let product = francs * basisPoints
        let rounded = product >= 0 ? (product + 5_000) / 10_000 : -((-product + 5_000) / 10_000)
        return XAF(rounded)
    }

    public static func < (lhs: XAF, rhs: XAF) -> Bool { lhs.francs < rhs.francs }
    public static func + (lhs: XAF, rhs: XAF) -> XAF { XAF(lhs.francs + rhs.francs) }
    public static func - (lhs: XAF, rhs: XAF) -> XAF { XAF(lhs.francs - rhs.francs) }
    public static func += (lhs: inout XAF, rhs: XAF) { lhs = lhs + rhs }
    public static func -= (lhs: inout XAF, rhs: XAF) { lhs = lhs - rhs }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(Int.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(francs)
    }
}

extension Sequence where Element == XAF {
    public func sum() -> XAF { reduce(.zero, +) }
}
