/// Where secrets come from: codes, refresh tokens, TOTP secrets. Injected so that tests are deterministic.
public protocol RandomSource: Sendable {
    /// `count` unpredictable bytes.
    func bytes(_ count: Int) -> [UInt8]
}

/// The operating system's cryptographically secure generator (`getrandom` on Linux).
public struct SystemRandomSource: RandomSource {
    public init() {}

    public func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}

extension RandomSource {
    /// A uniform integer in `0..<upperBound` (rejection sampling, no modulo bias).
    func uniform(below upperBound: UInt32) -> UInt32 {
        precondition(upperBound > 0)
        let limit = UInt32.max - UInt32.max % upperBound
        while true {
            let word = bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            if word < limit { return word % upperBound }
        }
    }
}
