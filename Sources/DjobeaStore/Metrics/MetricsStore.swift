import Foundation
import GRDB

/// The database-derived figures of /metrics.
public struct MetricsStore: Sendable {
    public let database: NodeDatabase

    public init(_ database: NodeDatabase) {
        self.database = database
    }

    /// The database-derived metrics at `now` (see `NodeMetricsQuery`).
    public func snapshot(now: Date = Date()) async throws -> NodeMetricsSnapshot {
        try await database.read { db in try NodeMetricsQuery.snapshot(now: now, in: db) }
    }
}
