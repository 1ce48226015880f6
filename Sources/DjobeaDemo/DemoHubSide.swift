import DjobeaDomain
import DjobeaStore
import Foundation

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
        var wanted: [String: ColumnValues] = [:]
        for update in try await central.ownUpdates(of: .providers) {
            for (column, value) in update.columns where policy.columnOwner("providers", column) == .hub {
                wanted[update.key, default: [:]][column] = value
            }
        }
        guard !wanted.isEmpty else { return 0 }
        let ordered = wanted.sorted(by: { $0.key < $1.key })
        // The columns are replayed as central logged them, whichever they are: a generic update rather than a record's.
        return try await hub.write { tx in
            var updated = 0
            for (key, columns) in ordered where try tx.exists(.providers, key: key) {
                if try tx.update(.providers, key: key, columns) { updated += 1 }
            }
            return updated
        }
    }
}
