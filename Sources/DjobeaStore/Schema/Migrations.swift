import GRDB

/// The store's migrations, applied in order at open. A shipped migration is never edited.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-data-model") { db in
            for part in [SchemaV1.reference, SchemaV1.providers, SchemaV1.requests, SchemaV1.communication, SchemaV1.finance, SchemaV1.sync] {
                try db.execute(sql: part)
            }
        }
        // Not yet shipped: each area of the provider API adds its tables here (one migration per area).
        let areas: [(String, String)] = [
            ("v2-auth", SchemaV2Auth.sql), ("v2-provider-requests", SchemaV2ProviderRequests.sql),
            ("v2-provider-account", SchemaV2ProviderAccount.sql), ("v2-offer-routing", SchemaV2OfferRouting.sql),
            ("v3-sync", SchemaV3Sync.sql), ("v3-sync-left", SchemaV3Sync.left),
            ("v4-bounded-clocks", SchemaV4Clocks.sql), ("v4-ops", SchemaV4Ops.sql), ("v4-auth-guards", SchemaV4AuthGuards.sql),
            ("v4-walk-in-clients", SchemaV4WalkInClients.sql), ("v5-gateway", SchemaV5Gateway.sql),
            // A rule's open conflicts are replaced each time it decides again (`ConflictLog.replace`): found by row.
            ("v6-conflict-rows", "CREATE INDEX sync_conflicts_row ON sync_conflicts(table_name, row_key)"),
            ("v7-zone-move-clients", SchemaV4Ops.zoneMoveClients), ("v8-collections", SchemaV8Collections.sql),
        ]
        for (name, sql) in areas {
            migrator.registerMigration(name) { db in
                if !sql.isEmpty { try db.execute(sql: sql) }
            }
        }
        // Ops kinds for commission rates and provider levels: rebuilds `ops_actions` from its own definition (Swift, not
        // one SQL text), so it keeps the kinds of any migration before it.
        migrator.registerMigration("v9-commission-ops") { db in try SchemaV9CommissionOps.migrate(db) }
        migrator.registerMigration("v10-credit-notes") { db in try db.execute(sql: SchemaV10CreditNotes.sql) }
        migrator.registerMigration("v11-quotes") { db in try db.execute(sql: SchemaV11Quotes.sql) }
        migrator.registerMigration("v12-invoice-pages") { db in try db.execute(sql: SchemaV12InvoicePages.sql) }
        migrator.registerMigration("v13-numbering-handover") { db in try db.execute(sql: SchemaV12InvoicePages.numberingHandover) }
        return migrator
    }

    /// The schema version a node reports: the number of migrations applied.
    static func schemaVersion(_ db: Database) throws -> Int {
        try migrator.appliedMigrations(db).count
    }

    static var latestSchemaVersion: Int { migrator.migrations.count }
}
