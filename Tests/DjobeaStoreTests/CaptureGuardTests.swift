import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("No write path bypasses the change log")
struct CaptureGuardTests {
    @Test("a raw INSERT into any synced table is refused by SQLite", arguments: SyncedTable.allCases)
    func rawInsertRefused(table: SyncedTable) throws {
        let database = try NodeDatabase.inMemory()
        let error = #expect(throws: DatabaseError.self) {
            try database.writer.write { db in
                try db.execute(sql: "INSERT INTO \(table.rawValue) (id) VALUES (?)", arguments: [DjobeaID.v7()])
            }
        }
        #expect(error?.message?.contains(CaptureGuard.message) == true)
    }

    @Test("raw UPDATE and DELETE of an existing row are refused, and the row is unchanged")
    func rawUpdateAndDeleteRefused() throws {
        let database = try NodeDatabase.inMemory()
        let fixture = try StoreFixture().install(in: database)
        for sql in ["UPDATE providers SET name = 'Pirate' WHERE id = ?", "DELETE FROM providers WHERE id = ?"] {
            let error = #expect(throws: DatabaseError.self) {
                try database.writer.write { db in try db.execute(sql: sql, arguments: [fixture.providerId]) }
            }
            #expect(error?.message?.contains(CaptureGuard.message) == true)
        }
        let name = try database.readBlocking { db in
            try String.fetchOne(db, sql: "SELECT name FROM providers WHERE id = ?", arguments: [fixture.providerId])
        }
        #expect(name == "Jean Kouam")
    }

    @Test("the guard is lowered only inside a store transaction, even after one failed")
    func guardClosesAfterFailure() throws {
        let database = try NodeDatabase.inMemory()
        _ = try? database.writeBlocking { tx in
            try tx.insert(.zones, ["id": .text(DjobeaID.v7()), "code": "x", "name": "X", "created_at": "t"])
            throw StoreError.invalid("abandon")
        }
        #expect(throws: DatabaseError.self) {
            try database.writer.write { db in
                try db.execute(sql: "INSERT INTO zones (id, code, name, created_at) VALUES (?, 'y', 'Y', 't')", arguments: [DjobeaID.v7()])
            }
        }
    }

    @Test("ledger entries and mission events are immutable even inside a store transaction")
    func appendOnlyEnforcedBySQLite() throws {
        let database = try NodeDatabase.inMemory()
        let fixture = try StoreFixture().install(in: database)
        let entry = try database.writeBlocking(durability: .critical) { tx in
            try tx.appendLedgerEntry(
                requestId: fixture.requestId, providerId: fixture.providerId, invoiceId: nil, kind: .payment, method: .mtnMomo,
                operatorRef: "MP2611251234.5678.A12345", amount: XAF(15_000), recordedBy: .provider)
        }
        let error = #expect(throws: DatabaseError.self) {
            try database.writeBlocking { tx in
                try tx.db.execute(sql: "UPDATE ledger_entries SET amount = 1 WHERE id = ?", arguments: [entry.id])
            }
        }
        #expect(error?.message?.contains("immutable") == true)
        #expect(throws: StoreError.self) {
            try database.writeBlocking { tx in try tx.delete(.ledgerEntries, key: entry.id) }
        }
    }

    @Test("an amount that is not a positive integer never reaches the ledger")
    func nonPositiveAmountRefused() throws {
        let database = try NodeDatabase.inMemory()
        let fixture = try StoreFixture().install(in: database)
        for amount in [0, -500] {
            #expect(throws: StoreError.self) {
                try database.writeBlocking(durability: .critical) { tx in
                    try tx.appendLedgerEntry(
                        requestId: fixture.requestId, providerId: fixture.providerId, invoiceId: nil, kind: .payment, method: .cash,
                        operatorRef: nil, amount: XAF(amount), recordedBy: .provider)
                }
            }
        }
        let count = try database.readBlocking { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger_entries") }
        #expect(count == 0)
    }
}
