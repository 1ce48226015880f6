import ArgumentParser
import DjobeaDomain
import DjobeaServer
import DjobeaStore
import Foundation

/// `djobea migrate`: creates or upgrades a node's database.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Crée ou met à jour la base d'un nœud.")

    @Option(name: .long, help: "Dossier de données (créé s'il n'existe pas ; inutile avec --postgres).")
    var data: String?

    @Option(name: .long, help: "Rôle du nœud : hub ou central.")
    var role: NodeRole = .hub

    @OptionGroup var postgres: CentralDatabaseOptions

    func validate() throws {
        if postgres.url != nil, role != .central { throw ValidationError("--postgres ne vaut que pour --role central : un hub garde sa base SQLite") }
        if postgres.url == nil, data == nil { throw ValidationError("indiquez --data <dossier> (ou --postgres <url> avec --role central)") }
    }

    func run() async throws {
        try await failingClearly {
            try refuseRootOnServiceDirectory(data)
            if let url = postgres.url {
                let version = try await CentralDatabaseFile.with(nil, postgres: url) { storage in
                    (try storage.replicaSchemaVersion(), storage.nodeId)
                }
                printLine("Base à jour : schéma PostgreSQL version \(version.0) — nœud \(version.1) (central) — \(PostgresURLDisplay.redacted(url))")
                return
            }
            guard let data else { return }
            let directory = try DataDirectory(path: data, create: true)
            let database = try NodeDatabase.open(path: directory.databasePath, role: role)
            printLine(
                "Base à jour : schéma version \(try database.schemaVersion()) — nœud \(database.nodeId) (\(role.rawValue)) — \(directory.databasePath)"
            )
        }
    }
}

/// `djobea backup`: a consistent snapshot, safe while the node runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Sauvegarde cohérente de la base (VACUUM INTO), même pendant que le hub tourne.")

    @Option(name: .long, help: "Dossier de données du nœud.")
    var data: String

    @Option(name: .long, help: "Fichier de sauvegarde à créer (ne doit pas exister).")
    var to: String

    @Flag(
        name: .long,
        help: """
            Puis restaure la sauvegarde à l'essai dans un dossier temporaire à côté d'elle (intégrité, migrations, lignes de chaque table) \
            et note la vérification dans le dossier de données (console ops, /metrics, djobea doctor).
            """)
    var verify = false

    func run() async throws {
        try await failingClearly {
            try refuseRootOnServiceDirectory(data)
            let directory = URL(fileURLWithPath: data, isDirectory: true)
            let path = directory.appendingPathComponent("djobea.sqlite").path
            guard FileManager.default.fileExists(atPath: path) else { throw DataDirectoryError.noDatabase(data) }
            let takenAt = Date()
            let report = try Maintenance.backup(path: path, to: to)
            let size = (try? FileManager.default.attributesOfItem(atPath: to)[.size] as? Int) ?? 0
            printLine("Sauvegarde écrite : \(to) (\(size) octets, intégrité \(report.integrity), schéma \(report.schemaVersion))")
            guard verify else { return }
            let verification: BackupVerification
            do {
                verification = try Maintenance.verify(backup: to, takenAt: takenAt)
            } catch let error as StoreError {
                throw CommandFailure(
                    "Sauvegarde NON vérifiée : \(error.description). Gardez la sauvegarde précédente ; lancez « djobea status --data \(data) » "
                        + "pour contrôler la base du nœud.")
            }
            try verification.save(to: directory)
            let tables = verification.rowCounts.filter { $0.value > 0 }.count
            printLine(
                "Sauvegarde vérifiée : restaurée à l'essai, intégrité \(verification.integrity), schéma \(verification.schemaVersion)"
                    + (verification.restoredSchemaVersion == verification.schemaVersion ? "" : " (migrée en \(verification.restoredSchemaVersion))")
                    + ", \(verification.totalRows) lignes dans \(tables) tables, identiques à la sauvegarde.")
            printLine("Vérification notée dans \(directory.appendingPathComponent(BackupVerification.fileName).path).")
        }
    }
}

/// `djobea restore`: replaces a stopped node's database with a checked backup.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restaure une sauvegarde dans le dossier d'un nœud arrêté.")

    @Option(name: .long, help: "Dossier de données du nœud (le nœud doit être arrêté).")
    var data: String

    @Option(name: .long, help: "Fichier de sauvegarde à restaurer.")
    var from: String

    @Option(name: .long, help: "Rôle du nœud : hub ou central.")
    var role: NodeRole = .hub

    func run() async throws {
        try await failingClearly {
            try refuseRootOnServiceDirectory(data)
            let directory = try DataDirectory(path: data, create: true)
            let ids = try Maintenance.restore(backup: from, into: directory.databasePath, role: role)
            let database = try NodeDatabase.open(path: directory.databasePath, role: role)
            printLine(
                "Sauvegarde restaurée dans \(directory.databasePath) (schéma \(try database.schemaVersion())). "
                    + "Nouvel identifiant d'origine \(ids.newNodeId) (ancien \(ids.previousNodeId)).")
        }
    }
}

/// `djobea status`: what a data directory holds, without stopping its node.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "État d'une base de nœud (lecture seule).")

    @Option(name: .long, help: "Dossier de données du nœud.")
    var data: String

    func run() async throws {
        try await failingClearly {
            try refuseRootOnServiceDirectory(data)
            let path = URL(fileURLWithPath: data).appendingPathComponent("djobea.sqlite").path
            guard FileManager.default.fileExists(atPath: path) else { throw DataDirectoryError.noDatabase(data) }
            let report = try Maintenance.inspect(path: path)
            printLine("Nœud \(report.nodeId) (\(report.role)) — schéma \(report.schemaVersion) — journal \(report.journalMode)")
            printLine("Intégrité : \(report.integrity) — clés étrangères en défaut : \(report.foreignKeyViolations)")
            printLine("Journal des changements : \(report.changeLogEntries) entrées")
            for (table, count) in report.rowCounts.sorted(by: { $0.key < $1.key }) where count > 0 {
                printLine("  \(table): \(count)")
            }
        }
    }
}

extension NodeRole: ExpressibleByArgument {}
