import Foundation
import Testing

@testable import DjobeaDomain

@Suite struct XAFTests {
    @Test(arguments: [
        (0, "0\u{00A0}FCFA"),
        (500, "500\u{00A0}FCFA"),
        (1_000, "1\u{202F}000\u{00A0}FCFA"),
        (15_000, "15\u{202F}000\u{00A0}FCFA"),
        (150_000, "150\u{202F}000\u{00A0}FCFA"),
        (1_234_567, "1\u{202F}234\u{202F}567\u{00A0}FCFA"),
        (-2_500, "-2\u{202F}500\u{00A0}FCFA"),
        (-999, "-999\u{00A0}FCFA"),
    ])
    func formatsInFrench(francs: Int, text: String) {
        #expect(XAF(francs).formatted == text)
        #expect(XAF(francs).description == text)
    }

    @Test(arguments: [
        // (amount, basis points, expected)
        (10_000, 1_500, 1_500),
        (15_000, 1_000, 1_500),
        (333, 1_500, 50),  // 49.95 rounds up
        (330, 1_500, 50),  // 49.5 rounds half up
        (329, 1_500, 49),  // 49.35 rounds down
        (1, 4_999, 0),
        (1, 5_000, 1),
        (0, 1_500, 0),
        (12_345, 10_000, 12_345),
        (12_345, 0, 0),
        (-330, 1_500, -50),  // symmetric: half away from zero
    ])
    func shareRoundsHalfUp(francs: Int, basisPoints: Int, expected: Int) {
        #expect(XAF(francs).share(basisPoints: basisPoints) == XAF(expected))
    }

    @Test func arithmeticAndOrder() {
        var amount = XAF(1_000)
        amount += XAF(500)
        amount -= XAF(200)
        #expect(amount == XAF(1_300))
        #expect(XAF(1_000) + XAF(5) - XAF(10) == XAF(995))
        #expect(XAF(-1) < .zero && XAF.zero < XAF(1))
        #expect([XAF(100), XAF(250), XAF(650)].sum() == XAF(1_000))
        #expect([XAF]().sum() == .zero)
    }

    @Test func codesAsABareInteger() throws {
        let data = try JSONEncoder().encode([XAF(15_000)])
        #expect(String(decoding: data, as: UTF8.self) == "[15000]")
        #expect(try JSONDecoder().decode([XAF].self, from: data) == [XAF(15_000)])
    }
}
