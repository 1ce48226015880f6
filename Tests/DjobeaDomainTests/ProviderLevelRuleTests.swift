import Foundation
import Testing

@testable import DjobeaDomain

@Suite struct ProviderLevelRuleTests {
    @Test(arguments: [
        // (missions, ratings, stars, expected)
        (0, 0, 0, ProviderLevel.bronze),  // a new provider
        (19, 10, 50, .bronze),  // one mission short of argent
        (20, 5, 20, .argent),  // exactly 4,0 ★ on exactly 5 ratings
        (20, 4, 20, .bronze),  // too few ratings, however good
        (20, 5, 19, .bronze),  // 3,8 ★
        (59, 30, 150, .argent),  // or needs 60 missions
        (60, 15, 68, .or),  // 4,53 ★
        (60, 15, 67, .argent),  // 4,47 ★: not or, still argent
        (149, 50, 250, .or),  // platine needs 150 missions
        (150, 40, 188, .platine),  // 4,7 ★ exactly
        (150, 40, 187, .or),  // 4,675 ★
        (400, 0, 0, .bronze),  // many missions but no rating at all
    ])
    func levelFromActivity(missions: Int, ratings: Int, stars: Int, expected: ProviderLevel) {
        #expect(ProviderLevelRule.level(for: ProviderActivity(completedMissions: missions, ratingCount: ratings, ratingStars: stars)) == expected)
    }

    @Test("more activity never lowers the level (monotone in missions and in stars)")
    func monotone() {
        for missions in stride(from: 0, through: 200, by: 10) {
            for ratings in stride(from: 1, through: 50, by: 7) {
                for stars in stride(from: ratings, through: ratings * 5, by: max(1, ratings / 3)) {
                    let base = ProviderLevelRule.level(for: ProviderActivity(completedMissions: missions, ratingCount: ratings, ratingStars: stars))
                    let moreMissions = ProviderLevelRule.level(
                        for: ProviderActivity(completedMissions: missions + 10, ratingCount: ratings, ratingStars: stars))
                    let moreStars = ProviderLevelRule.level(
                        for: ProviderActivity(completedMissions: missions, ratingCount: ratings, ratingStars: min(ratings * 5, stars + 1)))
                    #expect(moreMissions >= base && moreStars >= base)
                }
            }
        }
    }

    @Test("the rule and an activity read in French, with a decimal comma")
    func wording() {
        #expect(ProviderLevelRule.descriptionFR.contains("Argent : au moins 20 missions terminées, 5 avis et une note moyenne d'au moins 4,0 ★"))
        #expect(ProviderLevelRule.descriptionFR.contains("Bronze sinon"))
        #expect(
            ProviderLevelRule.activityFR(ProviderActivity(completedMissions: 32, ratingCount: 12, ratingStars: 52))
                == "32 missions terminées, note moyenne 4,3 ★ sur 12 avis")
        #expect(
            ProviderLevelRule.activityFR(ProviderActivity(completedMissions: 1, ratingCount: 0, ratingStars: 0)) == "1 mission terminée, aucun avis")
    }

    @Test("the window is the 365 days before the computation")
    func window() {
        #expect(ProviderLevelRule.windowStart(now: utc(2026, 12, 7)) == utc(2025, 12, 7))
    }

    @Test("a new rate version: not in the past, strictly after the latest version of its level, 0 to 10 000 points")
    func rateVersionAdmission() {
        let table = CommissionRateTable([
            CommissionRate(id: "general", basisPoints: 1_000, effectiveFrom: utc(2020, 1, 1)),
            CommissionRate(id: "or-1", level: .or, basisPoints: 900, effectiveFrom: utc(2026, 1, 1)),
            CommissionRate(id: "or-2", level: .or, basisPoints: 800, effectiveFrom: utc(2027, 1, 1)),
        ])
        let now = utc(2026, 12, 7)
        #expect(table.refusal(level: .or, basisPoints: 700, effectiveFrom: utc(2027, 2, 1), now: now) == nil)
        #expect(table.refusal(level: .or, basisPoints: 700, effectiveFrom: utc(2026, 12, 20), now: now) == .backdated(latest: utc(2027, 1, 1)))
        #expect(table.refusal(level: .or, basisPoints: 700, effectiveFrom: utc(2027, 1, 1), now: now) == .backdated(latest: utc(2027, 1, 1)))
        #expect(table.refusal(level: .argent, basisPoints: 700, effectiveFrom: now, now: now) == nil, "now is allowed")
        #expect(table.refusal(level: .argent, basisPoints: 700, effectiveFrom: utc(2026, 12, 6), now: now) == .inThePast(now: now))
        #expect(table.refusal(level: .argent, basisPoints: 10_001, effectiveFrom: utc(2027, 1, 1), now: now) == .basisPointsOutOfRange)
        #expect(table.refusal(level: .argent, basisPoints: -1, effectiveFrom: utc(2027, 1, 1), now: now) == .basisPointsOutOfRange)
        #expect(CommissionRateRefusal.backdated(latest: utc(2027, 1, 1)).code == "commission_rate_backdated")
        #expect(
            CommissionRateRefusal.backdated(latest: utc(2027, 1, 1)).messageFR.hasPrefix(
                "Une version de ce niveau prend déjà effet le 01/01/2027 00:00 UTC : "))
        #expect(CommissionRateRefusal.inThePast(now: utc(2026, 12, 7, 9, 5)).messageFR.contains("(il est 07/12/2026 09:05 UTC)"))
        #expect(table.versions(of: .or).map(\.id) == ["or-1", "or-2"] && table.versions(of: nil).map(\.id) == ["general"])
    }
}
