import DjobeaDomain
import Foundation
import GRDB

/// The record of the last backup proven restorable (`djobea backup --verify`), kept in the node's data directory as
/// `backup-verified.json`: local to the machine, never synced. `/ops` and `/metrics` read it.
public struct BackupVerification: Codable, Sendable, Equatable {
    /// When the check finished, UTC.
    public var verifiedAt: String
    /// When the snapshot was taken (the start of `VACUUM INTO`), UTC: the data the backup holds is from then.
    public var backupTakenAt: String
    /// The backup file, as given to `--to`.
    public var backupFile: String
    public var bytes: Int
    /// The schema version stored in the backup, and the one the restored copy reached after migrating.
    public var schemaVersion: Int
    public var restoredSchemaVersion: Int
    /// `PRAGMA integrity_check` of the restored copy (`ok`).
    public var integrity: String
    /// Rows of every synced table, the missions projection and the change log, equal in the backup and its restored copy.
    public var rowCounts: [String: Int]

    public static let fileName = "backup-verified.json"

    enum CodingKeys: String, CodingKey {
        case verifiedAt = "verified_at", backupTakenAt = "backup_taken_at", backupFile = "backup_file", bytes
        case schemaVersion = "schema_version", restoredSchemaVersion = "restored_schema_version", integrity, rowCounts = "row_counts"
    }

    public init(
        verifiedAt: String, backupTakenAt: String, backupFile: String, bytes: Int, schemaVersion: Int, restoredSchemaVersion: Int,
        integrity: String, rowCounts: [String: Int]
    ) {
        self.verifiedAt = verifiedAt
        self.backupTakenAt = backupTakenAt
        self.backupFile = backupFile
        self.bytes = bytes
        self.schemaVersion = schemaVersion
        self.restoredSchemaVersion = restoredSchemaVersion
        self.integrity = integrity
        self.rowCounts = rowCounts
    }

    /// All rows counted, every table together.
    public var totalRows: Int { rowCounts.values.reduce(0, +) }

    /// The record kept in `dataDirectory`, or nil when none is (or it cannot be read).
    public static func load(from dataDirectory: URL) -> BackupVerification? {
        guard let data = try? Data(contentsOf: dataDirectory.appendingPathComponent(fileName)) else { return nil }
        return try? JSONDecoder().decode(BackupVerification.self, from: data)
    }

    /// Writes the record into `dataDirectory` (a temporary file renamed over the previous one: a reader never sees half).
    public func save(to dataDirectory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let file = dataDirectory.appendingPathComponent(Self.fileName)
        let temporary = dataDirectory.appendingPathComponent(Self.fileName + ".tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: try encoder.encode(self), attributes: [.posixPermissions: 0o640])
        else { throw StoreError.invalid("impossible d'écrire \(temporary.path) : vérifiez les droits et l'espace libre du dossier de données") }
        guard rename(temporary.path, file.path) == 0 else {
            throw StoreError.invalid("impossible de remplacer \(file.path) : vérifiez les droits du dossier de données")
        }
    }
}

extension Maintenance {
    /// Proves that `backup` restores: copies it into a new temporary directory as a node's database would be restored
    /// (`restore`), opens and migrates that copy as a node does (`NodeDatabase.open`), runs `PRAGMA integrity_check` on
    /// it, and compares its row counts, table by table, with the backup file's. The backup is a `VACUUM INTO` snapshot,
    /// one read transaction of the source: its own counts are the source's at that moment. The temporary directory is
    /// removed whatever happens.
    ///
    /// - Parameters:
    ///   - takenAt: when the snapshot was taken (recorded).
    ///   - scratch: where to make the temporary directory; by default beside the backup, on the disk that already had
    ///     room for it (`/tmp` may be a small RAM disk).
    /// - Throws: `StoreError.invalid` with a French reason when the copy does not open, is damaged or lost rows.
    public static func verify(backup: String, takenAt: Date, scratch: URL? = nil, now: @Sendable () -> Date = { Date() }) throws
        -> BackupVerification
    {
        let report = try inspect(path: backup)
        guard report.integrity == "ok" else { throw StoreError.invalid("la sauvegarde \(backup) ne passe pas integrity_check : \(report.integrity)") }
        guard let role = NodeRole(rawValue: report.role) else { throw StoreError.invalid("rôle inconnu dans la sauvegarde : \(report.role)") }
        let base = scratch ?? URL(fileURLWithPath: backup).deletingLastPathComponent()
        let directory = base.appendingPathComponent(".djobea-verification-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let restoredPath = directory.appendingPathComponent("djobea.sqlite").path
        _ = try restore(backup: backup, into: restoredPath, role: role)
        let restoredSchema: Int
        do {
            // Opened as a node opens its database: the migrations a newer binary has run here.
            let database = try NodeDatabase.open(path: restoredPath, role: role)
            restoredSchema = try database.schemaVersion()
        } catch {
            throw StoreError.invalid("la copie restaurée ne s'ouvre pas comme base de nœud : \(error)")
        }
        let restored = try inspect(path: restoredPath)
        guard restored.integrity == "ok" else { throw StoreError.invalid("la copie restaurée ne passe pas integrity_check : \(restored.integrity)") }
        var expected = report.rowCounts
        expected[LocalTable.changeLog.rawValue] = report.changeLogEntries
        var found = restored.rowCounts
        found[LocalTable.changeLog.rawValue] = restored.changeLogEntries
        let differing = Set(expected.keys).union(found.keys).sorted().filter { expected[$0] != found[$0] }
        guard differing.isEmpty else {
            let detail = differing.map { "\($0) : \(expected[$0].map(String.init) ?? "absente") → \(found[$0].map(String.init) ?? "absente")" }
            throw StoreError.invalid("la copie restaurée n'a pas les mêmes lignes que la sauvegarde (\(detail.joined(separator: ", ")))")
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: backup)[.size] as? Int) ?? 0
        return BackupVerification(
            verifiedAt: UTCTimestamp.format(now()), backupTakenAt: UTCTimestamp.format(takenAt), backupFile: backup, bytes: bytes,
            schemaVersion: report.schemaVersion, restoredSchemaVersion: restoredSchema, integrity: restored.integrity, rowCounts: expected)
    }
}
