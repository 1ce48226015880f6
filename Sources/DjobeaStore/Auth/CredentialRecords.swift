import DjobeaDomain
import GRDB

/// Writes to `provider_credentials`, a synced table: only through `SyncedTransaction`, as `ProviderCredentialRecord`s.
enum CredentialRecords {
    /// Sets the provider's password hash, creating their credentials row if needed.
    static func set(passwordHash: String, providerId: String, in tx: SyncedTransaction) throws {
        try set(.passwordHash, providerId: providerId, in: tx) { $0.passwordHash = passwordHash }
    }

    /// Sets (or clears, with nil) the provider's sealed TOTP secret, creating their credentials row if needed.
    static func set(totpSecret: String?, providerId: String, in tx: SyncedTransaction) throws {
        try set(.totpSecret, providerId: providerId, in: tx) { $0.totpSecret = totpSecret }
    }

    /// Sets `column` of a provider's credentials row (by `change`), and `updated_at`, creating the row if needed.
    ///
    /// A new row takes an id derived from the provider id, so two hubs that each create one make the same row and
    /// sync merges them instead of colliding on `UNIQUE (provider_id)`.
    private static func set(
        _ column: ProviderCredentialRecord.Columns, providerId: String, in tx: SyncedTransaction,
        change: (inout ProviderCredentialRecord) -> Void
    ) throws {
        let stamp = UTCTimestamp.format(tx.now)
        if var record = try ProviderCredentialRecord.fetchOne(
            tx.db, sql: "SELECT * FROM provider_credentials WHERE provider_id = ?", arguments: [providerId])
        {
            change(&record)
            record.updatedAt = stamp
            try tx.update(record, columns: [column, .updatedAt])
        } else {
            var record = ProviderCredentialRecord(
                id: DjobeaID.derived(namespace: "provider_credentials", name: providerId), providerId: providerId, passwordHash: nil,
                totpSecret: nil, updatedAt: stamp)
            change(&record)
            try tx.insert(record)
        }
    }
}
