import DjobeaDomain
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Data directory, backup and restore")
struct MaintenanceTests {
    @Test("a file database is in WAL mode, migrated to the latest schema, with foreign keys on")
    func fileDatabaseSettings() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try NodeDatabase.open(path: directory.appendingPathComponent("djobea.sqlite").path, role: .hub)
        let (mode, foreignKeys) = try database.readBlocking { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(mode == "wal")
        #expect(foreignKeys == 1)
        #expect(try database.schemaVersion() == NodeDatabase.latestSchemaVersion)
    }

    @Test("a hub's data directory cannot be opened as central")
    func roleIsKept() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("djobea.sqlite").path
        _ = try NodeDatabase.open(path: path, role: .hub)
        #expect(throws: StoreError.roleMismatch(expected: "central", found: "hub")) { try NodeDatabase.open(path: path, role: .central) }
    }

    @Test("a data directory is locked while in use, and free again once released")
    func directoryLock() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var first: DataDirectory? = try DataDirectory(path: directory.path, create: false)
        #expect(throws: DataDirectoryError.locked(directory.standardizedFileURL.path)) {
            try DataDirectory(path: directory.path, create: false)
        }
        _ = first
        first = nil
        #expect(throws: Never.self) { _ = try DataDirectory(path: directory.path, create: false) }
        #expect(throws: DataDirectoryError.self) { try DataDirectory(path: directory.appendingPathComponent("absent").path, create: false) }
    }

    @Test("a backup taken while writes go on is consistent; restore brings it back under a new origin id")
    func backupDuringWritesAndRestore() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("djobea.sqlite").path
        let database = try NodeDatabase.open(path: path, role: .hub)
        let fixture = try StoreFixture().install(in: database)
        let writes = Task {
            for index in 0..<300 {
                _ = try await database.write(durability: .critical) { tx in
                    try tx.appendLedgerEntry(
                        requestId: fixture.requestId, providerId: fixture.providerId, invoiceId: nil, kind: .payment, method: .cash,
                        operatorRef: nil, amount: XAF(100 + index), recordedBy: .provider)
                }
            }
        }
        try await Task.sleep(for: .milliseconds(30))
        let backupPath = directory.appendingPathComponent("copie.sqlite").path
        let report = try Maintenance.backup(path: path, to: backupPath)
        try await writes.value
        #expect(report.integrity == "ok")
        #expect(report.foreignKeyViolations == 0)
        let copied = report.rowCounts["ledger_entries"] ?? -1
        #expect(copied >= 0 && copied <= 300)
        #expect(throws: StoreError.self) { try Maintenance.backup(path: path, to: backupPath) }

        let restoreDirectory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: restoreDirectory) }
        let restoredPath = restoreDirectory.appendingPathComponent("djobea.sqlite").path
        let ids = try Maintenance.restore(backup: backupPath, into: restoredPath, role: .hub)
        #expect(ids.previousNodeId == database.nodeId && ids.newNodeId != database.nodeId)
        let restored = try NodeDatabase.open(path: restoredPath, role: .hub)
        #expect(restored.nodeId == ids.newNodeId)
        #expect(try restored.rowCounts()["ledger_entries"] == copied)
        _ = try restored.writeBlocking { tx in try tx.update(.providers, key: fixture.providerId, ["bio": "Restauré"]) }
        let newest = try #require(try LoggedChange.all(in: restored).last)
        #expect(newest.originNode == ids.newNodeId && newest.originSeq == 1)
    }
}
