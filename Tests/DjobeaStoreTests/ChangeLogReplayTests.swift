import DjobeaDemo
import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

/// The strongest proof that no write path bypasses the change log: a node rebuilt from nothing but its change
/// log holds exactly the same synced rows, and the same derived mission states, as the node that wrote them.
@Suite("Replaying the change log rebuilds the node")
struct ChangeLogReplayTests {
    @Test("demo data (every write path the generator uses) replays to identical tables")
    func demoReplaysIdentically() throws {
        let source = try NodeDatabase.inMemory()
        let now = try #require(UTCTimestamp.parse("2026-11-25T15:00:00.000Z"))
        _ = try DemoGenerator(seed: 11, days: 10, now: now).generate(into: source, photos: nil) { _ in }
        try mutateAfterGeneration(source)

        let replica = try NodeDatabase.inMemory()
        let changes = try LoggedChange.all(in: source)
        try replica.writer.write { db in
            try CaptureGuard.open(db)
            for change in changes { try Self.apply(change, db) }
            try CaptureGuard.close(db)
            let requestIds = try String.fetchAll(db, sql: "SELECT id FROM service_requests")
            for id in requestIds { try MissionProjection.refresh(requestId: id, in: db) }
        }

        for table in SyncedTable.allCases.map(\.rawValue) + [LocalTable.missions.rawValue] {
            let key = table == "missions" ? "request_id" : "id"
            let original = try source.readBlocking { try Row.fetchAll($0, sql: "SELECT * FROM \(table) ORDER BY \(key)") }
            let rebuilt = try replica.readBlocking { try Row.fetchAll($0, sql: "SELECT * FROM \(table) ORDER BY \(key)") }
            #expect(original == rebuilt, "table \(table) differs after replay")
        }
        let populated = try source.rowCounts().filter { $0.value > 0 }.count
        #expect(populated >= 25, "the generator should exercise most synced tables")
    }

    /// Updates and deletes, which the generator makes few of.
    private func mutateAfterGeneration(_ database: NodeDatabase) throws {
        try database.writeBlocking { tx in
            let providerId = try #require(try String.fetchOne(tx.db, sql: "SELECT id FROM providers ORDER BY id LIMIT 1"))
            try tx.update(.providers, key: providerId, ["bio": "Bio modifiée", "away_mode": true])
            let absenceId = try #require(try String.fetchOne(tx.db, sql: "SELECT id FROM absences ORDER BY id LIMIT 1"))
            try tx.delete(.absences, key: absenceId)
        }
    }

    private static func apply(_ change: LoggedChange, _ db: Database) throws {
        switch change.op {
        case "insert":
            let names = change.columns.keys.sorted()
            try db.execute(
                sql: "INSERT INTO \(change.table) (\(names.joined(separator: ", "))) VALUES (\(databaseQuestionMarks(count: names.count)))",
                arguments: StatementArguments(names.map { (change.columns[$0] ?? .null).databaseValue }))
        case "update":
            let names = change.columns.keys.sorted()
            try db.execute(
                sql: "UPDATE \(change.table) SET \(names.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?",
                arguments: StatementArguments(names.map { (change.columns[$0] ?? .null).databaseValue } + [change.key.databaseValue]))
        default:
            try db.execute(sql: "DELETE FROM \(change.table) WHERE id = ?", arguments: [change.key])
        }
    }
}
