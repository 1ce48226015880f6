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

    @Option(
        name: .long,
        help: "Format des journaux : human (lisible, par défaut) ou json (un objet JSON par ligne, pour un collecteur). Aussi DJOBEA_LOG_FORMAT."
    )
    var logFormat: String = ProcessInfo.processInfo.environment["DJOBEA_LOG_FORMAT"].flatMap { $0.isEmpty ? nil : $0 } ?? "human"

    /// Installs the log format for the process: call it first in `run()`, before any logger is made.
    func startLogging() {
        NodeLogging.bootstrap(LogFormat(rawValue: logFormat) ?? .human)
    }

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

    /// The node's configuration from these options and the process environment (TLS loaded and checked).
    func configuration() throws -> NodeConfiguration {
        var configuration = NodeConfiguration(dataDirectory: data)
        configuration.host = host
        configuration.port = port
        configuration.tls = try serverTLS()
        configuration.notifier = NotifierChoice(rawValue: notifier) ?? .console
        return configuration
    }

    func validate() throws {
        switch tlsPaths {
        case (.some, nil): throw ValidationError("--tls-cert demande aussi --tls-key (ou DJOBEA_TLS_KEY) : la clé privée du certificat")
        case (nil, .some): throw ValidationError("--tls-key demande aussi --tls-cert (ou DJOBEA_TLS_CERT) : le certificat de la clé")
        default: break
        }
        guard LogFormat(rawValue: logFormat) != nil else {
            throw ValidationError("--log-format \(logFormat) : format inconnu (possibles : human, json)")
        }
        guard (1...65535).contains(port) else { throw ValidationError("--port doit être entre 1 et 65535 (reçu \(port))") }
        guard NotifierChoice(rawValue: notifier) != nil else {
            let known = NotifierChoice.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--notifier \(notifier) : pilote inconnu ou pas encore disponible (disponibles : \(known))")
        }
    }
}

func makeLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .notice
    return logger
}

/// Prints one line to stdout unbuffered, so a supervising process (or test) sees it at once; a JSON log object under
/// `--log-format json`.
func printLine(_ text: String) {
    NodeLogging.announce(text)
}

/// Writes a progress line (`\r`…) on stderr, only in the human log format: a log collector wants whole JSON lines.
func progressLine(_ text: String) {
    guard NodeLogging.format == .human else { return }
    FileHandle.standardError.write(Data(text.utf8))
}
