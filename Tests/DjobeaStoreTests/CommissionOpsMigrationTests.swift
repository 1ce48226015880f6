import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Migration v9-commission-ops: ops_actions takes the commission and level kinds")
struct CommissionOpsMigrationTests {
    static func insert(_ db: Database, kind: String, key: String? = nil) throws {
        try db.execute(
            sql: """
                INSERT INTO ops_actions (id, kind, actor, target, reason, summary_fr, idempotency_key, body_hash, result, created_at)
                VALUES (?, ?, 'ops', 'cible', NULL, 'fait', ?, NULL, '{}', '2026-12-07T08:00:00.000Z')
                """, arguments: [DjobeaID.v7(), kind, key])
    }

    @Test("existing actions, their index and unique key stay; the new kinds are admitted, unknown ones still refused")
    func keepsRowsAndWidensKinds() throws {
        let queue = try DatabaseQueue()
        let migrations = Migrations.migrator.migrations
        let before = try #require(migrations.firstIndex(of: "v9-commission-ops").map { migrations[$0 - 1] })
        try Migrations.migrator.migrate(queue, upTo: before)
        try queue.write { db in
            try Self.insert(db, kind: "cancel_request", key: "cle-1")
            #expect(throws: DatabaseError.self) { try Self.insert(db, kind: "add_commission_rate") }
        }
        try Migrations.migrator.migrate(queue)
        try queue.write { db in
            #expect(try String.fetchAll(db, sql: "SELECT kind FROM ops_actions") == ["cancel_request"])
            for kind in SchemaV9CommissionOps.kinds {
                try Self.insert(db, kind: kind)
            }
            #expect(throws: DatabaseError.self) { try Self.insert(db, kind: "inconnu") }
            #expect(throws: DatabaseError.self) { try Self.insert(db, kind: "move_zone", key: "cle-1") }
            let objects = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE tbl_name = 'ops_actions' ORDER BY name")
            #expect(objects.contains("ops_actions_created") && !objects.contains { $0.contains("before_v9") })
            let table = try #require(try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'ops_actions'"))
            #expect(table.components(separatedBy: "CHECK").count == 6, "as many checks as before (PostgreSQL parity)")
            // Running it again changes nothing.
            try SchemaV9CommissionOps.migrate(db)
            #expect(try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'ops_actions'") == table)
        }
    }

    @Test("kinds another migration added before it are kept")
    func keepsOtherKinds() throws {
        let queue = try DatabaseQueue()
        let migrations = Migrations.migrator.migrations
        let before = try #require(migrations.firstIndex(of: "v9-commission-ops").map { migrations[$0 - 1] })
        try Migrations.migrator.migrate(queue, upTo: before)
        try queue.write { db in
            // What another branch's migration might do: its own kind in the list.
            let table = try #require(try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'ops_actions'"))
            try db.execute(sql: "ALTER TABLE ops_actions RENAME TO ops_actions_old")
            try db.execute(sql: table.replacingOccurrences(of: "kind IN (", with: "kind IN ('autre_action', "))
            try db.execute(sql: "DROP TABLE ops_actions_old")
            try db.execute(sql: "CREATE INDEX ops_actions_created ON ops_actions(created_at)")
            try SchemaV9CommissionOps.migrate(db)
            try Self.insert(db, kind: "autre_action")
            try Self.insert(db, kind: "recompute_levels")
        }
    }
}
