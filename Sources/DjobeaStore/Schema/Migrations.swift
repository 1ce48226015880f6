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
        return migrator
    }

    /// The schema version a node reports: the number of migrations applied.
    static func schemaVersion(_ db: Database) throws -> Int {
        try migrator.appliedMigrations(db).count
    }

    static var latestSchemaVersion: Int { migrator.migrations.count }
}
