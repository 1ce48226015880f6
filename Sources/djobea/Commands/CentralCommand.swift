import ArgumentParser
import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaSync
import Foundation
import Logging

/// `djobea central`: the central node (takes in requests, routes them to hubs by zone, shows ops every hub's sync).
struct CentralCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "central", abstract: "Nœud central : API de la plateforme, synchronisation des hubs, console ops.",
        subcommands: [CentralServeCommand.self, EnrollHubCommand.self, RevokeHubCommand.self], defaultSubcommand: CentralServeCommand.self)
}

struct CentralServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Démarre le nœud central (par défaut).")

    @OptionGroup var node: NodeOptions

    @Option(name: .long, help: "Clé d'API de la plateforme pour /central/* (aussi DJOBEA_API_KEY ; sinon générée dans <data>/api-key).")
    var apiKey: String?

    func run() async throws {
        try await failingClearly {
            let tls = try node.serverTLS()
            let directory = try DataDirectory(path: node.data, create: true)
            let database = try NodeDatabase.open(path: directory.databasePath, role: .central)
            try await IntakeStore(database).seedReferenceData()
            let key = try CentralServeCommand.apiKey(given: apiKey, directory: directory)
            let logger = makeLogger("djobea.central")
            let blobs = try BlobStore(root: directory.blobsURL)
            let services = CentralServices(
                sync: CentralSyncService(database: database, logger: logger, blobs: blobs), apiKey: key.value,
                syncInterval: syncIntervalSetting(ProcessInfo.processInfo.environment))
            let ops = try opsConsole(directory: directory)
            try await serveCentral(
                database: database, directory: directory, options: node, services: services, tls: tls, ops: ops.settings, logger: logger
            ) { port in
                let base = baseURL(node, port: port, tls: tls)
                printLine("Central \(database.nodeId) à l'écoute sur \(base)")
                if let file = key.file { printLine("Clé d'API de la plateforme : voir \(file)") }
                printLine("Console ops : \(base)/ops (\(ops.hint))")
            }
        }
    }

    /// The API key: the option, else `DJOBEA_API_KEY`, else the one kept in `<data>/api-key` (made on first start).
    static func apiKey(given: String?, directory: DataDirectory) throws -> (value: String, file: String?) {
        if let given = given ?? ProcessInfo.processInfo.environment["DJOBEA_API_KEY"], !given.isEmpty {
            guard given.count >= 16 else { throw CommandFailure("La clé d'API doit faire au moins 16 caractères.") }
            return (given, nil)
        }
        let file = directory.url.appendingPathComponent("api-key")
        if let stored = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !stored.isEmpty {
            return (stored, file.path)
        }
        var random = SystemRandomNumberGenerator()
        let key = "djk_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        guard FileManager.default.createFile(atPath: file.path, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CommandFailure(
                "Impossible d'écrire la clé d'API dans \(file.path) : vérifiez les droits et l'espace libre du répertoire de données.")
        }
        return (key, file.path)
    }
}

/// `djobea central enroll-hub`: registers a hub for some zones and prints its one-time enrolment token.
struct EnrollHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll-hub", abstract: "Enrôle un hub pour des zones et affiche son jeton à usage unique (valable 24 h).")

    @Option(name: .long, help: "Dossier de données du central.")
    var data: String

    @Option(name: .long, help: "Nom du hub (ex. Bonamoussadi).")
    var name: String

    @Option(name: .long, help: "Codes des zones du hub, séparés par des virgules.")
    var zones: String

    func run() async throws {
        try await failingClearly {
            // The central may be running: open the database without the directory lock (SQLite arbitrates writers).
            let database = try CentralDatabaseFile.open(data)
            let enrolment = try await database.enrolHub(name: name, zoneCodes: zones.split(separator: ",").map(String.init))
            printLine("Hub « \(enrolment.name) » enrôlé pour les zones : \(enrolment.zoneCodes.joined(separator: ", ")).")
            printLine("Jeton à usage unique (valable jusqu'au \(UTCTimestamp.format(enrolment.expiresAt))) :")
            printLine(enrolment.token)
            printLine("Sur le hub : djobea hub --data <dossier> --central <url du central> --enroll \(enrolment.token)")
        }
    }
}

/// `djobea central revoke-hub`: refuses every further sync request of a hub.
struct RevokeHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke-hub", abstract: "Révoque l'identifiant d'un hub.")

    @Option(name: .long, help: "Dossier de données du central.")
    var data: String

    @Option(name: .long, help: "Nom du hub.")
    var name: String

    func run() async throws {
        try await failingClearly {
            let database = try CentralDatabaseFile.open(data)
            guard try await database.revokeHub(name: name) else { throw CommandFailure("Aucun hub enrôlé et actif nommé « \(name) ».") }
            printLine("Hub « \(name) » révoqué : ses prochaines synchronisations seront refusées.")
        }
    }
}

enum CentralDatabaseFile {
    static func open(_ data: String) throws -> NodeDatabase {
        let path = URL(fileURLWithPath: data, isDirectory: true).appendingPathComponent("djobea.sqlite").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure("Pas de central dans \(data) : démarrez d'abord « djobea central --data \(data) ».")
        }
        return try NodeDatabase.open(path: path, role: .central)
    }
}

/// Starts central's HTTP server and runs until SIGINT/SIGTERM.
func serveCentral(
    database: NodeDatabase, directory: DataDirectory, options: NodeOptions, services: CentralServices, tls: ServerTLS? = nil,
    ops: OpsSettings? = nil, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void
) async throws {
    // Central is its deployment's gateway to the outside world (WhatsApp, SMS, Web Push).
    let gateway = try await GatewayServices.make(
        database: database, dataDirectory: directory.url, driver: NotifierChoice(rawValue: options.notifier) ?? .console,
        environment: ProcessInfo.processInfo.environment, logger: logger)
    let app = buildApplication(
        settings: ServerSettings(host: options.host, port: options.port, role: .central, tls: tls), database: database, logger: logger,
        central: services, ops: ops, gateway: gateway, onServerRunning: onRunning)
    try await app.runService()
    withExtendedLifetime(directory) {}
}
