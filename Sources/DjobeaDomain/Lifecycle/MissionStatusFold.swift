import Foundation

/// Derives a request's state from its append-only events (CONFLICTS.md rules 1, 4 and 5).
///
/// Deterministic: any permutation or duplication of the same events gives the same state on every node.
public enum MissionStatusFold {
    /// The state after all `events` of one request, starting from `.nouvelle`.
    ///
    /// Events are deduplicated by id, ordered by (HLC, origin node, id) and applied one by one through
    /// `MissionLifecycle`; an event that cannot apply is kept as a conflict.
    public static func fold(_ events: [MissionEvent]) -> MissionState {
        let (ordered, collidingIds) = canonicalize(events)
        var state = MissionState()
        for event in ordered {
            if collidingIds.contains(event.id) {
                state.conflicts.append(
                    MissionConflict(
                        eventId: event.id, kind: .duplicateEvent,
                        messageFR: "Même identifiant reçu avec deux contenus différents : une seule version est retenue"))
            }
            apply(event, to: &state)
        }
        return state
    }

    /// The events deduplicated by id and in fold order.
    public static func canonicalOrder(_ events: [MissionEvent]) -> [MissionEvent] {
        canonicalize(events).ordered
    }

    // MARK: - Ordering

    private static func canonicalize(_ events: [MissionEvent]) -> (ordered: [MissionEvent], collidingIds: Set<String>) {
        var byId: [String: MissionEvent] = [:]
        var collidingIds: Set<String> = []
        for event in events {
            guard let existing = byId[event.id] else {
                byId[event.id] = event
                continue
            }
            guard existing != event else { continue }
            // One id, two contents: keep the smaller version so every node keeps the same one.
            collidingIds.insert(event.id)
            if precedes(event, existing) { byId[event.id] = event }
        }
        return (byId.values.sorted(by: precedes), collidingIds)
    }

    private static func precedes(_ lhs: MissionEvent, _ rhs: MissionEvent) -> Bool {
        if lhs.hlc != rhs.hlc { return lhs.hlc < rhs.hlc }
        if lhs.originNode != rhs.originNode { return lhs.originNode < rhs.originNode }
        if lhs.id != rhs.id { return lhs.id < rhs.id }
        return contentKey(lhs).lexicographicallyPrecedes(contentKey(rhs))
    }

    private static func contentKey(_ event: MissionEvent) -> [String] {
        let optionals = [event.actorId, event.providerId, event.reopenTo?.rawValue, event.reasonCode, event.note]
        return [event.requestId, event.kind.rawValue, event.actorRole.rawValue]
            + optionals.map { $0.map { "+" + $0 } ?? "-" }
    }

    // MARK: - Applying one event

    private static func apply(_ event: MissionEvent, to state: inout MissionState) {
        guard MissionLifecycle.allowedActors(event.kind).contains(event.actorRole) else {
            recordConflict(event, .unauthorizedActor, &state, "Action non autorisée pour le rôle « \(roleLabelFR(event.actorRole)) »")
            return
        }
        if let stage = event.kind.stage {
            applyStage(stage, event, &state)
            return
        }
        let status = state.status
        let target = MissionLifecycle.transition(from: status, kind: event.kind, reopenTo: event.reopenTo)
        switch event.kind {
        case .accepted, .reassigned:
            applyAssignment(event, target, &state)
        case .declined:
            if let target {
                state.status = target
                markApplied(event, &state)
            } else if status == .declinee {
                recordConflict(event, .duplicateEvent, &state, "Demande déjà déclinée")
            } else if status == .acceptee || status.isWorkStage {
                recordConflict(event, .alreadyAssigned, &state, "Demande déjà attribuée : refus ignoré")
            } else {
                recordConflict(event, .illegalTransition, &state, impossibleMessage(status))
            }
        case .reoffered:
            if let target {
                state.status = target
                state.setTime(from: nil, of: .expiree)
                markApplied(event, &state)
            } else if status == .nouvelle {
                recordConflict(event, .duplicateEvent, &state, "Demande déjà proposée")
            } else {
                recordConflict(event, .illegalTransition, &state, impossibleMessage(status))
            }
        case .cancelled:
            if let target {
                state.status = target
                state.setTime(from: event, of: .annulee)
                markApplied(event, &state)
            } else if status.isWorkStage {
                recordConflict(event, .lateCancellation, &state)
            } else if status == .annulee {
                recordConflict(event, .duplicateEvent, &state, "Demande déjà annulée")
            } else {
                recordConflict(event, .illegalTransition, &state, impossibleMessage(status))
            }
        case .expired:
            if let target {
                state.status = target
                state.setTime(from: event, of: .expiree)
                markApplied(event, &state)
            } else if status == .expiree {
                recordConflict(event, .duplicateEvent, &state, "Demande déjà expirée")
            } else {
                recordConflict(event, .illegalTransition, &state, impossibleMessage(status))
            }
        case .reopened:
            applyReopen(event, target, &state)
        case .arrived, .diagnosed, .repairing, .completed:
            break  // handled by applyStage above
        }
    }

    /// accepted and reassigned: first writer wins (CONFLICTS.md rules 1 and 2).
    private static func applyAssignment(_ event: MissionEvent, _ target: RequestStatus?, _ state: inout MissionState) {
        guard let provider = event.effectiveProviderId else {
            recordConflict(event, .illegalTransition, &state, "Attribution sans prestataire")
            return
        }
        let status = state.status
        if let target {
            state.status = target
            state.providerId = provider
            state.setTime(from: event, of: .acceptee)
            state.setTime(from: nil, of: .expiree)
            markApplied(event, &state)
        } else if let assigned = state.providerId, status == .acceptee || status.isWorkStage {
            if assigned == provider {
                recordConflict(event, .duplicateEvent, &state, "Demande déjà attribuée à ce prestataire")
            } else {
                recordConflict(event, event.kind == .reassigned ? .reassignRefused : .alreadyAssigned, &state)
            }
        } else {
            let message =
                switch (status, event.kind) {
                case (.annulee, .accepted): "Demande annulée par le client : acceptation refusée"
                case (.expiree, .accepted): "Offre expirée : acceptation refusée"
                case (.declinee, .accepted): "Demande déjà déclinée : acceptation refusée"
                default: impossibleMessage(status)
                }
            recordConflict(event, .illegalTransition, &state, message)
        }
    }

    /// Stage events move forward only; a stage's time is its earliest event (CONFLICTS.md rules 4 and 5).
    private static func applyStage(_ stage: RequestStatus, _ event: MissionEvent, _ state: inout MissionState) {
        if event.actorRole == .provider, let assigned = state.providerId, event.effectiveProviderId != assigned {
            recordConflict(event, .notAssignedProvider, &state)
            return
        }
        guard let current = state.status.progressRank, let wanted = stage.progressRank, current >= 1 else {
            if state.status == .annulee {
                recordConflict(event, .workAfterCancellation, &state)
            } else {
                recordConflict(event, .illegalTransition, &state, "Mission pas encore acceptée : étape « \(stage.labelFR) » refusée")
            }
            return
        }
        if state.time(of: stage) == nil { state.setTime(from: event, of: stage) }
        if wanted > current {
            state.status = stage
            markApplied(event, &state)
        } else if wanted == current {
            markApplied(event, &state)
        } else {
            recordConflict(
                event, .staleStage, &state, "Étape « \(stage.labelFR) » reçue après « \(state.status.labelFR) » : conservée pour information")
        }
    }

    /// Reopen goes back to an earlier status and forgets the times of the stages after it.
    private static func applyReopen(_ event: MissionEvent, _ target: RequestStatus?, _ state: inout MissionState) {
        guard let target, let targetRank = target.progressRank else {
            let wanted = event.reopenTo.map { "« \($0.labelFR) »" } ?? "un statut non précisé"
            recordConflict(event, .illegalTransition, &state, "Réouverture impossible de « \(state.status.labelFR) » vers \(wanted)")
            return
        }
        if targetRank >= 1 && state.providerId == nil {
            recordConflict(event, .illegalTransition, &state, "Réouverture impossible : aucun prestataire attribué")
            return
        }
        for status in RequestStatus.allCases {
            if let rank = status.progressRank, rank > targetRank { state.setTime(from: nil, of: status) }
        }
        state.setTime(from: nil, of: .annulee)
        state.setTime(from: nil, of: .expiree)
        if targetRank == 0 { state.providerId = nil }
        state.status = target
        markApplied(event, &state)
    }

    // MARK: - Outcomes

    private static func markApplied(_ event: MissionEvent, _ state: inout MissionState) {
        state.lastEventAt = max(state.lastEventAt ?? event.hlc, event.hlc)
    }

    private static func recordConflict(
        _ event: MissionEvent, _ kind: MissionConflictKind, _ state: inout MissionState, _ message: String? = nil
    ) {
        state.conflicts.append(MissionConflict(eventId: event.id, kind: kind, messageFR: message))
    }

    private static func impossibleMessage(_ status: RequestStatus) -> String {
        "Action impossible : la demande est « \(status.labelFR) »"
    }

    private static func roleLabelFR(_ role: ActorRole) -> String {
        switch role {
        case .provider: "prestataire"
        case .client: "client"
        case .hubOperator: "opérateur du hub"
        case .ops: "équipe Djobea"
        case .system: "système"
        }
    }
}
