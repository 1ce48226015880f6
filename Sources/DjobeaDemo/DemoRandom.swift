import Foundation

/// The demo's only source of randomness: xoshiro256** seeded through SplitMix64.
///
/// Every draw goes through methods written here (never `Int.random(in:)`, whose algorithm the standard library
/// may change), so one seed gives the same data on every platform and toolchain.
struct DemoRandom: RandomNumberGenerator {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    init(seed: UInt64) {
        var mix = seed
        func splitMix() -> UInt64 {
            mix &+= 0x9e37_79b9_7f4a_7c15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        s0 = splitMix()
        s1 = splitMix()
        s2 = splitMix()
        s3 = splitMix()
    }

    /// An independent stream for one purpose, so that adding draws to one part does not shift the others.
    func fork(_ label: UInt64) -> DemoRandom {
        DemoRandom(seed: s0 ^ (label &* 0xd605_bbb5_8c8a_bf5b) ^ s3.rotatedLeft(by: 17))
    }

    mutating func next() -> UInt64 {
        let result = (s1 &* 5).rotatedLeft(by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3.rotatedLeft(by: 45)
        return result
    }

    // MARK: - Draws

    /// Uniform in `0..<bound` (Lemire's multiply-shift; the bias is below 2⁻⁵⁰ for the bounds used here).
    mutating func below(_ bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [`low`, `high`).
    mutating func double(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * unit()
    }

    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    /// A standard normal draw (Box–Muller).
    mutating func normal(mean: Double = 0, sd: Double = 1) -> Double {
        let u1 = max(unit(), 1e-12)
        let u2 = unit()
        return mean + sd * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A uniformly chosen element; `items` must not be empty.
    mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }

    /// An element chosen with probability proportional to its weight.
    mutating func weighted<T>(_ items: [(T, Double)]) -> T {
        let total = items.reduce(0) { $0 + max(0, $1.1) }
        var target = unit() * total
        for (item, weight) in items where weight > 0 {
            if target < weight { return item }
            target -= weight
        }
        return items[items.count - 1].0
    }

    /// Up to `count` distinct indices of `weights`, each drawn with probability proportional to its weight.
    mutating func distinctWeighted(_ weights: [Double], count: Int) -> [Int] {
        var remaining = Array(weights.indices).filter { weights[$0] > 0 }
        var chosen: [Int] = []
        while chosen.count < count, !remaining.isEmpty {
            let index = weighted(remaining.enumerated().map { ($0.offset, weights[$0.element]) })
            chosen.append(remaining.remove(at: index))
        }
        return chosen
    }

    /// A duration uniformly drawn between two numbers of minutes.
    mutating func minutes(_ low: Double, _ high: Double) -> TimeInterval {
        double(low, high) * 60
    }

    /// `count` random decimal digits.
    mutating func digits(_ count: Int) -> String {
        String((0..<count).map { _ in Character(String(below(10))) })
    }

    /// A random amount in francs, rounded to `step`.
    mutating func francs(_ low: Int, _ high: Int, step: Int = 500) -> Int {
        let value = int(low...max(low, high))
        return max(step, (value + step / 2) / step * step)
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(by count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
    }
}
