import DjobeaDomain
import Foundation
import GRDB

/// Series of `/metrics` that are read from the database at scrape time rather than counted in memory, so they
/// survive restarts and include what arrived by sync.
public struct NodeMetricsSnapshot: Sendable, Hashable {
    /// Providers with a live session (not revoked, not expired) active in the last 15 minutes.
    public var activeProviders: Int
    /// Francs CFA of every canonical payment in the ledger (duplicates of one operator transaction count once);
    /// reversals are not subtracted, so the series only grows, as a Prometheus counter must.
    public var earningsFrancs: Int

    public init(activeProviders: Int, earningsFrancs: Int) {
        self.activeProviders = activeProviders
        self.earningsFrancs = earningsFrancs
    }
}

public enum NodeMetricsQuery {
    /// A provider counts as active when a session of theirs moved within this window.
    public static let activeWindow: TimeInterval = 15 * 60

    /// The snapshot at `now`.
    public static func snapshot(now: Date, in db: Database) throws -> NodeMetricsSnapshot {
        let active =
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(DISTINCT provider_id) FROM provider_sessions
                    WHERE revoked_at IS NULL AND expires_at > ? AND last_activity >= ?
                    """, arguments: [UTCTimestamp.format(now), UTCTimestamp.format(now.addingTimeInterval(-activeWindow))]) ?? 0
        let entries = try LedgerReads.entries(sql: "kind = \(LedgerEntryKind.payment.sqlLiteral)", arguments: [], in: db)
        return NodeMetricsSnapshot(activeProviders: active, earningsFrancs: canonicalPaymentFrancs(entries))
    }
}
