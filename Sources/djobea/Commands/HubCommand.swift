import ArgumentParser
import DjobeaStore
import Foundation

/// `djobea hub`: a neighbourhood node serving its providers from its own SQLite file.
struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub", abstract: "Démarre un hub de quartier (API prestataires, base SQLite locale).")

    @OptionGroup var node: NodeOptions

    func run() async throws {
        try await failingClearly {
            let directory = try DataDirectory(path: node.data, create: false)
            let database = try NodeDatabase.open(path: directory.databasePath, role: .hub)
            let logger = makeLogger("djobea.hub")
            try await serve(database: database, directory: directory, options: node, role: .hub, logger: logger) { port in
                printLine("Hub \(database.nodeId) à l'écoute sur http://\(node.host == "0.0.0.0" ? "127.0.0.1" : node.host):\(port)")
            }
        }
    }
}
