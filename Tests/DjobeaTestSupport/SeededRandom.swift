import DjobeaDomain

/// The tests' one seeded random source (SplitMix64), so that a failing property test, sync schedule or fuzz run
/// replays from its seed.
///
/// A `RandomNumberGenerator` for `random(using:)` and `shuffled(using:)`; `bytes(_:)` draws one byte per step, which
/// makes it the Auth tests' `RandomSource` too (the conformance is declared there). Copies share one stream, so a
/// generator handed to a service keeps advancing between calls.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private let state: LockedValue<UInt64>

    public init(seed: UInt64 = 42) {
        state = LockedValue(seed)
    }

    public mutating func next() -> UInt64 {
        state.withLock { Self.step(&$0) }
    }

    /// `count` bytes, one step each.
    public func bytes(_ count: Int) -> [UInt8] {
        state.withLock { state in (0..<count).map { _ in UInt8(truncatingIfNeeded: Self.step(&state)) } }
    }

    private static func step(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
