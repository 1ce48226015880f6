import Foundation

/// A hybrid logical clock timestamp: wall-clock milliseconds plus a logical counter.
///
/// Packed into one `Int64` (`wallMillis << 16 | counter`) so that it sorts as an integer in SQLite and in
/// JSON. Ties between nodes are broken by the origin node id, never by the counter alone.
public struct HLC: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let wallMillis: Int64
    public let counter: UInt16

    public init(wallMillis: Int64, counter: UInt16 = 0) {
        self.wallMillis = wallMillis
        self.counter = counter
    }

    public init(packed: Int64) {
        self.wallMillis = packed >> 16
        self.counter = UInt16(truncatingIfNeeded: packed & 0xFFFF)
    }

    public init(date: Date) {
        self.init(wallMillis: date.unixMillis)
    }

    public static let zero = HLC(wallMillis: 0)

    public var packed: Int64 { (wallMillis << 16) | Int64(counter) }

    public var date: Date { Date(unixMillis: wallMillis) }

    public var description: String { "\(wallMillis).\(counter)" }

    public static func < (lhs: HLC, rhs: HLC) -> Bool {
        (lhs.wallMillis, lhs.counter) < (rhs.wallMillis, rhs.counter)
    }

    public init(from decoder: any Decoder) throws {
        self.init(packed: try decoder.singleValueContainer().decode(Int64.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(packed)
    }
}

/// The clock state of one node (Kulkarni et al., "Logical Physical Clocks", 2014).
///
/// `tick` stamps a local event; `receive` merges a remote stamp so that every later local event sorts
/// after it. The clock is bounded (SPEC.md §2.2): a remote stamp more than `maxOffset` ahead of local wall time
/// never moves it; the receiver holds such a change until its own wall clock comes within the bound.
public struct HybridLogicalClock: Sendable {
    public private(set) var last: HLC
    /// The furthest a received stamp may run ahead of local wall time (CONFLICTS.md rule 6, DESIGN.md principle 10).
    public static let maxOffset: TimeInterval = 5 * 60
    /// A remote stamp further ahead of local wall time than this is flagged (CONFLICTS.md rule 6).
    public static let driftWarning: TimeInterval = maxOffset

    public init(last: HLC = .zero) {
        self.last = last
    }

    /// Stamps a local event at wall time `wall`.
    public mutating func tick(wall: Date) -> HLC {
        let physical = HLC(date: wall).wallMillis
        if physical > last.wallMillis {
            last = HLC(wallMillis: physical, counter: 0)
        } else {
            last = Self.bump(last)
        }
        return last
    }

    /// Merges a stamp received from another node; returns the local stamp for the receipt.
    public mutating func receive(_ remote: HLC, wall: Date) -> HLC {
        let physical = HLC(date: wall).wallMillis
        let maxWall = max(physical, last.wallMillis, remote.wallMillis)
        if maxWall == last.wallMillis && maxWall == remote.wallMillis {
            last = Self.bump(HLC(wallMillis: maxWall, counter: max(last.counter, remote.counter)))
        } else if maxWall == last.wallMillis {
            last = Self.bump(last)
        } else if maxWall == remote.wallMillis {
            last = Self.bump(remote)
        } else {
            last = HLC(wallMillis: maxWall, counter: 0)
        }
        return last
    }

    /// Merges `remote` only if it is within `maxOffset` of `wall` (SPEC.md §2.2); returns nil, moving nothing, when it
    /// runs further ahead: the caller then holds the change it came with.
    public mutating func receiveBounded(_ remote: HLC, wall: Date) -> HLC? {
        guard Self.isWithinBound(remote, wall: wall) else { return nil }
        return receive(remote, wall: wall)
    }

    /// Whether `remote` may move a clock whose wall time is `wall`: at most `maxOffset` ahead of it.
    public static func isWithinBound(_ remote: HLC, wall: Date) -> Bool {
        remote.wallMillis <= wall.unixMillis + Int64(maxOffset * 1000)
    }

    /// How far `remote` runs ahead of `wall` (negative when behind).
    public static func offset(of remote: HLC, from wall: Date) -> TimeInterval {
        remote.date.timeIntervalSince(wall)
    }

    /// Whether `remote` is far enough ahead of `wall` to be shown to ops.
    public static func isDrifting(_ remote: HLC, wall: Date) -> Bool {
        offset(of: remote, from: wall) > driftWarning
    }

    private static func bump(_ stamp: HLC) -> HLC {
        if stamp.counter == UInt16.max {
            return HLC(wallMillis: stamp.wallMillis + 1, counter: 0)
        }
        return HLC(wallMillis: stamp.wallMillis, counter: stamp.counter + 1)
    }
}
