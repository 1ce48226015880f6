import DjobeaTestSupport
import Foundation
import Testing

@testable import DjobeaDomain

// MARK: - Event builders

private func event(
    _ id: String, _ kind: MissionEventKind, _ role: ActorRole, at millis: Int64, provider: String? = nil, node: String,
    reopenTo: RequestStatus? = nil
) -> MissionEvent {
    MissionEvent(
        id: id, requestId: "req-1", kind: kind, actorRole: role, actorId: role == .provider ? provider : "\(role.rawValue)-1",
        providerId: provider, hlc: HLC(wallMillis: millis), originNode: node, reopenTo: reopenTo)
}

private func accept(_ id: String, at millis: Int64, by provider: String = "p1", node: String = "hub-bona") -> MissionEvent {
    event(id, .accepted, .provider, at: millis, provider: provider, node: node)
}

private func stage(_ id: String, _ kind: MissionEventKind, at millis: Int64, by provider: String = "p1", node: String = "phone-a") -> MissionEvent {
    event(id, kind, .provider, at: millis, provider: provider, node: node)
}

private func reassign(_ id: String, at millis: Int64, to provider: String = "p2", node: String = "central") -> MissionEvent {
    event(id, .reassigned, .ops, at: millis, provider: provider, node: node)
}

private func cancel(_ id: String, at millis: Int64, by role: ActorRole = .client, node: String = "central") -> MissionEvent {
    event(id, .cancelled, role, at: millis, node: node)
}

private func reopen(_ id: String, at millis: Int64, to target: RequestStatus, by role: ActorRole = .ops) -> MissionEvent {
    event(id, .reopened, role, at: millis, node: "central", reopenTo: target)
}

private func system(_ id: String, _ kind: MissionEventKind, at millis: Int64) -> MissionEvent {
    event(id, kind, .system, at: millis, node: "hub-bona")
}

private func permutations<T>(_ items: [T]) -> [[T]] {
    guard let first = items.first else { return [[]] }
    return permutations(Array(items.dropFirst())).flatMap { rest in
        (0...rest.count).map { index in
            var copy = rest
            copy.insert(first, at: index)
            return copy
        }
    }
}

/// Folds every permutation and expects one result.
private func foldAllOrders(_ events: [MissionEvent]) -> MissionState {
    let reference = MissionStatusFold.fold(events)
    for order in permutations(events) {
        #expect(MissionStatusFold.fold(order) == reference)
    }
    return reference
}

private func at(_ millis: Int64) -> HLC { HLC(wallMillis: millis) }

@Suite struct MissionStatusFoldTests {
    @Test func noEventsIsANewRequest() {
        #expect(MissionStatusFold.fold([]) == MissionState(status: .nouvelle))
    }

    @Test func happyPathRecordsEveryStage() {
        let state = foldAllOrders([
            accept("e1", at: 10), stage("e2", .arrived, at: 20), stage("e3", .diagnosed, at: 30),
            stage("e4", .repairing, at: 40), stage("e5", .completed, at: 50),
        ])
        #expect(state.status == .terminee)
        #expect(state.providerId == "p1")
        #expect(
            [state.acceptedAt, state.arrivedAt, state.diagnosticAt, state.repairAt, state.completedAt] == [at(10), at(20), at(30), at(40), at(50)])
        #expect(state.lastEventAt == at(50))
        #expect(state.conflicts.isEmpty)
    }

    // MARK: - CONFLICTS.md rule 1: assignment is first-writer-wins

    @Test(arguments: [
        // (accept at, reassign at, winner, losing event, conflict)
        (10 as Int64, 20 as Int64, "p1", "reassign", MissionConflictKind.reassignRefused),
        (20, 10, "p2", "accept", .alreadyAssigned),
        // Same HLC: the node id breaks the tie ("central" < "hub-bona"), so the reassignment wins.
        (15, 15, "p2", "accept", .alreadyAssigned),
    ])
    func acceptAgainstReassign(acceptAt: Int64, reassignAt: Int64, winner: String, loser: String, kind: MissionConflictKind) {
        let state = foldAllOrders([accept("accept", at: acceptAt, by: "p1"), reassign("reassign", at: reassignAt, to: "p2")])
        #expect(state.status == .acceptee)
        #expect(state.providerId == winner)
        #expect(state.acceptedAt == at(min(acceptAt, reassignAt)))
        #expect(state.conflicts == [MissionConflict(eventId: loser, kind: kind)])
        #expect(state.conflicts.first?.messageFR == (kind == .reassignRefused ? "Réattribution refusée : déjà acceptée" : "Demande déjà attribuée"))
    }

    @Test func reassignAfterWorkStartedIsRefused() {
        let state = foldAllOrders([accept("a", at: 10), stage("b", .arrived, at: 20), reassign("c", at: 30)])
        #expect(state.status == .arrive)
        #expect(state.providerId == "p1")
        #expect(state.conflicts.map(\.kind) == [.reassignRefused])
    }

    @Test func reassignAfterExpiryOrDeclineAssigns() {
        let expired = foldAllOrders([system("a", .expired, at: 10), reassign("b", at: 20, to: "p3")])
        #expect(expired.status == .acceptee && expired.providerId == "p3" && expired.expiredAt == nil)
        let declined = foldAllOrders([event("a", .declined, .provider, at: 10, provider: "p1", node: "hub-bona"), reassign("b", at: 20, to: "p3")])
        #expect(declined.status == .acceptee && declined.providerId == "p3" && declined.conflicts.isEmpty)
    }

    // MARK: - CONFLICTS.md rules 2 and 3: accept, decline, expiry, cancel

    @Test func secondProviderAcceptingLoses() {
        let state = foldAllOrders([accept("a", at: 10, by: "p1"), accept("b", at: 11, by: "p2")])
        #expect(state.providerId == "p1")
        #expect(state.conflicts.map(\.kind) == [.alreadyAssigned])
    }

    @Test func secondDeviceOfTheSameProviderAcceptingIsADuplicate() {
        let state = foldAllOrders([accept("a", at: 10, node: "phone-a"), accept("b", at: 12, node: "phone-b")])
        #expect(state.acceptedAt == at(10))
        #expect(state.conflicts.map(\.kind) == [.duplicateEvent])
        #expect(state.conflicts.allSatisfy { $0.severity == .info })
    }

    @Test(arguments: [
        // (first, second, status, losing kind)
        (
            [accept("a", at: 10), event("b", .declined, .provider, at: 11, provider: "p1", node: "phone-b")], RequestStatus.acceptee,
            MissionConflictKind.alreadyAssigned
        ),
        ([event("a", .declined, .provider, at: 10, provider: "p1", node: "phone-b"), accept("b", at: 11)], .declinee, .illegalTransition),
        ([system("a", .expired, at: 10), accept("b", at: 11)], .expiree, .illegalTransition),
        ([cancel("a", at: 10), accept("b", at: 11)], .annulee, .illegalTransition),
        ([cancel("a", at: 10), cancel("b", at: 11, by: .ops)], .annulee, .duplicateEvent),
        ([accept("a", at: 10), system("b", .expired, at: 11)], .acceptee, .illegalTransition),
        ([system("a", .expired, at: 10), system("b", .expired, at: 11)], .expiree, .duplicateEvent),
    ])
    func receiptOrderDecides(_ events: [MissionEvent], status: RequestStatus, kind: MissionConflictKind) {
        let state = foldAllOrders(events)
        #expect(state.status == status)
        #expect(state.conflicts.map(\.eventId) == ["b"])
        #expect(state.conflicts.map(\.kind) == [kind])
    }

    @Test func lateAcceptMessagesAreSpecific() {
        let expired = MissionStatusFold.fold([system("a", .expired, at: 10), accept("b", at: 11)])
        #expect(expired.conflicts.first?.messageFR == "Offre expirée : acceptation refusée")
        let cancelled = MissionStatusFold.fold([cancel("a", at: 10), accept("b", at: 11)])
        #expect(cancelled.conflicts.first?.messageFR == "Demande annulée par le client : acceptation refusée")
    }

    @Test func reofferReopensTheMarket() {
        let state = foldAllOrders([system("a", .expired, at: 10), system("b", .reoffered, at: 20), accept("c", at: 30, by: "p2")])
        #expect(state.status == .acceptee && state.providerId == "p2" && state.expiredAt == nil && state.conflicts.isEmpty)
    }

    // MARK: - CONFLICTS.md rule 4: stages move forward, earliest time, explicit reopen

    @Test func concurrentStagesGiveTheFurthestAndEachStageItsEarliestTime() {
        let state = foldAllOrders([
            accept("a", at: 10), stage("b", .arrived, at: 20, node: "phone-a"), stage("c", .arrived, at: 25, node: "phone-b"),
            stage("d", .repairing, at: 30, node: "phone-b"), stage("e", .diagnosed, at: 35, node: "phone-a"),
        ])
        #expect(state.status == .reparation)
        #expect(state.arrivedAt == at(20))
        #expect(state.diagnosticAt == at(35))
        #expect(state.repairAt == at(30))
        #expect(state.conflicts == [MissionConflict(eventId: "e", kind: .staleStage, messageFR: state.conflicts.first?.messageFR)])
        #expect(state.conflicts.allSatisfy { $0.severity == .info })
    }

    @Test func stagesMaySkip() {
        let state = foldAllOrders([accept("a", at: 10), stage("b", .completed, at: 20)])
        #expect(state.status == .terminee && state.arrivedAt == nil && state.completedAt == at(20) && state.conflicts.isEmpty)
    }

    @Test func onlyTheAssignedProviderMovesTheMission() {
        let state = foldAllOrders([accept("a", at: 10, by: "p1"), stage("b", .arrived, at: 20, by: "p2")])
        #expect(state.status == .acceptee)
        #expect(state.conflicts.map(\.kind) == [.notAssignedProvider])
    }

    @Test func hubOperatorMayCompleteForTheProvider() {
        let state = foldAllOrders([accept("a", at: 10), event("b", .completed, .hubOperator, at: 20, node: "hub-bona")])
        #expect(state.status == .terminee && state.conflicts.isEmpty)
    }

    @Test(arguments: [
        event("x", .accepted, .client, at: 5, provider: "p1", node: "central"),
        event("x", .arrived, .hubOperator, at: 5, node: "hub-bona"),
        event("x", .reassigned, .hubOperator, at: 5, provider: "p2", node: "hub-bona"),
        event("x", .cancelled, .provider, at: 5, provider: "p1", node: "phone-a"),
        event("x", .reopened, .provider, at: 5, provider: "p1", node: "phone-a", reopenTo: .nouvelle),
        event("x", .expired, .ops, at: 5, node: "central"),
    ])
    func unauthorizedActorsChangeNothing(_ intruder: MissionEvent) {
        let state = MissionStatusFold.fold([intruder])
        #expect(state.status == .nouvelle && state.providerId == nil && state.lastEventAt == nil)
        #expect(state.conflicts.map(\.kind) == [.unauthorizedActor])
    }

    @Test func reopenGoesBackAndForgetsLaterStages() {
        let state = foldAllOrders([
            accept("a", at: 10), stage("b", .arrived, at: 20), stage("c", .completed, at: 30),
            reopen("d", at: 40, to: .arrive, by: .hubOperator),
        ])
        #expect(state.status == .arrive)
        #expect(state.arrivedAt == at(20) && state.completedAt == nil)
        #expect(state.lastEventAt == at(40))
        #expect(state.conflicts.isEmpty)
    }

    @Test func workResumesAfterAReopen() {
        let state = foldAllOrders([
            accept("a", at: 10), stage("b", .completed, at: 30), reopen("c", at: 40, to: .acceptee), stage("d", .repairing, at: 50),
            stage("e", .completed, at: 60),
        ])
        #expect(state.status == .terminee && state.repairAt == at(50) && state.completedAt == at(60) && state.conflicts.isEmpty)
    }

    @Test func reopenToNouvelleReleasesTheProvider() {
        let state = foldAllOrders([accept("a", at: 10), reopen("b", at: 20, to: .nouvelle), accept("c", at: 30, by: "p2")])
        #expect(state.status == .acceptee && state.providerId == "p2" && state.acceptedAt == at(30) && state.conflicts.isEmpty)
    }

    @Test(arguments: [
        ([accept("a", at: 10), reopen("b", at: 20, to: .terminee)], RequestStatus.acceptee),
        ([accept("a", at: 10), reopen("b", at: 20, to: .acceptee)], .acceptee),
        ([reopen("b", at: 20, to: .nouvelle)], .nouvelle),
        ([cancel("a", at: 10), reopen("b", at: 20, to: .acceptee)], .annulee),  // nobody to give it back to
        ([accept("a", at: 10), reopen("b", at: 20, to: .annulee)], .acceptee),
    ])
    func illegalReopensAreRefused(_ events: [MissionEvent], status: RequestStatus) {
        let state = foldAllOrders(events)
        #expect(state.status == status)
        #expect(state.conflicts.map(\.kind) == [.illegalTransition])
    }

    @Test func reopenOfACancelledAcceptedMissionRestoresIt() {
        let state = foldAllOrders([accept("a", at: 10), cancel("b", at: 20), reopen("c", at: 30, to: .acceptee), stage("d", .arrived, at: 40)])
        #expect(state.status == .arrive && state.providerId == "p1" && state.cancelledAt == nil && state.conflicts.isEmpty)
    }

    // MARK: - CONFLICTS.md rule 5: completed against cancelled

    @Test(arguments: [
        // Cancel after a work stage: the mission stands; the cancel is a late cancellation.
        (
            [accept("a", at: 10), stage("b", .completed, at: 20), cancel("c", at: 30)], RequestStatus.terminee,
            [MissionConflictKind.lateCancellation]
        ),
        (
            [accept("a", at: 10), stage("b", .arrived, at: 20), cancel("c", at: 30), stage("d", .completed, at: 40)], .terminee,
            [.lateCancellation]
        ),
        (
            [accept("a", at: 10), stage("b", .arrived, at: 20), stage("c", .completed, at: 30), cancel("d", at: 40)], .terminee,
            [.lateCancellation]
        ),
        ([accept("a", at: 10), stage("b", .arrived, at: 20), cancel("c", at: 30)], .arrive, [.lateCancellation]),
        // Cancel before every work stage: cancelled; the work is kept as conflicts.
        ([accept("a", at: 10), cancel("b", at: 20), stage("c", .completed, at: 30)], .annulee, [.workAfterCancellation]),
        (
            [accept("a", at: 10), cancel("b", at: 20), stage("c", .arrived, at: 30), stage("d", .completed, at: 40)], .annulee,
            [.workAfterCancellation, .workAfterCancellation]
        ),
        // Same HLC: node id order ("central" < "phone-a") puts the cancel first.
        ([accept("a", at: 10), cancel("b", at: 20), stage("c", .completed, at: 20)], .annulee, [.workAfterCancellation]),
    ])
    func completedAgainstCancelled(_ events: [MissionEvent], status: RequestStatus, kinds: [MissionConflictKind]) {
        let state = foldAllOrders(events)
        #expect(state.status == status)
        #expect(state.conflicts.map(\.kind) == kinds)
        if status == .annulee {
            #expect(state.completedAt == nil && state.arrivedAt == nil && state.cancelledAt != nil)
        } else {
            #expect(state.cancelledAt == nil)
        }
        #expect(state.providerId == "p1")
    }

    // MARK: - Duplicates and determinism

    @Test func exactDuplicatesAreInvisible() {
        let events = [accept("a", at: 10), stage("b", .arrived, at: 20)]
        #expect(MissionStatusFold.fold(events + events + [events[0]]) == MissionStatusFold.fold(events))
    }

    @Test func oneIdWithTwoContentsKeepsOneVersionAndSaysSo() {
        var variant = stage("b", .arrived, at: 20)
        variant.note = "autre appareil"
        let first = MissionStatusFold.fold([accept("a", at: 10), stage("b", .arrived, at: 20), variant])
        let second = MissionStatusFold.fold([variant, accept("a", at: 10), stage("b", .arrived, at: 20)])
        #expect(first == second)
        #expect(first.status == .arrive)
        #expect(first.conflicts.map(\.kind) == [.duplicateEvent])
        #expect(MissionStatusFold.canonicalOrder([variant, accept("a", at: 10)]).map(\.id) == ["a", "b"])
    }

    @Test(arguments: [1 as UInt64, 2, 3])
    func foldIgnoresOrderAndDuplication(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        for _ in 0..<150 {
            let events = randomHistory(using: &rng)
            let reference = MissionStatusFold.fold(events)
            let reshuffled = events.shuffledWithDuplicates(using: &rng)
            #expect(MissionStatusFold.fold(reshuffled) == reference)
            // Invariants of any history.
            #expect((reference.providerId == nil) == (reference.acceptedAt == nil))
            if let rank = reference.status.progressRank, rank >= 1 { #expect(reference.providerId != nil) }
            #expect(reference.conflicts.allSatisfy { !$0.messageFR.isEmpty })
        }
    }

    private func randomHistory(using rng: inout SeededRandom) -> [MissionEvent] {
        let nodes = ["central", "hub-bona", "phone-a", "phone-b"]
        var events: [MissionEvent] = []
        for index in 0..<Int.random(in: 1...12, using: &rng) {
            let kind = MissionEventKind.allCases.randomElement(using: &rng) ?? .accepted
            // Mostly allowed roles, sometimes any role.
            let allowed = Array(MissionLifecycle.allowedActors(kind)).sorted { $0.rawValue < $1.rawValue }
            let role =
                Int.random(in: 0..<8, using: &rng) == 0
                ? (ActorRole.allCases.randomElement(using: &rng) ?? .ops) : (allowed.randomElement(using: &rng) ?? .ops)
            let provider = ["p1", "p2", nil].randomElement(using: &rng) ?? nil
            var next = event(
                "e\(index)", kind, role, at: Int64.random(in: 1...6, using: &rng), provider: provider,
                node: nodes.randomElement(using: &rng) ?? "central", reopenTo: RequestStatus.allCases.randomElement(using: &rng))
            if kind != .reopened && Bool.random(using: &rng) { next.reopenTo = nil }
            events.append(next)
            if Int.random(in: 0..<10, using: &rng) == 0 {
                next.note = "variante"
                events.append(next)
            }
        }
        return events
    }
}
