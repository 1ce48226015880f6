import ArgumentParser
import DjobeaServer
import DjobeaStore
import DjobeaSync
import Foundation
import Logging

/// `djobea hub`: a neighbourhood node serving its providers from its own SQLite file, synced with central. A new or
/// empty data directory is created and migrated: the first start is this one command.
struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub", abstract: "Démarre un hub de quartier (API prestataires, base SQLite locale, synchro avec le central).")

    @OptionGroup var node: NodeOptions

    @Option(name: .long, help: "URL du central (ex. http://central.local:8081) : active la synchronisation.")
    var central: String?

    @Option(name: .long, help: "Jeton d'enrôlement à usage unique, donné par « djobea central enroll-hub » (premier démarrage).")
    var enroll: String?

    @Flag(
        name: .long,
        help: "Ce hub est sa propre passerelle (WhatsApp, SMS, Web Push, webhooks) au lieu du central. Aussi DJOBEA_GATEWAY=1.")
    var gateway = ProcessInfo.processInfo.environment["DJOBEA_GATEWAY"] == "1"

    func validate() throws {
        if enroll != nil, central == nil { throw ValidationError("--enroll demande aussi --central <url du central>") }
        if let central, URL(string: central)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw ValidationError("--central doit être une URL http(s) (reçu \(central))")
        }
    }

    func run() async throws {
        node.startLogging()
        try await failingClearly {
            try refuseRootOnServiceDirectory(node.data)
            var configuration = try node.configuration()
            let isNew = !FileManager.default.fileExists(
                atPath: URL(fileURLWithPath: node.data, isDirectory: true).appendingPathComponent("djobea.sqlite").path)
            configuration.centralURL = central
            configuration.enrollmentToken = enroll
            configuration.gateway = gateway
            let hub = try await Node.build(role: .hub, configuration: configuration, announce: printLine)
            if isNew {
                // Said once, so that a mistyped --data is noticed: this hub starts empty.
                printLine("Nouveau hub : base créée dans \(hub.storage.directory.databasePath) (schéma \(try hub.database.schemaVersion()))")
            }
            try await hub.run { port in
                let base = hub.baseURL(port: port)
                printLine("Hub \(hub.database.nodeId) à l'écoute sur \(base)")
                if let app = StaticAssets.forHub(logger: hub.logger) {
                    printLine("Application prestataire : \(base)/ (version \(app.version), \(app.origin))")
                }
                printLine("Console ops : \(base)/ops (\(hub.ops.hint))")
                if let link = hub.link {
                    printLine(
                        "Synchronisation avec le central \(link.centralURL) (hub « \(link.hubName) », zones \(link.zones.joined(separator: ", ")))")
                }
            }
        }
    }
}

/// `djobea sync --once`: one sync round with central, for operators, with a progress line. With `--central` and
/// `--enroll` it enrols the hub first (creating its data directory if needed): the operator's first step, which ends by
/// itself once the hub holds its partition, instead of starting the server and stopping it with Ctrl+C.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync", abstract: "Synchronise ce hub avec le central, une fois.")

    @Option(name: .long, help: "Dossier de données du hub.")
    var data: String

    @Flag(name: .long, help: "Une seule synchronisation complète, puis sortie (seul mode disponible).")
    var once = false

    @Flag(name: .long, help: "Seulement les lignes, pas les octets des photos.")
    var skipPhotos = false

    @Option(name: .long, help: "URL du central (avec --enroll : le central auprès duquel enrôler ce hub).")
    var central: String?

    @Option(
        name: .long,
        help: "Jeton d'enrôlement à usage unique (« djobea central enroll-hub ») : enrôle ce hub, puis fait sa première synchronisation.")
    var enroll: String?

    func validate() throws {
        guard once else { throw ValidationError("précisez --once (le hub synchronise en continu de lui-même quand il tourne)") }
        if enroll != nil, central == nil { throw ValidationError("--enroll demande aussi --central <url du central>") }
        if let central, URL(string: central)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw ValidationError("--central doit être une URL http(s) (reçu \(central))")
        }
    }

    func run() async throws {
        try await failingClearly {
            try refuseRootOnServiceDirectory(data)
            let path = URL(fileURLWithPath: data, isDirectory: true).appendingPathComponent("djobea.sqlite").path
            guard enroll != nil || FileManager.default.fileExists(atPath: path) else {
                throw CommandFailure(
                    "Pas de hub dans \(data) : enrôlez-le d'abord avec « djobea sync --once --data \(data) --central <url> --enroll <jeton> ».")
            }
            // The hub may be running: no directory lock; SQLite arbitrates, and every batch is one transaction.
            let directory = try DataDirectory(path: data, create: true)
            let database = try NodeDatabase.open(path: directory.databasePath, role: .hub)
            guard
                let link = try await Node.hubLink(directory: directory, database: database, central: central, enroll: enroll, announce: printLine)
            else {
                throw CommandFailure(
                    "Ce hub n'est pas enrôlé : enrôlez-le avec « djobea sync --once --data \(data) --central <url> --enroll <jeton> ».")
            }
            // The hub's own engine and photo lane; the requests it brings in are offered by the hub's offer routing.
            let engine = Node.syncEngine(
                database: database, link: link, logger: makeLogger("djobea.sync"),
                blobs: URL(fileURLWithPath: data, isDirectory: true).appendingPathComponent("blobs", isDirectory: true), offersRequests: false)
            let started = Date()
            do {
                let report = try await engine.syncOnce { report in
                    FileHandle.standardError.write(Data("\r\(SyncCommand.line(report))\u{1B}[K".utf8))
                }
                FileHandle.standardError.write(Data("\n".utf8))
                printLine("Synchronisé en \(String(format: "%.1f", Date().timeIntervalSince(started))) s — \(SyncCommand.line(report))")
                if !skipPhotos {
                    let photos = try await engine.syncPhotosOnce()
                    printLine(
                        "Photos : \(photos.uploaded) envoyée(s), \(photos.downloaded) reçue(s), \(photos.bytesSent) o envoyés en \(photos.chunks) morceau(x), \(photos.resends) renvoi(s)"
                    )
                }
            } catch let error as SyncError {
                FileHandle.standardError.write(Data("\n".utf8))
                throw CommandFailure("Synchronisation échouée : \(error.messageFR)")
            }
        }
    }

    static func line(_ report: SyncRoundReport) -> String {
        "envoyés \(report.pushed), reçus \(report.pulled), doublons \(report.duplicates), conflits \(report.conflicts), \(report.bytes / 1024) Ko"
    }
}
