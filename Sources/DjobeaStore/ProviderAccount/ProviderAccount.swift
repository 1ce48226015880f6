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
}
