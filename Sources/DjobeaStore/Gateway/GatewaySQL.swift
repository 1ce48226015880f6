import DjobeaDomain
import DjobeaReplication
import Foundation

/// Small reads of the gateway's stores over the storage seam (SQLite or PostgreSQL).
extension ReplicaConnection {
    /// The first column of the first row as text; nil without a row or when it is NULL.
    func firstText(_ sql: String, _ arguments: [ColumnValue] = []) throws -> String? {
        try query(sql, arguments).first?.values.first?.textValue
    }

    /// The first column of the first row as an integer; nil without a row or when it is NULL.
    func firstInteger(_ sql: String, _ arguments: [ColumnValue] = []) throws -> Int64? {
        try query(sql, arguments).first?.values.first?.integerValue
    }

    /// Whether the query returns at least one row.
    func returnsRow(_ sql: String, _ arguments: [ColumnValue] = []) throws -> Bool {
        try !query(sql, arguments).isEmpty
    }
}

extension ReplicaStorage {
    /// A change-logged write that completes even when the calling task is being cancelled: for recording what the
    /// outside world already did (a message sent but not marked would be sent again). On SQLite it is
    /// `NodeDatabase.write` (same durability, same commit hooks); on PostgreSQL one transaction under the log's lock.
    public func recordOutcome<T: Sendable>(
        critical: Bool = true, _ body: @escaping @Sendable (any ChangeLoggedWrites) throws -> T
    ) async throws -> T {
        try await Task { try await self.localWrite(critical: critical, now: Date(), body) }.value
    }
}
