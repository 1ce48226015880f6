import DjobeaDomain
import DjobeaStore
import Foundation
import Logging

/// Everything a node needs to start, as the command line computes it from its arguments and the environment.
/// `Node.build(role:configuration:)` wires a hub or a central from it; the tests build nodes the same way.
public struct NodeConfiguration: Sendable {
    /// The node's data directory: the SQLite file, photo blobs, outbox, secrets, ops password, central link.
    public var dataDirectory: String
    /// Whether a missing data directory is created (a hub started without `--enroll` must find its own).
    public var createDirectory = true
    /// The address and port the HTTP(S) server listens on (port 0: any free port, reported to `onServerRunning`).
    public var host = "0.0.0.0"
    public var port = 8080
    /// How long a connection may stay without a complete request part (`ServerSettings.idleTimeout`).
    public var idleTimeout = ServerSettings.defaultIdleTimeout
    /// The certificate and key, already loaded and checked: the node then serves HTTPS.
    public var tls: ServerTLS?
    /// The WhatsApp driver of a hub's provider codes and of the gateway (`--notifier`, `DJOBEA_NOTIFIER`).
    public var notifier: NotifierChoice = .console
    /// A hub is its own gateway (WhatsApp, SMS, Web Push, webhooks) instead of central (`--gateway`,
    /// `DJOBEA_GATEWAY=1`). Central always is its deployment's gateway.
    public var gateway = false
    /// A hub's central (`--central`): syncing is on. With `enrollmentToken` (`--enroll`) the hub enrols first.
    public var centralURL: String?
    public var enrollmentToken: String?
    /// Central on PostgreSQL (`--postgres`, `DJOBEA_DATABASE_URL`): `postgresql://user:password@host:port/database`.
    /// nil: the embedded SQLite database in the data directory. Several central processes may share one database.
    public var postgresURL: String?
    /// Where photo blobs are kept; nil: `<data>/blobs`. Central processes sharing one PostgreSQL database share this
    /// directory too (`--blobs`, `DJOBEA_BLOBS_DIR`), so a photo uploaded to one is served by the others.
    public var blobsDirectory: String?
    /// Central's platform API key (`--api-key`); nil takes `DJOBEA_API_KEY`, else the one kept in `<data>/api-key`.
    public var apiKey: String?
    /// The process environment: secrets and drivers' settings, `DJOBEA_SYNC_INTERVAL`, `DJOBEA_OPS_PASSWORD`,
    /// `DJOBEA_API_KEY`, `LOG_LEVEL`, `PROVIDER_*`, `WHATSAPP_CLOUD_*`, `TWILIO_*`…
    public var environment: [String: String]
    /// The logger's label; nil gives `djobea.hub` or `djobea.central`.
    public var loggerLabel: String?

    public init(dataDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.dataDirectory = dataDirectory
        self.environment = environment
    }

    /// `DJOBEA_SYNC_INTERVAL`: seconds between a hub's rounds, and what central and the ops consoles expect.
    public var syncInterval: TimeInterval { syncIntervalSetting(environment) }

    /// The node's logger: its label, at `LOG_LEVEL` (notice by default).
    public func logger(role: NodeRole) -> Logger {
        var logger = Logger(label: loggerLabel ?? "djobea.\(role.rawValue)")
        logger.logLevel = environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .notice
        return logger
    }
}

/// A node's data directory (locked) and the storage it serves from: its SQLite database, or, for central at scale,
/// a PostgreSQL database (`--postgres`), the data directory then keeping only files (secrets, photo blobs, outbox).
public struct NodeStorage: Sendable {
    public let directory: DataDirectory
    /// What the node's routes, loops and sync read and write, whatever the engine.
    public let served: any ServedStorage
    /// The SQLite database; nil for central on PostgreSQL.
    public let sqlite: NodeDatabase?

    /// A node on its SQLite database (every hub; central embedded).
    public init(directory: DataDirectory, database: NodeDatabase) {
        self.directory = directory
        self.served = database
        self.sqlite = database
    }

    /// Central on PostgreSQL.
    public init(directory: DataDirectory, postgres: PostgresServedStorage) {
        self.directory = directory
        self.served = postgres
        self.sqlite = nil
    }

    /// The node's SQLite database: every hub has one, and central unless it runs on PostgreSQL. Only the hub's parts
    /// (provider API, sync engine, offer routing) and SQLite tools reach for it; on a PostgreSQL central it is a
    /// programming error.
    public var database: NodeDatabase {
        guard let sqlite else { preconditionFailure("central on PostgreSQL has no SQLite database") }
        return sqlite
    }

    /// Gives back what the storage holds open beyond the process's files (PostgreSQL's connections).
    public func close() async {
        if let postgres = served as? PostgresServedStorage { await postgres.close() }
    }

    /// Locks the configuration's data directory (made if allowed) and opens or creates the node's database: the
    /// PostgreSQL one of `configuration.postgresURL` (central only), else `<data>/djobea.sqlite`.
    public static func open(role: NodeRole, configuration: NodeConfiguration) async throws -> NodeStorage {
        let directory = try DataDirectory(path: configuration.dataDirectory, create: configuration.createDirectory)
        if let url = configuration.postgresURL {
            guard role == .central else { throw NodeStartupError("PostgreSQL n'est possible que pour le central : un hub garde sa base SQLite.") }
            do {
                let postgres = try await PostgresServedStorage.open(url: url, role: role, logger: configuration.logger(role: role))
                return NodeStorage(directory: directory, postgres: postgres)
            } catch {
                throw NodeStartupError("Base PostgreSQL inaccessible (\(PostgresURLDisplay.redacted(url))) : \(error)")
            }
        }
        return NodeStorage(directory: directory, database: try NodeDatabase.open(path: directory.databasePath, role: role))
    }
}

/// A PostgreSQL URL as an operator may read it in a message or a log: the password replaced by `***`, the query
/// (which may carry `password=`) dropped. Text that is not a URL it can read is masked after `://` as a whole.
public enum PostgresURLDisplay {
    public static func redacted(_ url: String) -> String {
        if var parts = URLComponents(string: url), parts.scheme != nil, parts.host != nil {
            if parts.password != nil { parts.password = "***" }
            parts.query = nil
            if let shown = parts.string { return shown }
        }
        guard let scheme = url.range(of: "://") else { return "***" }
        let rest = url[scheme.upperBound...]
        // user:secret@host/db → user:***@host/…
        if let at = rest.lastIndex(of: "@") {
            let user = rest[..<at].split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            return String(url[..<scheme.upperBound]) + user + ":***@…"
        }
        return String(url[..<scheme.upperBound]) + "…"
    }
}

/// Why a node cannot start, in one French line for the operator (`djobea: …`).
public struct NodeStartupError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The ops console's settings and where the operator finds its password.
public struct OpsConsole: Sendable {
    /// nil: no console; central still serves `/ops/sync-status` to its API key.
    public let settings: OpsSettings?
    /// "mot de passe : voir <file>" or "mot de passe : DJOBEA_OPS_PASSWORD".
    public let hint: String

    public init(settings: OpsSettings?, hint: String = "") {
        self.settings = settings
        self.hint = hint
    }

    /// The console of the node in `directory` (password from `DJOBEA_OPS_PASSWORD` or `<data>/ops-password`).
    public static func make(directory: URL, hubName: String? = nil, hubId: String? = nil, environment: [String: String]) throws -> OpsConsole {
        let password = try OpsSettings.password(dataDirectory: directory, environment: environment)
        var settings = OpsSettings(password: password.value, hubName: hubName, hubId: hubId)
        settings.syncInterval = syncIntervalSetting(environment)
        return OpsConsole(settings: settings, hint: "mot de passe : " + (password.file.map { "voir \($0)" } ?? "DJOBEA_OPS_PASSWORD"))
    }
}

/// Central's platform API key and the file it is kept in (nil when given by option or environment).
public struct CentralAPIKey: Sendable {
    public let value: String
    public let file: String?

    /// The option, else `DJOBEA_API_KEY`, else the one kept in `<data>/api-key` (made on first start).
    public static func load(given: String?, directory: DataDirectory, environment: [String: String]) throws -> CentralAPIKey {
        if let given = given ?? environment["DJOBEA_API_KEY"], !given.isEmpty {
            guard given.count >= 16 else { throw NodeStartupError("La clé d'API doit faire au moins 16 caractères.") }
            return CentralAPIKey(value: given, file: nil)
        }
        let file = directory.url.appendingPathComponent("api-key")
        if let stored = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !stored.isEmpty {
            return CentralAPIKey(value: stored, file: file.path)
        }
        var random = SystemRandomNumberGenerator()
        let key = "djk_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        guard FileManager.default.createFile(atPath: file.path, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw NodeStartupError(
                "Impossible d'écrire la clé d'API dans \(file.path) : vérifiez les droits et l'espace libre du répertoire de données.")
        }
        return CentralAPIKey(value: key, file: file.path)
    }
}
