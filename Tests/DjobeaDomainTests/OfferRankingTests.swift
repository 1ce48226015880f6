import DjobeaTestSupport
import Foundation
import Testing

@testable import DjobeaDomain

@Suite("Offer ranking")
struct OfferRankingTests {
    let ranking = OfferRanking.standard

    static let bayesianCases: [(average: Double?, count: Int, expected: Double)] = [
        // Prior 4.0 weighing 5 reviews.
        (nil, 0, 4.0),
        (5.0, 1, 25.0 / 6),
        (4.8, 40, 212.0 / 45),
        (3.0, 5, 3.5),
        (2.0, 1_000, 2_020.0 / 1_005),
    ]

    @Test(arguments: bayesianCases)
    func bayesianRating(_ testCase: (average: Double?, count: Int, expected: Double)) {
        #expect(abs(ranking.bayesianRating(average: testCase.average, count: testCase.count) - testCase.expected) < 1e-9)
    }

    @Test func oneFiveStarReviewDoesNotBeatFortyReviewsOf4point8() {
        let lucky = OfferFixture.candidate("a-lucky") {
            $0.averageRating = 5
            $0.ratingCount = 1
        }
        let steady = OfferFixture.candidate("z-steady") {
            $0.averageRating = 4.8
            $0.ratingCount = 40
        }
        #expect(ranking.sorted([lucky, steady]).map(\.providerId) == ["z-steady", "a-lucky"])
        // A newcomer sits at the prior: after the steady one, before someone with many poor reviews.
        let newcomer = OfferFixture.candidate("m-new")
        let poor = OfferFixture.candidate("b-poor") {
            $0.averageRating = 3.2
            $0.ratingCount = 30
        }
        #expect(ranking.sorted([poor, newcomer, lucky, steady]).map(\.providerId) == ["z-steady", "a-lucky", "m-new", "b-poor"])
    }

    static let scoreCases: [(average: Double?, count: Int, minutes: Double?, load: Int, expected: Int)] = [
        // Score in thousandths of a star.
        (nil, 0, nil, 0, 3_700),  // 4.0 − 15 × 0.02
        (nil, 0, 0, 0, 4_000),
        (nil, 0, 60, 0, 2_800),
        (nil, 0, 600, 0, 2_800),  // capped at 60 minutes
        (nil, 0, 0, 2, 3_500),
        (4.8, 40, 5, 1, 4_361),  // 4.7111 − 0.1 − 0.25
    ]

    @Test(arguments: scoreCases)
    func score(_ testCase: (average: Double?, count: Int, minutes: Double?, load: Int, expected: Int)) {
        let candidate = OfferFixture.candidate {
            $0.averageRating = testCase.average
            $0.ratingCount = testCase.count
            $0.averageResponseMinutes = testCase.minutes
            $0.openMissions = testCase.load
        }
        #expect(ranking.score(candidate) == testCase.expected)
    }

    @Test func loadAndResponseTimeCount() {
        let busy = OfferFixture.candidate("a-busy") { $0.openMissions = 3 }
        let free = OfferFixture.candidate("b-free")
        #expect(ranking.sorted([busy, free]).map(\.providerId) == ["b-free", "a-busy"])
        let slow = OfferFixture.candidate("a-slow") { $0.averageResponseMinutes = 40 }
        let quick = OfferFixture.candidate("b-quick") { $0.averageResponseMinutes = 3 }
        #expect(ranking.sorted([slow, quick]).map(\.providerId) == ["b-quick", "a-slow"])
        // Three open missions weigh more than a small rating edge.
        let goodButBusy = OfferFixture.candidate("a-good") {
            $0.averageRating = 4.9
            $0.ratingCount = 20
            $0.openMissions = 3
        }
        #expect(ranking.sorted([goodButBusy, free]).map(\.providerId) == ["b-free", "a-good"])
    }

    @Test func tiesGoToTheHigherLevelThenTheSmallerId() {
        let ids = ["p-07", "p-03", "p-11", "p-01"]
        let same = ids.map { OfferFixture.candidate($0) }
        #expect(ranking.sorted(same).map(\.providerId) == ["p-01", "p-03", "p-07", "p-11"])
        let platine = OfferFixture.candidate("p-99") { $0.level = .platine }
        #expect(ranking.sorted(same + [platine]).first?.providerId == "p-99")
    }

    @Test func orderDoesNotDependOnInputOrder() {
        var rng = SeededRandom(seed: 42)
        let candidates = (0..<40).map { index in
            OfferFixture.candidate(String(format: "p-%03d", index)) {
                $0.averageRating = [nil, 4.0, 4.5, 5.0][index % 4]
                $0.ratingCount = index % 4 == 0 ? 0 : index % 7 + 1
                $0.averageResponseMinutes = [nil, 5.0, 15.0][index % 3]
                $0.openMissions = index % 2
                $0.level = ProviderLevel.allCases[index % 4]
            }
        }
        let expected = ranking.sorted(candidates).map(\.providerId)
        for _ in 0..<20 {
            #expect(ranking.sorted(candidates.shuffled(using: &rng)).map(\.providerId) == expected)
        }
    }
}
