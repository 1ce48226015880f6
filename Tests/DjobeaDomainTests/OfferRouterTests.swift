import Foundation
import Testing

@testable import DjobeaDomain

@Suite("Offer router")
struct OfferRouterTests {
    let policy = OfferPolicy.standard
    let now = OfferFixture.wednesday10
    static let minute: TimeInterval = 60

    // MARK: - Helpers

    func step(_ request: OfferRequest, _ offers: [OfferRecord], _ candidates: [OfferCandidate], at time: Date? = nil) -> OfferStep {
        OfferRouter.step(request: request, offers: offers, candidates: candidates, policy: policy, now: time ?? now)
    }

    func offer(_ provider: String, rank: Int, _ state: OfferState, offeredAt: Date? = nil, window: TimeInterval = 30 * 60) -> OfferRecord {
        let at = offeredAt ?? now.addingTimeInterval(-Double(10 - rank) * Self.minute)
        return OfferRecord(
            id: "o-\(provider)", providerId: provider, rank: rank, offeredAt: at, expiresAt: at.addingTimeInterval(window), state: state)
    }

    /// Providers p-1 (best) … p-n (worst), eligible for the fixture request.
    func providers(_ count: Int) -> [OfferCandidate] {
        (1...count).map { index in
            OfferFixture.candidate("p-\(index)") {
                $0.ratingCount = 10
                $0.averageRating = 5 - Double(index) / 10
            }
        }
    }

    // MARK: - First offers

    @Test func aNewRequestGoesToTheBestRankedProviderAlone() {
        let result = step(OfferFixture.request(.aujourdhui), [], providers(3) + [OfferFixture.candidate("p-0") { $0.zoneIds = ["ailleurs"] }])
        #expect(result.newOffers == [.init(providerId: "p-1", rank: 1, offeredAt: now, expiresAt: now.addingTimeInterval(30 * 60))])
        #expect(result.outcome == .offering && !result.reoffer && result.withdrawals.isEmpty)
    }

    @Test func anUrgentRequestGoesToThreeProvidersAtOnce() {
        let result = step(OfferFixture.request(.urgent), [], providers(5))
        #expect(result.newOffers.map(\.providerId) == ["p-1", "p-2", "p-3"])
        #expect(result.newOffers.map(\.rank) == [1, 2, 3])
        #expect(result.newOffers.allSatisfy { $0.expiresAt == now.addingTimeInterval(Urgency.urgent.responseWindow) })
    }

    @Test func theOfferWindowCanBeOverridden() {
        var policy = OfferPolicy.standard
        policy.offerWindowOverride = 5 * Self.minute
        let result = OfferRouter.step(request: OfferFixture.request(.planifie), offers: [], candidates: providers(1), policy: policy, now: now)
        #expect(result.newOffers.first?.expiresAt == now.addingTimeInterval(5 * Self.minute))
    }

    @Test func anUrgentRequestAtNightGoesFirstToProvidersInHours() {
        let night = douala(2026, 11, 25, 21)
        let nightShift = OfferFixture.candidate("p-9") { $0.workingHours = WorkingHours(start: 20 * 60, end: 6 * 60, days: Set(1...7)) }
        let result = step(OfferFixture.request(.urgent, createdAt: night), [], providers(4) + [nightShift], at: night)
        #expect(result.newOffers.map(\.providerId) == ["p-9", "p-1", "p-2"])
        #expect(result.newOffers.map(\.outsideHours) == [false, true, true])
    }

    @Test func aNonUrgentRequestAtNightWaitsForTheMorning() {
        let night = douala(2026, 11, 25, 21)
        let request = OfferFixture.request(.aujourdhui, createdAt: night)
        let result = step(request, [], providers(3), at: night)
        #expect(result.outcome == .waiting && result.isEmpty)
        let morning = douala(2026, 11, 26, 8)
        #expect(step(request, [], providers(3), at: morning).newOffers.map(\.providerId) == ["p-1"])
    }

    // MARK: - Moving on

    @Test func anExpiredOfferMovesToTheNextProvider() {
        let late = now.addingTimeInterval(31 * Self.minute)
        let result = step(OfferFixture.request(), [offer("p-1", rank: 1, .pending, offeredAt: now)], providers(3), at: late)
        #expect(result.expiredOfferIds == ["o-p-1"])
        #expect(result.newOffers.map(\.providerId) == ["p-2"] && result.newOffers.first?.rank == 2)
    }

    @Test func anOfferExpiresExactlyAtItsExpiry() {
        let pending = offer("p-1", rank: 1, .pending, offeredAt: now)
        #expect(step(OfferFixture.request(), [pending], providers(2), at: pending.expiresAt.addingTimeInterval(-0.001)).isEmpty)
        #expect(step(OfferFixture.request(), [pending], providers(2), at: pending.expiresAt).expiredOfferIds == ["o-p-1"])
    }

    @Test func aDeclinedRequestIsReofferedBeforeTheNextOffer() {
        let request = OfferFixture.request { $0.status = .declinee }
        let result = step(request, [offer("p-1", rank: 1, .declined)], providers(3))
        #expect(result.reoffer && result.newOffers.map(\.providerId) == ["p-2"])
    }

    @Test func aDeclineAmongParallelOffersReopensTheRequestForTheOthers() {
        let request = OfferFixture.request(.urgent) { $0.status = .declinee }
        let offers = [
            offer("p-1", rank: 1, .declined, window: 600), offer("p-2", rank: 2, .pending, window: 600), offer("p-3", rank: 3, .pending, window: 600),
        ]
        let result = step(request, offers, providers(5))
        #expect(result.reoffer && result.newOffers.map(\.providerId) == ["p-4"])
    }

    @Test func aDeclineEndsTheRequestOnlyWhenNoOtherOfferIsOut() {
        let offers = [offer("p-1", rank: 1, .pending, window: 600), offer("p-2", rank: 2, .pending, window: 600), offer("p-3", rank: 3, .declined)]
        #expect(!OfferRouter.declineEndsRequest(offers: offers, decliningProviderId: "p-1", now: now))
        #expect(OfferRouter.declineEndsRequest(offers: Array(offers.prefix(1)), decliningProviderId: "p-1", now: now))
        // p-2's offer has run out (not yet marked by a sweep): it no longer counts.
        #expect(OfferRouter.declineEndsRequest(offers: offers, decliningProviderId: "p-1", now: now.addingTimeInterval(20 * Self.minute)))
    }

    @Test func whenEveryoneDeclinedTheRequestExpires() {
        let request = OfferFixture.request { $0.status = .declinee }
        let result = step(request, [offer("p-1", rank: 1, .declined), offer("p-2", rank: 2, .declined)], providers(2))
        #expect(result.requestExpiry == .allDeclined && !result.reoffer && result.newOffers.isEmpty)
    }

    @Test func withNobodyAtAllTheRequestExpiresAtOnce() {
        let strangers = [
            OfferFixture.candidate("p-1") { $0.serviceIds = ["autre"] }, OfferFixture.candidate("p-2") { $0.accountStatus = .suspended },
        ]
        #expect(step(OfferFixture.request(), [], strangers).requestExpiry == .noProvider)
        #expect(step(OfferFixture.request(), [], []).requestExpiry == .noProvider)
    }

    @Test func someoneBackLaterMakesTheRequestWait() {
        let away = OfferFixture.candidate("p-1") {
            $0.awayMode = true
            $0.awayUntil = now.addingTimeInterval(3_600)
        }
        #expect(step(OfferFixture.request(), [], [away]).outcome == .waiting)
        #expect(step(OfferFixture.request(), [], [away], at: now.addingTimeInterval(3_600)).newOffers.map(\.providerId) == ["p-1"])
    }

    @Test func afterTheLastRoundTheRequestExpires() {
        let offers = (1...5).map { offer("p-\($0)", rank: $0, .expired) }
        let result = step(OfferFixture.request(), offers, providers(8))
        #expect(result.requestExpiry == .roundsExhausted && result.newOffers.isEmpty)
    }

    @Test func afterTheDeadlineNoNewOfferIsMade() {
        let request = OfferFixture.request(createdAt: now.addingTimeInterval(-25 * 3_600))
        let pending = offer("p-1", rank: 1, .pending, offeredAt: now.addingTimeInterval(-5 * Self.minute))
        let running = step(request, [pending], providers(3))
        #expect(running.isEmpty && running.outcome == .offering)
        #expect(step(request, [], providers(3)).requestExpiry == .deadlinePassed)
    }

    @Test func aReopenStartsANewBudgetButDeclinedProvidersStayOut() {
        let old = now.addingTimeInterval(-3 * 86_400)
        let offers = (1...5).map { offer("p-\($0)", rank: $0, .declined, offeredAt: old) }
        let request = OfferFixture.request(createdAt: old) { $0.routingSince = now.addingTimeInterval(-Self.minute) }
        let result = step(request, offers, providers(7))
        #expect(result.newOffers.map(\.providerId) == ["p-6"] && result.newOffers.first?.rank == 6)
    }

    // MARK: - Redirection

    enum Unavailability: String, CaseIterable, Sendable {
        case away, absent, suspended, zoneRemoved

        func apply(to candidate: inout OfferCandidate) -> OfferIneligibility {
            switch self {
            case .away:
                candidate.awayMode = true
                return .away
            case .absent:
                candidate.absences = [DateInterval(start: OfferFixture.wednesday10, duration: 86_400)]
                return .absent
            case .suspended:
                candidate.accountStatus = .suspended
                return .suspended
            case .zoneRemoved:
                candidate.zoneIds = []
                return .outsideZone
            }
        }
    }

    @Test(arguments: Unavailability.allCases)
    func anUnavailableProvidersOfferIsRedirected(_ change: Unavailability) {
        var candidates = providers(3)
        let reason = change.apply(to: &candidates[0])
        let result = step(OfferFixture.request(), [offer("p-1", rank: 1, .pending)], candidates)
        #expect(result.withdrawals == [.init(offerId: "o-p-1", providerId: "p-1", reason: .providerUnavailable(reason))])
        #expect(result.newOffers.map(\.providerId) == ["p-2"] && result.newOffers.first?.rank == 2)
    }

    @Test func aPendingOfferOutlivesTheEndOfWorkingHours() {
        let offered = douala(2026, 11, 25, 17, 50)
        let result = step(
            OfferFixture.request(createdAt: offered), [offer("p-1", rank: 1, .pending, offeredAt: offered)], providers(2),
            at: douala(2026, 11, 25, 18, 5))
        #expect(result.isEmpty && result.outcome == .offering)
    }

    // MARK: - Closed requests

    @Test func anAcceptedRequestIsNeverOfferedAgainAndOtherOffersAreWithdrawn() {
        let request = OfferFixture.request(.urgent) {
            $0.status = .acceptee
            $0.assignedProviderId = "p-2"
        }
        let result = step(
            request, [offer("p-1", rank: 1, .pending), offer("p-2", rank: 2, .pending), offer("p-3", rank: 3, .declined)], providers(6))
        #expect(result.withdrawals == [.init(offerId: "o-p-1", providerId: "p-1", reason: .requestClosed(.acceptee))])
        #expect(result.newOffers.isEmpty && result.outcome == .closed(.acceptee))
    }

    @Test(arguments: [RequestStatus.annulee, .expiree, .terminee, .arrive, .diagnostic, .reparation])
    func aClosedRequestGetsNoOffer(_ status: RequestStatus) {
        let request = OfferFixture.request { $0.status = status }
        let result = step(request, [offer("p-1", rank: 1, .pending)], providers(3))
        #expect(result.newOffers.isEmpty && result.autoAccept == nil && result.requestExpiry == nil)
        #expect(result.withdrawals.map(\.offerId) == ["o-p-1"])
        #expect(step(request, [offer("p-1", rank: 1, .withdrawn)], providers(3)).isEmpty)
    }

    // MARK: - Familiar clients

    @Test func aFamiliarProviderWithAutoAcceptGetsTheRequestDirectly() {
        var candidates = providers(4)
        candidates[2].isFamiliarClient = true
        candidates[2].autoAcceptFamiliarClients = true
        let result = step(OfferFixture.request(), [offer("p-1", rank: 1, .pending)], candidates)
        #expect(result.autoAccept?.providerId == "p-3" && result.autoAccept?.rank == 2)
        #expect(result.newOffers.isEmpty && result.outcome == .autoAccepted(providerId: "p-3"))
        #expect(result.withdrawals == [.init(offerId: "o-p-1", providerId: "p-1", reason: .autoAccepted)])
    }

    @Test func familiarityAloneOrTheSettingAloneChangesNothing() {
        var candidates = providers(3)
        candidates[1].isFamiliarClient = true
        candidates[2].autoAcceptFamiliarClients = true
        let result = step(OfferFixture.request(), [], candidates)
        #expect(result.autoAccept == nil && result.newOffers.map(\.providerId) == ["p-1"])
    }

    @Test func noAutomaticAcceptanceOutsideWorkingHours() {
        let night = douala(2026, 11, 25, 22)
        var candidates = providers(3)
        candidates[0].isFamiliarClient = true
        candidates[0].autoAcceptFamiliarClients = true
        let result = step(OfferFixture.request(.urgent, createdAt: night), [], candidates, at: night)
        #expect(result.autoAccept == nil && result.newOffers.count == 3)
    }
}
