import DjobeaDomain
import Foundation
import GRDB

extension NodeDatabase {
    /// This node's own updates of `table`, in log order (HLC, then sequence): changes it made itself, never a peer's
    /// nor one it quarantined or holds.
    public func ownUpdates(of table: SyncedTable) async throws -> [(key: String, columns: ColumnValues)] {
        let node = nodeId
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT row_key, columns FROM change_log
                    WHERE table_name = ? AND op = \(RowOperation.update.sqlLiteral) AND origin_node = ? AND quarantined = 0 AND held = 0
                    ORDER BY hlc, origin_seq
                    """, arguments: [table.rawValue, node]
            ).map { row in (key: row["row_key"] as String, columns: try ColumnValuesJSON.decode(row["columns"])) }
        }
    }
}
