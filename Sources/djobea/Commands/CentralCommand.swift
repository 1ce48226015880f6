import ArgumentParser
import DjobeaDomain
import DjobeaReplication
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

    @OptionGroup var postgres: CentralDatabaseOptions

    @Option(
        name: .long,
        help: "Dossier des photos (par défaut <data>/blobs ; aussi DJOBEA_BLOBS_DIR) : partagé par les processus centraux d'une même base PostgreSQL."
    )
    var blobs: String?

    func run() async throws {
        node.startLogging()
        try await failingClearly {
            try refuseRootOnServiceDirectory(node.data)
            var configuration = try node.configuration()
            configuration.apiKey = apiKey
            configuration.postgresURL = postgres.url
            configuration.blobsDirectory = blobs ?? ProcessInfo.processInfo.environment["DJOBEA_BLOBS_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            let central = try await Node.build(role: .central, configuration: configuration)
            let postgresURL = configuration.postgresURL
            try await central.run { port in
                let base = central.baseURL(port: port)
                let engine = postgresURL.map { "PostgreSQL \(PostgresURLDisplay.redacted($0))" } ?? "SQLite"
                printLine("Central \(central.served.nodeId) à l'écoute sur \(base) (base : \(engine))")
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

    @Option(name: .long, help: "Dossier de données du central (sa base SQLite ; inutile avec --postgres).")
    var data: String?

    @Option(name: .long, help: "Nom du hub (ex. Bonamoussadi).")
    var name: String

    @Option(name: .long, help: "Codes des zones du hub, séparés par des virgules (avec --replace : celles de l'ancien hub par défaut).")
    var zones: String?

    @Flag(
        name: .long,
        help: "Remplace la machine d'un hub existant (disque perdu) : révoque l'ancienne, enrôle la nouvelle qui reconstruit tout depuis le central.")
    var replace = false

    @OptionGroup var postgres: CentralDatabaseOptions

    func validate() throws {
        if !replace, zones == nil { throw ValidationError("--zones est requis (sauf avec --replace, qui reprend les zones du hub remplacé)") }
    }

    func run() async throws {
        try await failingClearly {
            try refuseRootOnServiceDirectory(data)
            let codes = zones.map { $0.split(separator: ",").map(String.init) }
            if replace {
                let replacement = try await CentralDatabaseFile.with(data, postgres: postgres.url) { storage in
                    try await storage.replaceHub(name: name, zoneCodes: codes)
                }
                for line in Self.replacementReport(replacement) { printLine(line) }
                return
            }
            let enrolment = try await CentralDatabaseFile.with(data, postgres: postgres.url) { storage in
                try await storage.enrolHub(name: name, zoneCodes: codes ?? [])
            }
            printLine("Hub « \(enrolment.name) » enrôlé pour les zones : \(enrolment.zoneCodes.joined(separator: ", ")).")
            printLine("Jeton à usage unique (valable jusqu'au \(UTCTimestamp.format(enrolment.expiresAt))) :")
            printLine(enrolment.token)
            printLine("Sur le hub : djobea hub --data <dossier> --central <url du central> --enroll \(enrolment.token)")
        }
    }
}

extension EnrollHubCommand {
    /// What ops must know after `--replace`, in French: the old machine's last contact, what it had not sent (lost),
    /// and the new machine's token.
    static func replacementReport(_ replacement: HubReplacement) -> [String] {
        let enrolment = replacement.enrolment
        var lines = ["Hub « \(enrolment.name) » remplacé : l'ancienne machine est révoquée (ses synchronisations seront refusées)."]
        if let old = replacement.oldNodeId {
            lines.append(
                "Ancienne machine \(old) : dernier contact \(replacement.lastSeenAt ?? "jamais") ; le central a reçu ses modifications jusqu'au n° "
                    + "\(replacement.lastSequenceReceived).")
            if replacement.pendingOut > 0 || replacement.photoBacklogBytes > 0 {
                lines.append(
                    "PERDU avec son disque (d'après son dernier contact) : \(replacement.pendingOut) modification(s) jamais reçue(s) par le central"
                        + (replacement.oldestPendingAt.map { ", la plus ancienne du \($0)" } ?? "")
                        + " (n° \(replacement.lastSequenceReceived + 1) et suivants), et \(replacement.photoBacklogBytes) octets de photos non envoyés. "
                        + "Prévenez les prestataires du hub : ce qu'ils ont saisi depuis est à refaire.")
            } else {
                lines.append("Rien ne manquait au central à son dernier contact : aucune modification perdue connue.")
            }
        } else {
            lines.append("Ce hub n'avait jamais été installé : rien à reprendre.")
        }
        lines.append("Zones : \(enrolment.zoneCodes.joined(separator: ", ")).")
        lines.append("Jeton à usage unique pour la nouvelle machine (valable jusqu'au \(UTCTimestamp.format(enrolment.expiresAt))) :")
        lines.append(enrolment.token)
        lines.append(
            "Sur la nouvelle machine : djobea hub --data <dossier vide> --central <url du central> --enroll \(enrolment.token) "
                + "(elle reçoit toutes les données et photos du hub depuis le central).")
        return lines
    }
}

/// `djobea central revoke-hub`: refuses every further sync request of a hub.
struct RevokeHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke-hub", abstract: "Révoque l'identifiant d'un hub.")

    @Option(name: .long, help: "Dossier de données du central (sa base SQLite ; inutile avec --postgres).")
    var data: String?

    @Option(name: .long, help: "Nom du hub.")
    var name: String

    @OptionGroup var postgres: CentralDatabaseOptions

    func run() async throws {
        try await failingClearly {
            try refuseRootOnServiceDirectory(data)
            let revoked = try await CentralDatabaseFile.with(data, postgres: postgres.url) { storage in try await storage.revokeHub(name: name) }
            guard revoked else { throw CommandFailure("Aucun hub enrôlé et actif nommé « \(name) ».") }
            printLine("Hub « \(name) » révoqué : ses prochaines synchronisations seront refusées.")
        }
    }
}

/// `--postgres` (or `DJOBEA_DATABASE_URL`): central's PostgreSQL database instead of the SQLite file in its data directory.
struct CentralDatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Base PostgreSQL du central (postgresql://utilisateur:motdepasse@hôte:5432/base ; aussi DJOBEA_DATABASE_URL). Sans elle : SQLite dans <data>."
    )
    var postgres: String?

    /// The URL given, else `DJOBEA_DATABASE_URL`; nil for SQLite.
    var url: String? {
        (postgres ?? ProcessInfo.processInfo.environment["DJOBEA_DATABASE_URL"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    func validate() throws {
        if let url, !(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")) {
            throw ValidationError("--postgres : une URL postgresql://… est attendue (reçu « \(PostgresURLDisplay.redacted(url)) »)")
        }
    }
}

enum CentralDatabaseFile {
    /// Runs `body` on central's database: PostgreSQL when `postgres` is given, else the SQLite file of `data`.
    static func with<T: Sendable>(_ data: String?, postgres: String?, _ body: (any ServedStorage) async throws -> T) async throws -> T {
        guard let postgres else {
            guard let data else { throw CommandFailure("Indiquez le central : --data <dossier> (SQLite) ou --postgres <url>.") }
            return try await body(try open(data))
        }
        let storage: PostgresServedStorage
        do {
            storage = try await PostgresServedStorage.open(url: postgres, role: .central, connections: 1, logger: makeLogger("djobea.central"))
        } catch {
            throw CommandFailure("Base PostgreSQL inaccessible (\(PostgresURLDisplay.redacted(postgres))) : \(error)")
        }
        do {
            let result = try await body(storage)
            await storage.close()
            return result
        } catch {
            await storage.close()
            throw error
        }
    }

    static func open(_ data: String) throws -> NodeDatabase {
        let path = URL(fileURLWithPath: data, isDirectory: true).appendingPathComponent("djobea.sqlite").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure("Pas de central dans \(data) : démarrez d'abord « djobea central --data \(data) ».")
        }
        return try NodeDatabase.open(path: path, role: .central)
    }
}
