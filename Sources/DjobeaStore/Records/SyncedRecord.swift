import DjobeaDomain
import GRDB

/// A typed row of a synced table: read with GRDB (`FetchableRecord`), written only through `SyncedTransaction`
/// (`insert(_:)`, and `update(_:columns:)`/`delete(_:)` for a `MutableSyncedRecord`), so that every write lands in the
/// change log and change capture stays generic: a record is encoded to the same `ColumnValues` a hand-written write
/// passes, by one function (`syncedColumnValues()`).
///
/// Records are deliberately **not** `PersistableRecord` (nor `TableRecord`), although the issue that introduced them
/// named it: `PersistableRecord` would offer `record.insert(db)`, `record.update(db)` and `Record.deleteAll(db)`, writes
/// that go around the change log. SQLite refuses them at run time (`CaptureGuard`); without the conformance the type
/// system refuses them first, at compile time. Reads use `Record.fetchAll/fetchOne(db, sql:arguments:)` or a
/// `SQLRequest<Record>`.
///
/// Conventions: `Columns` lists every column of the table, with its SQL name as raw value (a test checks it against
/// `PRAGMA table_info`, so a migration adding a column fails until the record follows); the record's `CodingKeys`
/// are its `Columns`. Times stay the stored UTC text (`UTCTimestamp`), money integer francs, booleans `Bool`, states
/// and kinds the enums of `DjobeaDomain` (or small ones in the store) whose raw values are the schema's strings.
///
/// The pattern (absences in `ProviderAccount+Availability.swift`, offers in `ProviderRequestCommands.swift`):
///
/// ```swift
/// let absence = try AbsenceRecord.fetchOne(db, sql: "SELECT * FROM absences WHERE id = ?", arguments: [id])
/// try tx.insert(AbsenceRecord(id: DjobeaID.v7(now: tx.now), providerId: providerId, ...))  // its non-NULL columns logged
/// offer.state = .accepted
/// offer.answeredAt = UTCTimestamp.format(tx.now)
/// try tx.update(offer, columns: [.state, .answeredAt])  // only the named columns, only changed values logged
/// try tx.delete(absence)  // a tombstone travels by sync
/// ```
public protocol SyncedRecord: FetchableRecord, EncodableRecord, Encodable, Sendable {
    /// Every column of the table; its raw value is the SQL column name.
    associatedtype Columns: ColumnExpression, CaseIterable, RawRepresentable<String>
    /// The table the record is a row of.
    static var syncedTable: SyncedTable { get }
    /// The row key (a UUIDv7).
    var id: String { get }
}

/// A record of a table that is not append-only: it may be updated and deleted through `SyncedTransaction`.
/// The append-only tables (`mission_events`, `ledger_entries`) have records that are only `SyncedRecord`, so an
/// update or a delete of one does not compile.
public protocol MutableSyncedRecord: SyncedRecord {}

extension SyncedRecord {
    /// The one encoding of a record to change-log columns (`ColumnValuesEncoder`: text, integers, booleans as 0/1,
    /// enums by raw value), every `Columns` case present (NULL when the record left it out). A real number, data or a
    /// nested value is refused: synced tables hold only integers, text and null. A column the table does not have
    /// (only a hand-written `encode(to:)` could add one) is refused by change capture's schema check on the write.
    public func syncedColumnValues() throws -> ColumnValues {
        var values = try ColumnValuesEncoder.encode(self, table: Self.syncedTable.rawValue)
        for column in Columns.allCases where values[column.rawValue] == nil { values[column.rawValue] = .null }
        return values
    }

    /// What an insert of the record writes and logs: its columns that are not NULL. An absent column is NULL in the new
    /// row, here and on every node that applies the change, because no nullable column of a synced table has a
    /// non-NULL default (`SyncedRecordTests` keeps it so); the change log and the sync messages stay as small as the
    /// row's content (SPEC.md §2.1).
    public func insertedColumnValues() throws -> ColumnValues {
        let values = try ColumnValuesEncoder.encode(self, table: Self.syncedTable.rawValue)
        return values.values.contains(.null) ? values.filter { $0.value != .null } : values
    }
}
