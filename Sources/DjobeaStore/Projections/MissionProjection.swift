import DjobeaDomain
import Foundation
import GRDB

extension SyncedTransaction {
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
        let state = try MissionProjection.refresh(requestId: requestId, in: db)
        // A local event that loses a rule is a conflict here as it is on every node that receives it (SPEC.md §4.6).
        _ = try ConflictLog.recordMission(state, now: UTCTimestamp.format(now), in: db)
        return (event, state)
    }

    /// Creates the `missions` row of a new request (status Nouvelle, no events yet).
    public func startLifecycle(requestId: String) throws {
        _ = try MissionProjection.refresh(requestId: requestId, in: db)
    }
}

/// The `missions` table: a query copy of each request's folded lifecycle, recomputed, never edited.
public enum MissionProjection {
    /// Every event of a request, in fold order.
    public static func events(requestId: String, in db: Database) throws -> [MissionEvent] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM mission_events WHERE request_id = ? ORDER BY hlc, origin_node, id"),
            arguments: [requestId]
        ).map(event(from:))
    }

    /// Folds the request's events and writes the result to `missions`.
    @discardableResult
    public static func refresh(requestId: String, in db: Database) throws -> MissionState {
        let state = MissionStatusFold.fold(try events(requestId: requestId, in: db))
        // Shown times are the events' wall-clock times, never their HLCs (SPEC.md §2.2).
        func time(_ status: RequestStatus) -> DatabaseValue { state.wallTime(of: status).map { UTCTimestamp.format($0).databaseValue } ?? .null }
        try db.cachedStatement(
            sql: """
                INSERT INTO missions (request_id, provider_id, status, accepted_at, arrived_at, diagnostic_at, repair_at,
                    completed_at, cancelled_at, expired_at, last_event_hlc, conflict_count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (request_id) DO UPDATE SET provider_id = excluded.provider_id, status = excluded.status,
                    accepted_at = excluded.accepted_at, arrived_at = excluded.arrived_at, diagnostic_at = excluded.diagnostic_at,
                    repair_at = excluded.repair_at, completed_at = excluded.completed_at, cancelled_at = excluded.cancelled_at,
                    expired_at = excluded.expired_at, last_event_hlc = excluded.last_event_hlc,
                    conflict_count = excluded.conflict_count
                """
        ).execute(arguments: [
            requestId, state.providerId, state.status.rawValue, time(.acceptee), time(.arrive), time(.diagnostic), time(.reparation),
            time(.terminee), time(.annulee), time(.expiree), state.lastEventAt?.packed, state.conflicts.count,
        ])
        return state
    }

    static func event(from row: Row) throws -> MissionEvent {
        let kindText: String = row["kind"]
        let roleText: String = row["actor_role"]
        guard let kind = MissionEventKind(rawValue: kindText), let role = ActorRole(rawValue: roleText) else {
            throw StoreError.invalid("mission_events: unknown kind \(kindText) or role \(roleText)")
        }
        let reopen: String? = row["reopen_to"]
        let occurred: String? = row["occurred_at"]
        return MissionEvent(
            id: row["id"], requestId: row["request_id"], kind: kind, actorRole: role, actorId: row["actor_id"],
            providerId: row["provider_id"], hlc: HLC(packed: row["hlc"]), originNode: row["origin_node"],
            reopenTo: reopen.flatMap(RequestStatus.init(rawValue:)), reasonCode: row["reason_code"], note: row["note"],
            occurredAt: occurred.flatMap(UTCTimestamp.parse))
    }
}
