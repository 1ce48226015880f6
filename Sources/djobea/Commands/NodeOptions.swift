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

    @Option(name: .long, help: "Certificat TLS (PEM, chaîne complète) : le nœud sert alors HTTPS. Aussi DJOBEA_TLS_CERT ; avec --tls-key.")
    var tlsCert: String?

    @Option(name: .long, help: "Clé privée TLS (PEM, non chiffrée) du certificat. Aussi DJOBEA_TLS_KEY ; avec --tls-cert.")
    var tlsKey: String?

    /// The certificate and key paths, from the options or else `DJOBEA_TLS_CERT` / `DJOBEA_TLS_KEY` (empty means unset).
    var tlsPaths: (certificate: String?, key: String?) {
        let environment = ProcessInfo.processInfo.environment
        func given(_ option: String?, _ key: String) -> String? {
            (option ?? environment[key]).flatMap { $0.isEmpty ? nil : $0 }
        }
        return (given(tlsCert, "DJOBEA_TLS_CERT"), given(tlsKey, "DJOBEA_TLS_KEY"))
    }

    /// The TLS certificate and key, loaded and checked; nil when none is given (plain HTTP).
    func serverTLS() throws -> ServerTLS? {
        guard case (let certificate?, let key?) = tlsPaths else { return nil }
        do {
            return try ServerTLS.load(certificatePath: certificate, keyPath: key)
        } catch let error as ServerTLSError {
            throw CommandFailure(error.description)
        }
    }

    func validate() throws {
        switch tlsPaths {
        case (.some, nil): throw ValidationError("--tls-cert demande aussi --tls-key (ou DJOBEA_TLS_KEY) : la clé privée du certificat")
        case (nil, .some): throw ValidationError("--tls-key demande aussi --tls-cert (ou DJOBEA_TLS_CERT) : le certificat de la clé")
        default: break
        }
        guard (1...65535).contains(port) else { throw ValidationError("--port doit être entre 1 et 65535 (reçu \(port))") }
        guard NotifierChoice(rawValue: notifier) != nil else {
            let known = NotifierChoice.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--notifier \(notifier) : pilote inconnu ou pas encore disponible (disponibles : \(known))")
        }
    }
}

/// The base URL a node prints once it listens: https with TLS, 127.0.0.1 for a wildcard address.
func baseURL(_ options: NodeOptions, port: Int, tls: ServerTLS?) -> String {
    "\(tls == nil ? "http" : "https")://\(options.host == "0.0.0.0" ? "127.0.0.1" : options.host):\(port)"
}

/// Starts the HTTP(S) server of an open node and runs until SIGINT/SIGTERM.
func serve(
    database: NodeDatabase, directory: DataDirectory, options: NodeOptions, role: NodeRole, tls: ServerTLS? = nil, logger: Logger,
    extra: [BackgroundLoop] = [], ops: OpsSettings? = nil, gateway: Bool = false, onRunning: @escaping @Sendable (Int) async -> Void
) async throws {
    let environment = ProcessInfo.processInfo.environment
    let hub = try await HubServices.make(
        database: database, dataDirectory: directory.url, notifier: NotifierChoice(rawValue: options.notifier) ?? .console,
        environment: environment, logger: logger)
    // A hub is its own gateway only when ops say so (--gateway): otherwise central sends its messages.
    var services: GatewayServices?
    if gateway {
        services = try await GatewayServices.make(
            database: database, dataDirectory: directory.url, driver: NotifierChoice(rawValue: options.notifier) ?? .console,
            environment: environment, logger: logger)
    } else {
        try await GatewayStore(database).setGateway(false)
    }
    let app = buildApplication(
        settings: ServerSettings(host: options.host, port: options.port, role: role, tls: tls), database: database, logger: logger,
        background: hub.background + extra, provider: hub.provider, ops: ops, gateway: services, onServerRunning: onRunning)
    try await app.runService()
    withExtendedLifetime(directory) {}
}

/// The ops console's settings for the node in `directory` (password from `DJOBEA_OPS_PASSWORD` or `<data>/ops-password`),
/// and where the operator finds the password.
func opsConsole(directory: DataDirectory, hubName: String? = nil, hubId: String? = nil) throws -> (settings: OpsSettings, hint: String) {
    let environment = ProcessInfo.processInfo.environment
    let password = try OpsSettings.password(dataDirectory: directory.url, environment: environment)
    var settings = OpsSettings(password: password.value, hubName: hubName, hubId: hubId)
    settings.syncInterval = syncIntervalSetting(environment)
    return (
        settings,
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
