import DjobeaDomain
import GRDB

/// Writes to `provider_credentials`, a synced table: only through `SyncedTransaction`.
enum CredentialRecords {
    /// Sets columns of a provider's credentials row, creating it if needed.
    ///
    /// A new row takes an id derived from the provider id, so two hubs that each create one make the same row and
    /// sync merges them instead of colliding on `UNIQUE (provider_id)`.
    static func set(_ columns: ColumnValues, providerId: String, in tx: SyncedTransaction) throws {
        let stamp = ColumnValue(tx.now)
        if let id = try String.fetchOne(tx.db, sql: "SELECT id FROM provider_credentials WHERE provider_id = ?", arguments: [providerId]) {
            var changes = columns
            changes["updated_at"] = stamp
            try tx.update(.providerCredentials, key: id, changes)
        } else {
            var values = columns
            values["id"] = .text(DjobeaID.derived(namespace: "provider_credentials", name: providerId))
            values["provider_id"] = .text(providerId)
            values["updated_at"] = stamp
            try tx.insert(.providerCredentials, values)
        }
    }
}
