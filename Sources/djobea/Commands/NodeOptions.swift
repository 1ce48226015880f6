import ArgumentParser
import DjobeaServer
import DjobeaStore
import Foundation
import Logging

/// Options shared by the commands that start a node.
struct NodeOptions: ParsableArguments {
    @Option(name: .long, help: "Dossier de données du nœud (base SQLite, photos).")
    var data: String

    @Option(name: .long, help: "Port HTTP d'écoute.")
    var port: Int = 8080

    @Option(name: .long, help: "Adresse d'écoute.")
    var host: String = "0.0.0.0"

    @Option(name: .long, help: "Pilote WhatsApp : console, twilio ou whatsapp-cloud. Aussi DJOBEA_NOTIFIER.")
    var notifier: String = ProcessInfo.processInfo.environment["DJOBEA_NOTIFIER"] ?? "console"

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port doit être entre 1 et 65535 (reçu \(port))") }
        guard NotifierChoice(rawValue: notifier) != nil else {
            let known = NotifierChoice.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--notifier \(notifier) : pilote inconnu ou pas encore disponible (disponibles : \(known))")
        }
    }
}

/// Starts the HTTP server of an open node and runs until SIGINT/SIGTERM.
func serve(
    database: NodeDatabase, directory: DataDirectory, options: NodeOptions, role: NodeRole, logger: Logger, extra: [BackgroundLoop] = [],
    ops: OpsSettings? = nil, onRunning: @escaping @Sendable (Int) async -> Void
) async throws {
    let hub = try await HubServices.make(
        database: database, dataDirectory: directory.url, notifier: NotifierChoice(rawValue: options.notifier) ?? .console,
        environment: ProcessInfo.processInfo.environment, logger: logger)
    let app = buildApplication(
        settings: ServerSettings(host: options.host, port: options.port, role: role), database: database, logger: logger,
        background: hub.background + extra, provider: hub.provider, ops: ops, onServerRunning: onRunning)
    try await app.runService()
    withExtendedLifetime(directory) {}
}

/// The ops console's settings for the node in `directory` (password from `DJOBEA_OPS_PASSWORD` or `<data>/ops-password`),
/// and where the operator finds the password.
func opsConsole(directory: DataDirectory, hubName: String? = nil, hubId: String? = nil) throws -> (settings: OpsSettings, hint: String) {
    let password = try OpsSettings.password(dataDirectory: directory.url, environment: ProcessInfo.processInfo.environment)
    return (
        OpsSettings(password: password.value, hubName: hubName, hubId: hubId),
        "mot de passe : " + (password.file.map { "voir \($0)" } ?? "DJOBEA_OPS_PASSWORD")
    )
}

func makeLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .notice
    return logger
}

/// Prints one line to stdout unbuffered, so a supervising process (or test) sees it at once.
func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
