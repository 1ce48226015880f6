import DjobeaDomain
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Change capture: every synced write is logged in its own transaction")
struct ChangeCaptureTests {
    @Test("an insert logs every column, with this node as origin and gapless sequence numbers")
    func insertLogsAllColumns() throws {
        let database = try NodeDatabase.inMemory()
        let fixture = try StoreFixture().install(in: database)
        let changes = try LoggedChange.all(in: database)
        #expect(changes.map(\.table) == ["zones", "services", "providers", "clients", "service_requests"])
        #expect(changes.map(\.originSeq) == [1, 2, 3, 4, 5])
        #expect(Set(changes.map(\.originNode)) == [database.nodeId])
        #expect(changes.allSatisfy { $0.op == "insert" })
        let provider = try #require(changes.first { $0.table == "providers" })
        #expect(provider.key == fixture.providerId)
        #expect(provider.columns["name"] == .text("Jean Kouam"))
        #expect(provider.columns["phone"] == .text("+237699000001"))
        #expect(zip(changes, changes.dropFirst()).allSatisfy { $0.hlc < $1.hlc })
    }

    @Test("an update logs only the columns whose value changed; a no-op update logs nothing")
    func updateLogsChangedColumns() throws {
        let database = try NodeDatabase.inMemory()
        let fixture = try StoreFixture().install(in: database)
        let changed = try database.writeBlocking { tx in
            try tx.update(.providers, key: fixture.providerId, ["name": "Jean Kouam", "bio": "Plombier depuis 2009", "away_mode": true])
        }
        #expect(changed)
        let unchanged = try database.writeBlocking { tx in
            try tx.update(.providers, key: fixture.providerId, ["name": "Jean Kouam", "bio": "Plombier depuis 2009"])
        }
        #expect(!unchanged)
        let last = try #require(try LoggedChange.all(in: database).last)
        #expect(last.op == "update")
        #expect(last.columns == ["bio": "Plombier depuis 2009", "away_mode": 1])
        #expect(last.originSeq == 6)
    }

    @Test("a delete leaves a tombstone and a delete entry")
    func deleteLeavesTombstone() throws {
        let database = try NodeDatabase.inMemory()
        let fixture = try StoreFixture().install(in: database)
        let absenceId = DjobeaID.v7()
        _ = try database.writeBlocking { tx in
            try tx.insert(
                .absences,
                [
                    "id": .text(absenceId), "provider_id": .text(fixture.providerId), "starts_at": "2026-12-01T00:00:00.000Z",
                    "ends_at": "2026-12-03T00:00:00.000Z", "created_at": ColumnValue(tx.now),
                ])
        }
        try database.writeBlocking { tx in try tx.delete(.absences, key: absenceId) }
        let last = try #require(try LoggedChange.all(in: database).last)
        #expect(last.op == "delete" && last.key == absenceId && last.columns.isEmpty)
        let tombstones = try database.readBlocking { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM tombstones WHERE table_name = 'absences' AND row_key = ?", arguments: [absenceId])
        }
        #expect(tombstones == 1)
    }

    @Test("a failed transaction leaves neither rows nor change-log entries, and sequence numbers stay gapless")
    func rollbackKeepsLogConsistent() throws {
        let database = try NodeDatabase.inMemory()
        let fixture = try StoreFixture().install(in: database)
        #expect(throws: (any Error).self) {
            try database.writeBlocking { tx in
                try tx.update(.providers, key: fixture.providerId, ["name": "Nom provisoire"])
                try tx.insert(.clients, ["id": .text(DjobeaID.v7()), "phone": "pas un numéro", "name": "X", "created_at": ColumnValue(tx.now)])
            }
        }
        #expect(try LoggedChange.all(in: database).count == 5)
        _ = try database.writeBlocking { tx in try tx.update(.providers, key: fixture.providerId, ["name": "Jean-Paul Kouam"]) }
        #expect(try LoggedChange.all(in: database).map(\.originSeq) == [1, 2, 3, 4, 5, 6])
    }

    @Test("unknown columns, missing or malformed ids and updates of append-only tables are refused")
    func refusals() throws {
        let database = try NodeDatabase.inMemory()
        let fixture = try StoreFixture().install(in: database)
        #expect(throws: StoreError.unknownColumn(table: "providers", column: "name; DROP TABLE providers")) {
            try database.writeBlocking { tx in try tx.update(.providers, key: fixture.providerId, ["name; DROP TABLE providers": "x"]) }
        }
        #expect(throws: StoreError.missingKey(table: "zones")) {
            try database.writeBlocking { tx in try tx.insert(.zones, ["code": "x", "name": "X", "created_at": "t"]) }
        }
        #expect(throws: StoreError.invalidKey(table: "zones", key: "42")) {
            try database.writeBlocking { tx in try tx.insert(.zones, ["id": "42", "code": "x", "name": "X", "created_at": "t"]) }
        }
        #expect(throws: StoreError.appendOnly(table: "mission_events")) {
            try database.writeBlocking { tx in try tx.update(.missionEvents, key: fixture.requestId, ["note": "x"]) }
        }
    }

    @Test("the clock resumes after the last logged stamp when the database is reopened")
    func clockSurvivesReopen() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("djobea.sqlite").path
        let future = Date().addingTimeInterval(3600)
        do {
            let database = try NodeDatabase.open(path: path, role: .hub)
            try StoreFixture().install(in: database, now: future)
        }
        let reopened = try NodeDatabase.open(path: path, role: .hub)
        let stamp = try reopened.writeBlocking { tx in tx.stamp() }
        let logged = try LoggedChange.all(in: reopened).map(\.hlc).max() ?? 0
        #expect(stamp.packed > logged)
    }
}
