import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Migration v4-walk-in-clients: clients.phone no longer unique")
struct WalkInClientsMigrationTests {
    @Test("an existing database keeps its clients, loses the unique phone, keeps the zone-move trigger, and opens")
    func migratesExistingRows() throws {
        let queue = try DatabaseQueue()
        try Migrations.migrator.migrate(queue, upTo: "v4-ops")
        let first = DjobeaID.v7()
        let second = DjobeaID.v7()
        try queue.write { db in
            for (id, phone, name) in [(first, "+237677000001", "Awa Ngo"), (second, "+237677000002", "Paul Eto")] {
                try db.execute(
                    sql:
                        "INSERT INTO clients (id, phone, name, zone_id, address, created_at) VALUES (?, ?, ?, NULL, 'Akwa', '2026-12-01T08:00:00.000Z')",
                    arguments: [id, phone, name])
            }
        }
        try Migrations.migrator.migrate(queue)
        try queue.write { db in
            #expect(try String.fetchAll(db, sql: "SELECT name FROM clients ORDER BY phone") == ["Awa Ngo", "Paul Eto"])
            try db.execute(
                sql: "INSERT INTO clients (id, phone, name, created_at) VALUES (?, '+237677000001', 'Client de passage', '2026-12-02T08:00:00.000Z')",
                arguments: [DjobeaID.v7()])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM clients WHERE phone = '+237677000001'") == 2)
            let objects = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE tbl_name = 'clients' ORDER BY name")
            #expect(objects.contains("clients_phone") && objects.contains("partition_move_client"))
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM temp.sqlite_master WHERE name = 'clients_copy')") == false)
        }
        let database = try NodeDatabase(writer: queue, role: .hub)
        #expect(try database.rowCounts()["clients"] == 3)
    }
}
