import DjobeaDomain
import DjobeaReplication
import Foundation
import GRDB

extension ChangeLoggedWrites {
    /// Appends a lifecycle event to a request and recomputes its `missions` row from all its events.
    ///
    /// The event is kept even when the fold refuses it (it then shows as a conflict): events are facts, the
    /// status is an opinion derived from them (DESIGN.md, sync principle 4).
    @discardableResult
    public func appendMissionEvent(
        requestId: String, kind: MissionEventKind, actorRole: ActorRole, actorId: String? = nil, providerId: String? = nil,
        reopenTo: RequestStatus? = nil, reasonCode: String? = nil, note: String? = nil, id: String? = nil
    ) throws -> (event: MissionEvent, state: MissionState) {
        let event = MissionEvent(
            id: id ?? DjobeaID.v7(now: now), requestId: requestId, kind: kind, actorRole: actorRole, actorId: actorId,
            providerId: providerId, hlc: stamp(), originNode: origin, reopenTo: reopenTo, reasonCode: reasonCode, note: note)
        try insert(
            .missionEvents,
            [
                "id": .text(event.id), "request_id": .text(requestId), "kind": .text(kind.rawValue),
                "actor_role": .text(actorRole.rawValue), "actor_id": ColumnValue(actorId), "provider_id": ColumnValue(providerId),
                "hlc": ColumnValue(event.hlc), "origin_node": .text(origin), "occurred_at": ColumnValue(now),
                "reopen_to": ColumnValue(reopenTo?.rawValue), "reason_code": ColumnValue(reasonCode), "note": ColumnValue(note),
            ])
        let connection = self.connection
        let events = try ReplicaFolds.missionEvents(requestId: requestId, in: connection)
        let state = try ReplicaFolds.refreshMission(requestId: requestId, events: events, in: connection)
        // A local event that loses a rule is a conflict here as it is on every node that receives it (SPEC.md §4.6).
        _ = try ConflictLog.recordMission(state, events: events, now: UTCTimestamp.format(now), in: connection)
        return (event, state)
    }

    /// Creates the `missions` row of a new request (status Nouvelle, no events yet).
    public func startLifecycle(requestId: String) throws {
        _ = try ReplicaFolds.refreshMission(requestId: requestId, in: connection)
    }
}

/// The `missions` table: a query copy of each request's folded lifecycle, recomputed, never edited. The fold and its
/// write are the sync core's (`ReplicaFolds`), one implementation for local writes and received changes.
public enum MissionProjection {
    /// Every event of a request, in fold order.
    public static func events(requestId: String, in db: Database) throws -> [MissionEvent] {
        try ReplicaFolds.missionEvents(requestId: requestId, in: SQLiteReplicaConnection(db: db))
    }

    /// Folds the request's events and writes the result to `missions`.
    @discardableResult
    public static func refresh(requestId: String, in db: Database) throws -> MissionState {
        try ReplicaFolds.refreshMission(requestId: requestId, in: SQLiteReplicaConnection(db: db))
    }
}
