import DjobeaDomain
import DjobeaReplication
import GRDB

/// Writes of typed records, built on the generic `insert`/`update`/`delete` of either transaction (SQLite's
/// `SyncedTransaction`, the seam's `ReplicaTransaction`): a record is encoded to `ColumnValues`
/// by `SyncedRecord.syncedColumnValues()` and logged exactly as a hand-written write would be.
extension SyncedTransaction: ChangeLoggedWrites {
    /// This transaction through the storage seam (the sync core's folds, portable reads).
    public var connection: any ReplicaConnection { SQLiteReplicaConnection(transaction: self) }
}

extension ChangeLoggedWrites {
    /// Inserts the record as a new row; its non-NULL columns are written and logged (`insertedColumnValues()`: the
    /// others are NULL in the row all the same).
    @discardableResult
    public func insert<Record: SyncedRecord>(_ record: Record) throws -> String {
        try insert(Record.syncedTable, record.insertedColumnValues())
    }

    /// Updates only the named columns of the record's row to the record's values; as with the generic update, only
    /// the values that differ from the stored ones are written and logged.
    ///
    /// - Returns: whether anything changed.
    @discardableResult
    public func update<Record: MutableSyncedRecord>(_ record: Record, columns: [Record.Columns]) throws -> Bool {
        let values = try record.syncedColumnValues()
        var changes: ColumnValues = [:]
        for column in columns { changes[column.rawValue] = values[column.rawValue] ?? .null }
        return try update(Record.syncedTable, key: record.id, changes)
    }

    /// Deletes the record's row and leaves a tombstone.
    public func delete<Record: MutableSyncedRecord>(_ record: Record) throws {
        try delete(Record.syncedTable, key: record.id)
    }
}
