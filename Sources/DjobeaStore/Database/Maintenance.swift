import DjobeaDomain
import Foundation
import GRDB

/// What `djobea status` and the backup check report about a database file.
public struct DatabaseReport: Sendable {
    public var nodeId: String
    public var role: String
    public var schemaVersion: Int
    public var journalMode: String
    public var integrity: String
    public var foreignKeyViolations: Int
    public var changeLogEntries: Int
    public var rowCounts: [String: Int]
}

/// Backup, restore and inspection of a node database, safe while a hub runs on it.
public enum Maintenance {
    /// Inspects a database file without migrating or locking it.
    public static func inspect(path: String, deep: Bool = true) throws -> DatabaseReport {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.invalid("aucune base à \(path)")
        }
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            guard try db.tableExists("node_identity"), let row = try Row.fetchOne(db, sql: "SELECT node_id, role FROM node_identity") else {
                throw StoreError.invalid("\(path) n'est pas une base djobea")
            }
            var counts: [String: Int] = [:]
            for table in SyncedTable.allCases.map(\.rawValue) + [LocalTable.missions.rawValue] where try db.tableExists(table) {
                counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
            }
            return DatabaseReport(
                nodeId: row["node_id"], role: row["role"], schemaVersion: try Migrations.schemaVersion(db),
                journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?",
                integrity: deep ? (try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")) : "non vérifiée",
                foreignKeyViolations: deep ? try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count : 0,
                changeLogEntries: try Int.fetchOne(db, sql: "SELECT count(*) FROM change_log") ?? 0, rowCounts: counts)
        }
    }

    /// Writes a consistent snapshot of the database at `path` to `destination` with `VACUUM INTO`, which reads
    /// inside one transaction: safe while a hub writes, never a torn file copy. Refuses to overwrite.
    public static func backup(path: String, to destination: String) throws -> DatabaseReport {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.invalid("aucune base à \(path)") }
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError.invalid("\(destination) existe déjà : choisissez un autre fichier")
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: path, configuration: config)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM INTO ?", arguments: [destination])
        }
        let report = try inspect(path: destination)
        guard report.integrity == "ok" else {
            throw StoreError.invalid("la sauvegarde \(destination) ne passe pas integrity_check : \(report.integrity)")
        }
        return report
    }

    /// Replaces the database of a stopped node (the caller holds the data-directory lock) with a checked backup.
    ///
    /// The previous file is kept beside it as `djobea.sqlite.pre-restore-<time>`. The restored node then takes a
    /// new origin id: it may re-issue sequence numbers that peers already hold from before the backup, and a
    /// new origin keeps those from colliding (the old id is recorded in the returned report's `nodeId`).
    public static func restore(backup source: String, into path: String, role: NodeRole, now: Date = Date()) throws -> (
        previousNodeId: String, newNodeId: String
    ) {
        let report = try inspect(path: source)
        guard report.integrity == "ok" else { throw StoreError.invalid("sauvegarde corrompue : \(report.integrity)") }
        guard report.role == role.rawValue else { throw StoreError.roleMismatch(expected: role.rawValue, found: report.role) }
        let fileManager = FileManager.default
        let stamp = UTCTimestamp.format(now).replacingOccurrences(of: ":", with: "-")
        if fileManager.fileExists(atPath: path) {
            for suffix in ["", "-wal", "-shm"] where fileManager.fileExists(atPath: path + suffix) {
                try fileManager.moveItem(atPath: path + suffix, toPath: path + ".pre-restore-\(stamp)" + suffix)
            }
        }
        let temp = path + ".restoring"
        try? fileManager.removeItem(atPath: temp)
        try fileManager.copyItem(atPath: source, toPath: temp)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: temp))
        try handle.synchronize()
        try handle.close()
        try fileManager.moveItem(atPath: temp, toPath: path)
        let newId = DjobeaID.v7(now: now)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "UPDATE node_identity SET node_id = ?", arguments: [newId])
        }
        return (report.nodeId, newId)
    }
}
