import Foundation

/// Who made a mission event.
public enum ActorRole: String, CaseIterable, Codable, Sendable {
    case provider
    case client
    case hubOperator = "hub_operator"
    case ops
    case system
}

/// What a mission event records.
public enum MissionEventKind: String, CaseIterable, Codable, Sendable {
    case accepted
    case declined
    case reoffered
    case reassigned
    case arrived
    case diagnosed
    case repairing
    case completed
    case cancelled
    case expired
    case reopened

    /// The work stage a stage event moves to (arrived → arrive … completed → terminee), nil for other kinds.
    public var stage: RequestStatus? {
        switch self {
        case .arrived: .arrive
        case .diagnosed: .diagnostic
        case .repairing: .reparation
        case .completed: .terminee
        default: nil
        }
    }
}

/// One append-only event of a request's life; the status is a fold over these (CONFLICTS.md rule 4).
public struct MissionEvent: Hashable, Codable, Sendable {
    public var id: String
    public var requestId: String
    public var kind: MissionEventKind
    public var actorRole: ActorRole
    public var actorId: String?
    /// accepted: the accepting provider; reassigned: the new provider; stage events: the provider making them.
    public var providerId: String?
    public var hlc: HLC
    public var originNode: String
    /// reopened: the earlier status to go back to.
    public var reopenTo: RequestStatus?
    /// declined: a `DeclineReason` raw value; cancelled or reopened: a free code.
    public var reasonCode: String?
    public var note: String?
    /// The origin's wall-clock time of the event: what people are shown (SPEC.md §2.2). The HLC orders events; it is
    /// never displayed, because a peer's fast clock can drag it ahead of real time.
    public var occurredAt: Date?

    public init(
        id: String, requestId: String, kind: MissionEventKind, actorRole: ActorRole, actorId: String? = nil,
        providerId: String? = nil, hlc: HLC, originNode: String, reopenTo: RequestStatus? = nil,
        reasonCode: String? = nil, note: String? = nil, occurredAt: Date? = nil
    ) {
        self.id = id
        self.requestId = requestId
        self.kind = kind
        self.actorRole = actorRole
        self.actorId = actorId
        self.providerId = providerId
        self.hlc = hlc
        self.originNode = originNode
        self.reopenTo = reopenTo
        self.reasonCode = reasonCode
        self.note = note
        self.occurredAt = occurredAt
    }

    /// The provider this event speaks for: `providerId`, or the actor when a provider made it.
    public var effectiveProviderId: String? {
        providerId ?? (actorRole == .provider ? actorId : nil)
    }
}
