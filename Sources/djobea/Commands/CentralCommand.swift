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
            var configuration = try node.configuration()
            configuration.apiKey = apiKey
            let central = try await Node.build(role: .central, configuration: configuration)
            try await central.run { port in
                let base = central.baseURL(port: port)
                printLine("Central \(central.database.nodeId) à l'écoute sur \(base)")
                if let file = central.apiKey?.file { printLine("Clé d'API de la plateforme : voir \(file)") }
                printLine("Console ops : \(base)/ops (\(central.ops.hint))")
            }
        }
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
