import Foundation
import Testing

@testable import DjobeaDomain

@Suite struct MissionLifecycleTests {
    @Test(arguments: [
        // (status, label, group, work stage, terminal)
        (RequestStatus.nouvelle, "Nouvelle", StatusGroup.nouvelle, false, false),
        (.acceptee, "Acceptée", .acceptee, false, false),
        (.arrive, "Arrivé", .enCours, true, false),
        (.diagnostic, "Diagnostic", .enCours, true, false),
        (.reparation, "Réparation", .enCours, true, false),
        (.terminee, "Terminée", .terminee, true, true),
        (.declinee, "Déclinée", .declinee, false, false),
        (.annulee, "Annulée", .annulee, false, true),
        (.expiree, "Expirée", .expiree, false, true),
    ])
    func statusProperties(_ status: RequestStatus, label: String, group: StatusGroup, workStage: Bool, terminal: Bool) {
        #expect(status.labelFR == label)
        #expect(status.group == group)
        #expect(status.isWorkStage == workStage)
        #expect(status.isTerminal == terminal)
    }

    @Test func groups() {
        #expect(StatusGroup.allCases.map(\.labelFR) == ["Nouvelles", "Acceptées", "En cours", "Terminées", "Déclinées", "Annulées", "Expirées"])
        #expect(StatusGroup.enCours.rawValue == "en_cours")
        #expect(StatusGroup.enCours.statuses == [.arrive, .diagnostic, .reparation])
        #expect(StatusGroup.allCases.flatMap(\.statuses).count == RequestStatus.allCases.count)
    }

    @Test(arguments: [
        (MissionEventKind.accepted, [ActorRole.provider]),
        (.declined, [.provider]),
        (.reoffered, [.system, .hubOperator, .ops]),
        (.reassigned, [.ops]),
        (.arrived, [.provider]),
        (.diagnosed, [.provider]),
        (.repairing, [.provider]),
        (.completed, [.provider, .hubOperator]),
        (.cancelled, [.client, .ops, .hubOperator]),
        (.expired, [.system]),
        (.reopened, [.ops, .hubOperator]),
    ])
    func allowedActors(_ kind: MissionEventKind, roles: [ActorRole]) {
        #expect(MissionLifecycle.allowedActors(kind) == Set(roles))
    }

    /// Every legal non-reopen move, restated by hand from the product rules.
    static let forwardMoves: [(RequestStatus, MissionEventKind, RequestStatus)] = [
        (.nouvelle, .accepted, .acceptee),
        (.nouvelle, .declined, .declinee),
        (.declinee, .reoffered, .nouvelle), (.expiree, .reoffered, .nouvelle),
        (.nouvelle, .reassigned, .acceptee), (.declinee, .reassigned, .acceptee), (.expiree, .reassigned, .acceptee),
        (.acceptee, .arrived, .arrive),
        (.acceptee, .diagnosed, .diagnostic), (.arrive, .diagnosed, .diagnostic),
        (.acceptee, .repairing, .reparation), (.arrive, .repairing, .reparation), (.diagnostic, .repairing, .reparation),
        (.acceptee, .completed, .terminee), (.arrive, .completed, .terminee), (.diagnostic, .completed, .terminee),
        (.reparation, .completed, .terminee),
        (.nouvelle, .cancelled, .annulee), (.declinee, .cancelled, .annulee), (.acceptee, .cancelled, .annulee),
        (.nouvelle, .expired, .expiree), (.declinee, .expired, .expiree),
    ]

    @Test func forwardTransitionsAreExactlyTheRules() {
        for from in RequestStatus.allCases {
            for kind in MissionEventKind.allCases where kind != .reopened {
                let expected = Self.forwardMoves.first { $0.0 == from && $0.1 == kind }?.2
                #expect(MissionLifecycle.transition(from: from, kind: kind, reopenTo: nil) == expected, "\(from) –\(kind)→")
            }
        }
    }

    @Test(arguments: [RequestStatus.arrive, .diagnostic, .reparation, .terminee])
    func cancelAndReassignAreIllegalOnceWorkStarted(_ status: RequestStatus) {
        #expect(MissionLifecycle.transition(from: status, kind: .cancelled, reopenTo: nil) == nil)
        #expect(MissionLifecycle.transition(from: status, kind: .reassigned, reopenTo: nil) == nil)
    }

    @Test func reopenGoesOnlyToAnEarlierStatus() {
        let path: [RequestStatus] = [.nouvelle, .acceptee, .arrive, .diagnostic, .reparation, .terminee]
        for from in RequestStatus.allCases {
            for target in RequestStatus.allCases {
                let legal: Bool
                if let fromIndex = path.firstIndex(of: from) {
                    legal = path.firstIndex(of: target).map { $0 < fromIndex } ?? false
                } else {
                    legal = target == .nouvelle || target == .acceptee
                }
                #expect((MissionLifecycle.transition(from: from, kind: .reopened, reopenTo: target) == target) == legal, "\(from) → \(target)")
                #expect(MissionLifecycle.transition(from: from, kind: .reopened, reopenTo: target) == (legal ? target : nil))
            }
            #expect(MissionLifecycle.transition(from: from, kind: .reopened, reopenTo: nil) == nil)
        }
    }

    @Test func tableMatchesTransition() {
        let table = MissionLifecycle.table
        #expect(table.count == 43)
        #expect(Set(table).count == table.count)
        for row in table {
            #expect(MissionLifecycle.transition(from: row.from, kind: row.kind, reopenTo: row.to) == row.to)
        }
        #expect(table.filter { $0.kind != .reopened }.count == Self.forwardMoves.count)
    }

    @Test func stageOfEachKind() {
        #expect(MissionEventKind.allCases.compactMap(\.stage) == [.arrive, .diagnostic, .reparation, .terminee])
    }

    @Test(arguments: [
        (MissionConflictKind.alreadyAssigned, "already_assigned", ConflictSeverity.warning),
        (.reassignRefused, "reassign_refused", .warning),
        (.lateCancellation, "late_cancellation", .warning),
        (.workAfterCancellation, "work_after_cancellation", .warning),
        (.staleStage, "stale_stage", .info),
        (.notAssignedProvider, "not_assigned_provider", .warning),
        (.unauthorizedActor, "unauthorized_actor", .warning),
        (.illegalTransition, "illegal_transition", .warning),
        (.duplicateEvent, "duplicate_event", .info),
    ])
    func conflictKinds(_ kind: MissionConflictKind, raw: String, severity: ConflictSeverity) {
        #expect(kind.rawValue == raw)
        #expect(kind.severity == severity)
        #expect(MissionConflict(eventId: "e", kind: kind).messageFR == kind.defaultMessageFR)
    }

    @Test func conflictMessagesFromTheRules() {
        #expect(MissionConflictKind.alreadyAssigned.defaultMessageFR == "Demande déjà attribuée")
        #expect(MissionConflictKind.reassignRefused.defaultMessageFR == "Réattribution refusée : déjà acceptée")
        #expect(ConflictSeverity.info < .warning && ConflictSeverity.warning < .critical)
    }

    @Test func eventCodesWithSnakeCaseEnumsAndPackedHLC() throws {
        let event = MissionEvent(
            id: "e1", requestId: "r1", kind: .reopened, actorRole: .hubOperator, actorId: "op", hlc: HLC(wallMillis: 5, counter: 1),
            originNode: "hub", reopenTo: .acceptee)
        let data = try JSONEncoder().encode(event)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["actorRole"] as? String == "hub_operator")
        #expect(object["hlc"] as? Int == 5 << 16 | 1)
        #expect(try JSONDecoder().decode(MissionEvent.self, from: data) == event)
    }
}
