import Foundation

/// How loudly a conflict is shown to ops.
public enum ConflictSeverity: String, CaseIterable, Codable, Sendable, Comparable {
    /// Kept for the record; nothing to decide.
    case info
    /// Someone's action was overridden; ops should look.
    case warning
    /// Money may be wrong; ops must act.
    case critical

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }

    public static func < (lhs: ConflictSeverity, rhs: ConflictSeverity) -> Bool { lhs.rank < rhs.rank }
}

/// Why a mission event did not apply as made.
public enum MissionConflictKind: String, Codable, Sendable, CaseIterable {
    /// An accept after another accept or a reassignment.
    case alreadyAssigned = "already_assigned"
    /// A reassignment after the request was accepted (CONFLICTS.md rule 1).
    case reassignRefused = "reassign_refused"
    /// A cancel after a work stage: the mission stands (CONFLICTS.md rule 5).
    case lateCancellation = "late_cancellation"
    /// A work stage after the cancel: the mission stays cancelled (CONFLICTS.md rule 5).
    case workAfterCancellation = "work_after_cancellation"
    /// A stage behind the current one, e.g. from a second device: kept, informational.
    case staleStage = "stale_stage"
    /// A stage event from a provider who is not the assigned one.
    case notAssignedProvider = "not_assigned_provider"
    /// The actor's role may not make this kind of event.
    case unauthorizedActor = "unauthorized_actor"
    /// Any other move the state machine does not allow.
    case illegalTransition = "illegal_transition"
    /// The same fact twice (a second cancel, two devices accepting for one provider, one id with two contents).
    case duplicateEvent = "duplicate_event"

    public var severity: ConflictSeverity {
        switch self {
        case .staleStage, .duplicateEvent: .info
        default: .warning
        }
    }

    /// The message shown when nothing more specific is known.
    public var defaultMessageFR: String {
        switch self {
        case .alreadyAssigned: "Demande déjà attribuée"
        case .reassignRefused: "Réattribution refusée : déjà acceptée"
        case .lateCancellation: "Annulation tardive : le prestataire avait déjà commencé la mission"
        case .workAfterCancellation: "Étape signalée après l'annulation de la demande"
        case .staleStage: "Étape déjà dépassée, conservée pour information"
        case .notAssignedProvider: "Ce prestataire n'est pas attribué à cette mission"
        case .unauthorizedActor: "Action non autorisée pour ce rôle"
        case .illegalTransition: "Action impossible dans le statut actuel"
        case .duplicateEvent: "Événement en double"
        }
    }
}

/// A mission event that lost or was illegal: kept and shown to ops and to the provider.
public struct MissionConflict: Hashable, Codable, Sendable {
    public var eventId: String
    public var kind: MissionConflictKind
    public var messageFR: String

    public init(eventId: String, kind: MissionConflictKind, messageFR: String? = nil) {
        self.eventId = eventId
        self.kind = kind
        self.messageFR = messageFR ?? kind.defaultMessageFR
    }

    public var severity: ConflictSeverity { kind.severity }
}
