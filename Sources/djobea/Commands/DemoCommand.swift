import ArgumentParser
import DjobeaDemo
import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaSync
import Foundation
import Logging

/// `djobea demo`: central with 90 days of realistic data and the Bonamoussadi hub synced from it, for a newcomer.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Démo : central (données réalistes de 90 jours) et hub Bonamoussadi synchronisés, sur deux ports voisins.")

    @OptionGroup var node: NodeOptions

    @Option(name: .long, help: "Graine du générateur (mêmes données pour la même graine et le même jour).")
    var seed: UInt64 = 2026

    func run() async throws {
        node.startLogging()
        try await failingClearly {
            // The demo is a developer's machine: browsers' push subscriptions may point to a local push service.
            setenv("DJOBEA_PUSH_ALLOW_LOOPBACK", "1", 0)
            // With --tls-cert/--tls-key the hub (the app's server) speaks HTTPS; central stays on loopback HTTP.
            var hubConfiguration = try node.configuration()
            hubConfiguration.loggerLabel = "djobea.demo"
            // The hub lives in --data (its database, outbox, photos); central in --data/central, on the next port.
            let hubDirectory = try DataDirectory(path: node.data, create: true)
            let centralDirectory = try DataDirectory(path: hubDirectory.url.appendingPathComponent("central").path, create: true)
            let marker = hubDirectory.url.appendingPathComponent("demo-complete")
            let complete = FileManager.default.fileExists(atPath: marker.path) && !centralDirectory.isEmpty
            if !complete, !(hubDirectory.isEmpty && centralDirectory.isEmpty) {
                // A generation or first sync was interrupted (or the directory is from a hub-only demo): its databases
                // are demo data, safe to start over.
                printLine("Génération de démo précédente interrompue : on recommence à zéro.")
                for directory in [hubDirectory, centralDirectory] {
                    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: directory.databasePath + suffix) }
                }
                try? FileManager.default.removeItem(at: hubDirectory.url.appendingPathComponent(CentralLink.fileName))
                try? FileManager.default.removeItem(at: marker)
            }
            let fresh = centralDirectory.isEmpty
            let central = try NodeDatabase.open(
                path: centralDirectory.databasePath, role: .central,
                newNodeId: DjobeaID.derived(namespace: "demo-node", name: "central-\(seed)"))
            if fresh {
                // The photos are central's as much as the hub's (a hub rebuilt from central gets them back): written at
                // central, copied to the hub as if each had gone up the photo lane.
                try generate(into: central, photos: centralDirectory)
                try Self.copyBlobs(from: centralDirectory.blobsURL, to: hubDirectory.blobsURL)
            } else {
                printLine("Données de démo existantes réutilisées : \(hubDirectory.url.path)")
            }
            let hub = try NodeDatabase.open(
                path: hubDirectory.databasePath, role: .hub, newNodeId: DjobeaID.derived(namespace: "demo-node", name: "bonamoussadi-\(seed)"))
            var centralConfiguration = hubConfiguration
            centralConfiguration.dataDirectory = centralDirectory.url.path
            centralConfiguration.port = node.port + 1
            centralConfiguration.tls = nil
            let centralNode = try await Node.build(
                role: .central, configuration: centralConfiguration, storage: NodeStorage(directory: centralDirectory, database: central))
            let listening = AsyncStream.makeStream(of: Int.self)
            let centralTask = Task {
                try await centralNode.run { port in listening.continuation.yield(port) }
            }
            defer { centralTask.cancel() }
            var iterator = listening.stream.makeAsyncIterator()
            guard await iterator.next() != nil else { throw CommandFailure("Le central de démo n'a pas démarré.") }
            let centralURL = "http://127.0.0.1:\(centralNode.configuration.port)"
            var token: String?
            if try CentralLink.load(from: hubDirectory.url) == nil {
                token = try await central.enrolHub(name: Bonamoussadi.hubName, zoneCodes: Bonamoussadi.quarters.map(\.code)).token
            }
            let link = try await Node.hubLink(directory: hubDirectory, database: hub, central: centralURL, enroll: token, announce: printLine)
            guard let link else { throw CommandFailure("Hub de démo non enrôlé.") }
            try await initialSync(hub: hub, link: link, logger: hubConfiguration.logger(role: .hub))
            try await DemoHubSide.replayProviderActions(central: central, hub: hub)
            if !FileManager.default.fileExists(atPath: marker.path) { try Data(UTCTimestamp.format(Date()).utf8).write(to: marker) }
            let providers = try await AccountStore(hub).listing(limit: 5)
            hubConfiguration.centralURL = centralURL
            let hubNode = try await Node.build(
                role: .hub, configuration: hubConfiguration, storage: NodeStorage(directory: hubDirectory, database: hub))
            try await hubNode.run { port in
                printLine("")
                let hubURL = "\(hubNode.configuration.tls == nil ? "http" : "https")://127.0.0.1:\(port)"
                printLine("Hub de démo Bonamoussadi prêt : \(hubURL)  (santé : \(hubURL)/healthz)")
                let codes = hubDirectory.outboxURL.appendingPathComponent("whatsapp.jsonl").path
                printLine("Application des prestataires : \(hubURL)/  (le code WhatsApp s'affiche ici et dans \(codes))")
                printLine(
                    "Central de démo : \(centralURL)  (clé d'API : \(centralNode.apiKey?.file ?? "DJOBEA_API_KEY"), suivi : \(centralURL)/ops/sync-status)"
                )
                printLine("Console ops du central : \(centralURL)/ops (\(centralNode.ops.hint))")
                printLine("Console ops du hub : \(hubURL)/ops (\(hubNode.ops.hint))")
                printLine("Prestataires de démo (connexion par code WhatsApp) :")
                for provider in providers {
                    printLine("  \(provider.phone)  \(provider.name) — \(provider.services.joined(separator: ", "))")
                }
                printLine("Ctrl-C pour arrêter.")
            }
        }
    }

    /// Brings the hub up to date with central before it serves, with a progress line.
    private func initialSync(hub: NodeDatabase, link: CentralLink, logger: Logger) async throws {
        // The hub's engine, rows only and in larger batches; the hub's offer routing offers what is open once it runs.
        let engine = Node.syncEngine(database: hub, link: link, logger: logger, blobs: nil, batchBytes: 1 << 20, offersRequests: false)
        let started = Date()
        do {
            let report = try await engine.syncOnce { report in
                progressLine("\rSynchronisation du hub avec le central… \(report.pulled) changements reçus\u{1B}[K")
            }
            progressLine("\n")
            printLine(
                "Hub synchronisé en \(String(format: "%.1f", Date().timeIntervalSince(started))) s : \(report.pulled) changements reçus, \(report.pushed) envoyés."
            )
        } catch let error as SyncError {
            throw CommandFailure("Synchronisation initiale du hub échouée : \(error.messageFR)")
        }
    }

    /// Copies every file under `source` to the same relative path under `destination` (content-addressed blobs: a file
    /// already there is the same bytes and is left alone).
    static func copyBlobs(from source: URL, to destination: URL) throws {
        let files = FileManager.default.enumerator(at: source, includingPropertiesForKeys: [.isRegularFileKey])
        while let file = files?.nextObject() as? URL {
            guard (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let relative = String(file.standardizedFileURL.path.dropFirst(source.standardizedFileURL.path.count)).trimmingCharacters(
                in: CharacterSet(charactersIn: "/"))
            let target = destination.appendingPathComponent(relative)
            guard !FileManager.default.fileExists(atPath: target.path) else { continue }
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: file, to: target)
        }
    }

    private func generate(into database: NodeDatabase, photos directory: DataDirectory) throws {
        let started = Date()
        let generator = DemoGenerator(seed: seed, now: started)
        let photos = PhotoLibrary(blobs: try BlobStore(root: directory.blobsURL))
        var lastPercent = -1
        let summary = try generator.generate(into: database, photos: photos) { progress in
            let percent = Int((progress.fraction * 100).rounded(.down))
            guard percent != lastPercent else { return }
            lastPercent = percent
            progressLine("\rGénération des données de démo… \(percent) % — \(progress.phase)\u{1B}[K")
        }
        progressLine("\n")
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        printLine(
            "Démo générée en \(seconds) s : \(summary.providers) prestataires, \(summary.clients) clients, \(summary.requests) demandes sur \(summary.days) jours."
        )
    }
}
