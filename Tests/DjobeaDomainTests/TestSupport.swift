import Foundation

@testable import DjobeaDomain

/// A seeded generator (SplitMix64) so that property tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

extension Array {
    /// A shuffled copy with some elements repeated, as sync may deliver them.
    func shuffledWithDuplicates(using rng: inout SeededGenerator) -> [Element] {
        var result = self
        for element in self where Bool.random(using: &rng) {
            result.append(element)
        }
        return result.shuffled(using: &rng)
    }
}

/// A UTC date from its parts, for readable tests.
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Date {
    let days = UTCTimestamp.daysFromCivil(year: year, month: month, day: day)
    return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3_600 + minute * 60 + second))
}
