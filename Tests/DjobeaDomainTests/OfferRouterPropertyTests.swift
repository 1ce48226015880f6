import DjobeaTestSupport
import Foundation
import Testing

@testable import DjobeaDomain

/// Random situations: the router's step, applied, leaves nothing to do at the same time, and never breaks its rules.
@Suite("Offer router properties")
struct OfferRouterPropertyTests {
    /// Applies a step as the store does, to the router's own inputs.
    static func apply(_ step: OfferStep, request: inout OfferRequest, offers: inout [OfferRecord]) {
        for index in offers.indices {
            if step.expiredOfferIds.contains(offers[index].id) { offers[index].state = .expired }
            if step.withdrawals.contains(where: { $0.offerId == offers[index].id }) { offers[index].state = .withdrawn }
        }
        if step.reoffer { request.status = .nouvelle }
        for new in step.newOffers {
            offers.append(
                OfferRecord(
                    id: "new-\(new.rank)", providerId: new.providerId, rank: new.rank, offeredAt: new.offeredAt, expiresAt: new.expiresAt,
                    state: .pending))
        }
        if let accepted = step.autoAccept {
            offers.append(
                OfferRecord(
                    id: "auto-\(accepted.rank)", providerId: accepted.providerId, rank: accepted.rank, offeredAt: accepted.offeredAt,
                    expiresAt: accepted.expiresAt, state: .accepted))
            request.status = .acceptee
            request.assignedProviderId = accepted.providerId
        }
        if step.requestExpiry != nil { request.status = .expiree }
    }

    static func scenario(_ rng: inout SeededRandom) -> (OfferRequest, [OfferRecord], [OfferCandidate], Date) {
        let now = OfferFixture.wednesday10.addingTimeInterval(Double(Int.random(in: -72...72, using: &rng)) * 3_600 + 1_234)
        let statuses: [RequestStatus] = [.nouvelle, .nouvelle, .nouvelle, .declinee, .declinee, .acceptee, .annulee, .expiree, .arrive]
        var request = OfferFixture.request(
            Urgency.allCases.randomElement(using: &rng) ?? .urgent,
            createdAt: now.addingTimeInterval(-Double.random(in: 0...(30 * 3_600), using: &rng)))
        request.status = statuses.randomElement(using: &rng) ?? .nouvelle
        let hours: [WorkingHours] = [
            .seedDefault, WorkingHours(start: 0, end: 0, days: Set(1...7)), WorkingHours(start: 20 * 60, end: 6 * 60, days: [1, 3, 5]),
        ]
        let candidates = (0..<Int.random(in: 0...8, using: &rng)).map { index in
            OfferFixture.candidate("p-\(index)") { candidate in
                if Int.random(in: 0..<5, using: &rng) == 0 { candidate.serviceIds = [] }
                if Int.random(in: 0..<5, using: &rng) == 0 { candidate.zoneIds = [] }
                if Int.random(in: 0..<10, using: &rng) == 0 { candidate.accountStatus = .suspended }
                if Int.random(in: 0..<6, using: &rng) == 0 {
                    candidate.awayMode = true
                    candidate.awayUntil = Bool.random(using: &rng) ? now.addingTimeInterval(Double.random(in: -86_400...86_400, using: &rng)) : nil
                }
                if Int.random(in: 0..<6, using: &rng) == 0 {
                    candidate.absences = [
                        DateInterval(start: now.addingTimeInterval(Double.random(in: -86_400...3_600, using: &rng)), duration: 86_400)
                    ]
                }
                candidate.workingHours = hours.randomElement(using: &rng) ?? .seedDefault
                candidate.ratingCount = Int.random(in: 0...30, using: &rng)
                candidate.averageRating = candidate.ratingCount == 0 ? nil : Double.random(in: 2...5, using: &rng)
                candidate.openMissions = Int.random(in: 0...3, using: &rng)
                candidate.isFamiliarClient = Int.random(in: 0..<5, using: &rng) == 0
                candidate.autoAcceptFamiliarClients = Bool.random(using: &rng)
            }
        }
        var offers: [OfferRecord] = []
        for candidate in candidates where Int.random(in: 0..<3, using: &rng) == 0 {
            let offeredAt = now.addingTimeInterval(-Double.random(in: 0...(3 * 3_600), using: &rng))
            let state = OfferState.allCases.randomElement(using: &rng) ?? .pending
            offers.append(
                OfferRecord(
                    id: "old-\(candidate.providerId)", providerId: candidate.providerId, rank: offers.count + 1, offeredAt: offeredAt,
                    expiresAt: offeredAt.addingTimeInterval(Double.random(in: 600...3_600, using: &rng)), state: state))
        }
        return (request, offers, candidates, now)
    }

    @Test func aStepAppliedLeavesNothingToDoAndKeepsTheRules() {
        var rng = SeededRandom(seed: 2026)
        let policy = OfferPolicy.standard
        for iteration in 0..<2_000 {
            let (original, originalOffers, candidates, now) = Self.scenario(&rng)
            let step = OfferRouter.step(request: original, offers: originalOffers, candidates: candidates, policy: policy, now: now)

            // Deterministic whatever the order of the candidates.
            let shuffled = OfferRouter.step(
                request: original, offers: originalOffers, candidates: candidates.shuffled(using: &rng), policy: policy, now: now)
            #expect(shuffled == step, "iteration \(iteration)")

            // Nobody is offered twice, nothing is offered on a closed request, ranks go on from the last one.
            let made = step.newOffers + (step.autoAccept.map { [$0] } ?? [])
            let alreadyAsked = Set(originalOffers.map(\.providerId))
            #expect(made.allSatisfy { !alreadyAsked.contains($0.providerId) }, "iteration \(iteration)")
            #expect(Set(made.map(\.providerId)).count == made.count, "iteration \(iteration)")
            if !original.isRoutable { #expect(made.isEmpty && step.requestExpiry == nil && !step.reoffer, "iteration \(iteration)") }
            let lastRank = originalOffers.map(\.rank).max() ?? 0
            #expect(made.map(\.rank).sorted() == Array((lastRank + 1)..<(lastRank + 1 + made.count)), "iteration \(iteration)")

            var request = original
            var offers = originalOffers
            Self.apply(step, request: &request, offers: &offers)
            let pending = offers.filter { $0.state == .pending }
            if step.requestExpiry != nil { #expect(pending.isEmpty, "iteration \(iteration)") }
            if !step.newOffers.isEmpty { #expect(pending.count <= policy.rule(for: original.urgency).parallelOffers, "iteration \(iteration)") }

            // Idempotent: the same sweep again at the same time writes nothing.
            let again = OfferRouter.step(request: request, offers: offers, candidates: candidates, policy: policy, now: now)
            #expect(again.isEmpty, "iteration \(iteration): \(again)")
        }
    }
}
