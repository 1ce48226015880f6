import DjobeaDomain
import Foundation
import GRDB

/// The node's `sync_conflicts` table (SPEC.md §4.6). A conflict's id is derived from what it is about, so every node
/// that sees the same changes records the same conflicts under the same ids, whether the losing change was made
/// locally or received.
enum ConflictLog {
    /// Records a conflict once; returns 1 if it is new.
    static func record(
        kind: String, rule: String, table: String, key: String, winner: ColumnValues?, loser: ColumnValues, now: String, in db: Database
    ) throws -> Int {
        let loserJSON = ColumnValuesJSON.encode(loser)
        let id = DjobeaID.derived(namespace: "sync-conflict", name: "\(kind)|\(table)|\(key)|\(loserJSON)")
        try db.cachedStatement(
            sql: """
                INSERT INTO sync_conflicts (id, table_name, row_key, kind, rule, winner, loser, detected_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                """
        ).execute(arguments: [id, table, key, kind, rule, winner.map(ColumnValuesJSON.encode), loserJSON, now])
        return db.changesCount
    }

    /// Records the conflicts of a request's mission fold (SPEC.md §4.3); returns how many are new.
    static func recordMission(_ state: MissionState, now: String, in db: Database) throws -> Int {
        var recorded = 0
        for conflict in state.conflicts {
            recorded += try record(
                kind: conflict.kind.rawValue, rule: conflict.kind.rule, table: SyncedTable.missionEvents.rawValue, key: conflict.eventId,
                winner: nil, loser: ["event_id": .text(conflict.eventId), "message": .text(conflict.messageFR)], now: now, in: db)
        }
        return recorded
    }
}
