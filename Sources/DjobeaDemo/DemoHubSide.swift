import DjobeaDomain
import DjobeaStore
import Foundation
import GRDB

/// The demo generates its whole history at central, but some of it is provider actions that only a hub may make
/// (going away, editing a bio: CONFLICTS.md rule 12). Central's copies of those writes are refused by the hub's
/// merge, so after the first sync the hub makes them itself, as the provider would have; sync then carries them back
/// to central, and both nodes agree.
public enum DemoHubSide {
    /// Re-applies at `hub` the latest value of each provider-owned column that central's generator wrote: central's own
    /// changes only, never a hub's change that central quarantined or holds.
    /// Returns the number of rows updated (0 when already done).
    @discardableResult
    public static func replayProviderActions(central: NodeDatabase, hub: NodeDatabase) async throws -> Int {
        let policy = ReplicationPolicy.v1
        let wanted: [String: ColumnValues] = try await central.read { db in
            var latest: [String: ColumnValues] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT row_key, columns FROM change_log
                    WHERE table_name = 'providers' AND op = 'update' AND origin_node = ? AND quarantined = 0 AND held = 0
                    ORDER BY hlc, origin_seq
                    """, arguments: [central.nodeId])
            {
                let columns = try ColumnValuesJSON.decode(row["columns"])
                for (column, value) in columns where policy.columnOwner("providers", column) == .hub {
                    latest[row["row_key"], default: [:]][column] = value
                }
            }
            return latest
        }
        guard !wanted.isEmpty else { return 0 }
        return try await hub.write { tx in
            var updated = 0
            for (key, columns) in wanted.sorted(by: { $0.key < $1.key }) where try tx.exists(.providers, key: key) {
                if try tx.update(.providers, key: key, columns) { updated += 1 }
            }
            return updated
        }
    }
}
