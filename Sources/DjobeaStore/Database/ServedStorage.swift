import DjobeaDomain
import DjobeaReplication
import Foundation

/// The storage a running node serves from, whatever its engine: SQLite (`NodeDatabase`: every hub, and central
/// embedded) or PostgreSQL (central at scale). It is the sync seam (`ReplicaStorage`) plus what the HTTP layer and the
/// node's loops read about the storage itself: its health, the figures of `/metrics`, and a probe write.
public protocol ServedStorage: ReplicaStorage {
    /// Storage failures seen by the node's writes (a full disk, a lost database): `/healthz` and `/metrics` tell them.
    var storageHealth: StorageHealth { get }
    /// The newest schema version this build knows (the stored one may lag behind until migrations run).
    var latestSchemaVersion: Int { get }
    /// The stored schema version and the row counts of the synced tables, the missions projection and the change log.
    func healthSnapshot() async throws -> (schemaVersion: Int, rowCounts: [String: Int])
    /// A small real write: its success clears a degradation.
    func probeStorage(now: Date) async throws
    /// The database-derived series of `/metrics` at `now`.
    func metricsSnapshot(now: Date) async throws -> NodeMetricsSnapshot
}

/// The tables `/healthz` counts: every synced table, the missions projection and the change log.
public let healthCountedTables = SyncedTable.allCases.map(\.rawValue) + [LocalTable.missions.rawValue, LocalTable.changeLog.rawValue]

/// Francs CFA of every canonical payment among `entries` (a MoMo transaction recorded twice counts once; reversals are
/// not subtracted, so the `/metrics` series only grows).
public func canonicalPaymentFrancs(_ entries: [LedgerEntry]) -> Int {
    let balance = PaymentLedger.fold(entries)
    let byId = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    return balance.canonicalPaymentIds.compactMap { byId[$0]?.amount.francs }.reduce(0, +)
}

extension ReplicaStorage {
    /// Row counts over the seam (`healthCountedTables`).
    public func seamRowCounts() async throws -> [String: Int] {
        try await replicaRead { connection in
            var counts: [String: Int] = [:]
            for table in healthCountedTables {
                counts[table] = Int(try connection.integer("SELECT count(*) FROM \(table)") ?? 0)
            }
            return counts
        }
    }

    /// Francs CFA of every canonical payment of the ledger (a MoMo transaction recorded twice counts once), over the seam.
    public func seamEarningsFrancs() async throws -> Int {
        try await replicaRead { connection in
            canonicalPaymentFrancs(
                try connection.query(
                    "SELECT * FROM \(SyncedTable.ledgerEntries.rawValue) WHERE kind = ?", [.text(LedgerEntryKind.payment.rawValue)]
                ).map { try ReplicatedRows.ledgerEntry(from: $0.columns) })
        }
    }
}

extension NodeDatabase: ServedStorage {
    public var storageHealth: StorageHealth { storage }
    public var latestSchemaVersion: Int { Self.latestSchemaVersion }

    public func metricsSnapshot(now: Date) async throws -> NodeMetricsSnapshot {
        try await MetricsStore(self).snapshot(now: now)
    }
}
