import ArgumentParser
import DjobeaDemo
import DjobeaDomain
import DjobeaStore
import Foundation

/// `djobea demo`: the Bonamoussadi hub with 90 days of realistic data, for a newcomer.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Remplit un dossier avec des données de démo (s'il est vide) et démarre le hub.")

    @OptionGroup var node: NodeOptions

    @Option(name: .long, help: "Graine du générateur (mêmes données pour la même graine et le même jour).")
    var seed: UInt64 = 2026

    func run() async throws {
        try await failingClearly {
            let directory = try DataDirectory(path: node.data, create: true)
            let marker = directory.url.appendingPathComponent("demo-complete")
            if !directory.isEmpty && !FileManager.default.fileExists(atPath: marker.path) {
                // A generation was interrupted: its half-filled database is demo data, safe to start over.
                printLine("Génération de démo précédente interrompue : on recommence à zéro.")
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: directory.databasePath + suffix) }
            }
            let fresh = directory.isEmpty
            let database = try NodeDatabase.open(
                path: directory.databasePath, role: .hub, newNodeId: DjobeaID.derived(namespace: "demo-node", name: "bonamoussadi-\(seed)"))
            if fresh {
                try generate(into: database, directory: directory)
                try Data(UTCTimestamp.format(Date()).utf8).write(to: marker)
            } else {
                printLine("Données de démo existantes réutilisées : \(directory.url.path)")
            }
            let providers = try await database.providerListing(limit: 5)
            let logger = makeLogger("djobea.demo")
            try await serve(database: database, directory: directory, options: node, role: .hub, logger: logger) { port in
                printLine("")
                printLine("Hub de démo Bonamoussadi prêt : http://127.0.0.1:\(port)  (santé : http://127.0.0.1:\(port)/healthz)")
                printLine("Prestataires de démo (connexion par code WhatsApp) :")
                for provider in providers {
                    printLine("  \(provider.phone)  \(provider.name) — \(provider.services.joined(separator: ", "))")
                }
                printLine("Ctrl-C pour arrêter.")
            }
        }
    }

    private func generate(into database: NodeDatabase, directory: DataDirectory) throws {
        let started = Date()
        let generator = DemoGenerator(seed: seed, now: started)
        let photos = PhotoLibrary(blobs: try BlobStore(root: directory.blobsURL))
        var lastPercent = -1
        let summary = try generator.generate(into: database, photos: photos) { progress in
            let percent = Int((progress.fraction * 100).rounded(.down))
            guard percent != lastPercent else { return }
            lastPercent = percent
            FileHandle.standardError.write(Data("\rGénération des données de démo… \(percent) % — \(progress.phase)\u{1B}[K".utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        printLine(
            "Démo générée en \(seconds) s : \(summary.providers) prestataires, \(summary.clients) clients, \(summary.requests) demandes sur \(summary.days) jours."
        )
    }
}
