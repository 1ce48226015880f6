import DjobeaDomain
import GRDB

/// The columns of every synced table, read from SQLite at open, so that a write naming an unknown column is
/// refused before any SQL is built from it.
struct SchemaCatalog: Sendable {
    let columns: [SyncedTable: Set<String>]

    init(_ db: Database) throws {
        var columns: [SyncedTable: Set<String>] = [:]
        for table in SyncedTable.allCases {
            columns[table] = Set(try db.columns(in: table.rawValue).map(\.name))
        }
        self.columns = columns
    }

    func check(_ table: SyncedTable, columns names: some Sequence<String>) throws {
        let known = columns[table] ?? []
        for name in names where !known.contains(name) {
            throw StoreError.unknownColumn(table: table.rawValue, column: name)
        }
    }
}
