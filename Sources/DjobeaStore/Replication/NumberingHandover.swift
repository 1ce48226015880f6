import DjobeaDomain
import DjobeaReplication
import Foundation

/// The numbering of a moved provider's documents (SPEC.md 4.8): the old hub keeps it (`providers.numbering_hub_id`)
/// until central knows every document it made has arrived; then the provider's `hub_id` numbers them.
extension ReplicaStorage {
    /// Central, on each pull of hub `hubId`: the hub has applied central's log up to `cursor` and said it had
    /// `pendingOut` changes not yet at central. For each provider whose numbering it still holds though the provider
    /// moved away, if the hub has applied the provider's latest row (so it knows of the move and refuses the
    /// provider's sessions) and nothing of its is pending, every document it made for them is here: the numbering
    /// passes to the provider's hub (`numbering_hub_id` set to NULL). Returns how many providers were handed over.
    public func settleNumberingHandovers(hubId: String, cursor: Int64, pendingOut: Int, now: Date = Date()) async throws -> Int {
        guard pendingOut == 0 else { return 0 }
        let held = try await replicaRead { connection in
            try connection.query(
                "SELECT id FROM providers WHERE numbering_hub_id = ? AND (hub_id IS NULL OR hub_id <> ?)", [.text(hubId), .text(hubId)]
            ).compactMap { $0[0].textValue }
        }
        guard !held.isEmpty else { return 0 }
        return try await localWrite(critical: false, now: now) { tx -> Int in
            var settled = 0
            for id in held {
                guard var provider = try tx.connection.record(ProviderRecord.self, "SELECT * FROM providers WHERE id = ?", [.text(id)]),
                    provider.numberingHubId == hubId
                else { continue }
                let latest =
                    try tx.connection.integer(
                        "SELECT max(local_seq) FROM change_log WHERE table_name = ? AND row_key = ?",
                        [.text(SyncedTable.providers.rawValue), .text(id)]) ?? 0
                guard cursor >= latest else { continue }
                provider.numberingHubId = nil
                provider.updatedAt = UTCTimestamp.format(tx.now)
                try tx.update(provider, columns: [.numberingHubId, .updatedAt])
                settled += 1
            }
            return settled
        }
    }
}
