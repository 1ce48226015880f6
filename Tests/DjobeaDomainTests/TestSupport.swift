import DjobeaTestSupport
import Foundation

@testable import DjobeaDomain

extension Array {
    /// A shuffled copy with some elements repeated, as sync may deliver them.
    func shuffledWithDuplicates(using rng: inout SeededRandom) -> [Element] {
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
