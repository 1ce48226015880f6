import DjobeaDomain
import Foundation
import GRDB

/// The provider's own account: profile, settings, availability and absences (`/provider/profile`,
/// `/provider/settings`, `/provider/availability`).
///
/// Every function takes the calling provider's id and reads or writes only that provider's rows; another
/// provider's ids answer `notFound`, exactly like ids that do not exist. Reads take a `Database`; commands take the
/// `SyncedTransaction` they write in (so every write is change-logged) and use its `now`. `NodeDatabase` has an
/// async wrapper for each.
public enum ProviderAccount {
    /// Throws `notFound` unless the provider exists.
    static func requireProvider(_ providerId: String, in db: Database) throws {
        let exists =
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM providers WHERE id = ?)"), arguments: [providerId]) ?? false
        guard exists else { throw ProviderAccountError.notFound(resource: "provider") }
    }

    /// Writes `columns` and `updated_at` in one logged update when at least one column differs from the stored
    /// row, so that a save that changes nothing leaves no trace in the change log.
    ///
    /// - Returns: whether anything changed.
    @discardableResult
    static func updateStamped(_ table: SyncedTable, key: String, _ columns: ColumnValues, in tx: SyncedTransaction) throws -> Bool {
        let names = columns.keys.sorted()
        guard !names.isEmpty,
            let stored = try Row.fetchOne(tx.db, sql: "SELECT \(names.joined(separator: ", ")) FROM \(table.rawValue) WHERE id = ?", arguments: [key])
        else { return false }
        let differs = names.enumerated().contains { index, name in ColumnValue(stored[index] as DatabaseValue) != columns[name] }
        guard differs else { return false }
        return try tx.update(table, key: key, columns.merging(["updated_at": ColumnValue(tx.now)]) { given, _ in given })
    }
}
