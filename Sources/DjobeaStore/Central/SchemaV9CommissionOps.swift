import GRDB

/// Commission rates and provider levels as ops actions (SPEC.md §4.4.4, *Rate versions* and *Levels*): `ops_actions`
/// takes four more kinds: `add_commission_rate` (a new rate version), `recompute_levels` (the level rule applied to
/// every provider), `set_provider_level` (one provider's level set by the rule, one row per change) and
/// `override_provider_level` (a level set by hand by ops, which the rule then leaves alone until ops hand it back).
///
/// SQLite cannot widen a CHECK in place: the table is rebuilt from its own stored definition with the kinds added to
/// its `kind IN (…)` list, so kinds another migration added are kept whatever the order the two run in, and running it
/// on a table that already has them changes nothing.
enum SchemaV9CommissionOps {
    static let kinds = ["add_commission_rate", "recompute_levels", "set_provider_level", "override_provider_level"]

    static func migrate(_ db: Database) throws {
        guard let table = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ops_actions'") else {
            return
        }
        let missing = kinds.filter { !table.contains("'\($0)'") }
        guard !missing.isEmpty, let list = table.range(of: "kind IN (") else { return }
        var widened = table
        widened.insert(contentsOf: missing.map { "'\($0)', " }.joined(), at: list.upperBound)
        // The indexes and triggers of the table, recreated after the rebuild.
        let attached = try String.fetchAll(
            db, sql: "SELECT sql FROM sqlite_master WHERE tbl_name = 'ops_actions' AND type IN ('index', 'trigger') AND sql IS NOT NULL")
        try db.execute(sql: "ALTER TABLE ops_actions RENAME TO ops_actions_before_v9")
        try db.execute(sql: widened)
        try db.execute(sql: "INSERT INTO ops_actions SELECT * FROM ops_actions_before_v9")
        try db.execute(sql: "DROP TABLE ops_actions_before_v9")
        for statement in attached {
            try db.execute(sql: statement)
        }
    }
}
