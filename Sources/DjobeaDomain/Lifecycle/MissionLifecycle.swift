import Foundation

/// One legal move of the request state machine: `from` –`kind`→ `to`.
public struct MissionTransition: Hashable, Codable, Sendable {
    public var from: RequestStatus
    public var kind: MissionEventKind
    public var to: RequestStatus

    public init(from: RequestStatus, kind: MissionEventKind, to: RequestStatus) {
        self.from = from
        self.kind = kind
        self.to = to
    }
}

/// The request and mission state machine as an explicit table; `MissionStatusFold` applies it.
public enum MissionLifecycle {
    /// The roles that may make each kind of event.
    public static func allowedActors(_ kind: MissionEventKind) -> Set<ActorRole> {
        switch kind {
        case .accepted, .declined, .arrived, .diagnosed, .repairing: [.provider]
        case .completed: [.provider, .hubOperator]
        case .reoffered: [.system, .hubOperator, .ops]
        case .reassigned: [.ops]
        case .cancelled: [.client, .ops, .hubOperator]
        case .expired: [.system]
        case .reopened: [.ops, .hubOperator]
        }
    }

    /// The status after `kind` in `from`, or nil when the move is illegal.
    ///
    /// For `.reopened`, `reopenTo` is the target and must be a row of the table; other kinds ignore it.
    public static func transition(from: RequestStatus, kind: MissionEventKind, reopenTo: RequestStatus?) -> RequestStatus? {
        if kind == .reopened {
            guard let target = reopenTo, index.contains(MissionTransition(from: from, kind: kind, to: target)) else { return nil }
            return target
        }
        return forward[Key(from: from, kind: kind)]
    }

    /// Every legal move, reopen targets included (43 rows).
    public static let table: [MissionTransition] = {
        var rows: [MissionTransition] = []
        func add(_ kind: MissionEventKind, from sources: [RequestStatus], to target: RequestStatus) {
            rows += sources.map { MissionTransition(from: $0, kind: kind, to: target) }
        }
        add(.accepted, from: [.nouvelle], to: .acceptee)
        add(.declined, from: [.nouvelle], to: .declinee)
        add(.reoffered, from: [.declinee, .expiree], to: .nouvelle)
        // Not from acceptee or later: assignment is first-writer-wins (CONFLICTS.md rule 1).
        add(.reassigned, from: [.nouvelle, .declinee, .expiree], to: .acceptee)
        // Work stages move forward only; skipping a stage is allowed.
        let path: [RequestStatus] = [.acceptee, .arrive, .diagnostic, .reparation, .terminee]
        for kind in [MissionEventKind.arrived, .diagnosed, .repairing, .completed] {
            guard let stage = kind.stage, let position = path.firstIndex(of: stage) else { continue }
            add(kind, from: Array(path[..<position]), to: stage)
        }
        // From a work stage a cancel is a late cancellation, not a move (CONFLICTS.md rule 5).
        add(.cancelled, from: [.nouvelle, .declinee, .acceptee], to: .annulee)
        add(.expired, from: [.nouvelle, .declinee], to: .expiree)
        let forwardPath: [RequestStatus] = [.nouvelle] + path
        for (position, source) in forwardPath.enumerated() {
            for target in forwardPath[..<position] {
                rows.append(MissionTransition(from: source, kind: .reopened, to: target))
            }
        }
        for source in [RequestStatus.declinee, .annulee, .expiree] {
            add(.reopened, from: [source], to: .nouvelle)
            add(.reopened, from: [source], to: .acceptee)
        }
        return rows
    }()

    private struct Key: Hashable {
        var from: RequestStatus
        var kind: MissionEventKind
    }

    private static let index = Set(table)

    private static let forward: [Key: RequestStatus] = {
        var map: [Key: RequestStatus] = [:]
        for row in table where row.kind != .reopened {
            map[Key(from: row.from, kind: row.kind)] = row.to
        }
        return map
    }()
}
