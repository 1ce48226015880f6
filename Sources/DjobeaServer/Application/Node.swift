import DjobeaStore
import DjobeaSync
import Foundation
import Hummingbird
import Logging

/// A node of Djobea Edge with every service wired: its storage, the provider API and its loops (hub), the sync engine
/// and photo lane (a hub linked with central), central's sync exchange and platform API, the gateway, the ops console.
///
/// The composition root: `djobea hub`, `djobea central` and `djobea demo` parse their arguments into a
/// `NodeConfiguration`, call `Node.build` and `run` it; the tests build nodes the same way.
public struct Node: Sendable {
    public let role: NodeRole
    public let configuration: NodeConfiguration
    public let storage: NodeStorage
    public let logger: Logger
    /// A hub's credential with central; nil for central and for a hub that does not sync.
    public let link: CentralLink?
    /// A linked hub's continuous sync with central (its photo lane included), run by the `sync` loop.
    public let syncEngine: SyncEngine?
    /// Central's platform API key.
    public let apiKey: CentralAPIKey?
    public let ops: OpsConsole
    /// A hub's provider API (authentication, rate limits, response cache).
    public let provider: ProviderAPIServices?
    /// Central's sync exchange and platform API.
    public let central: CentralServices?
    /// The gateway: always on central, on a hub started with `gateway`.
    public let gateway: GatewayServices?
    /// The node's own loops (the provider-code queue, offer routing, slot answers, sync); the application adds the
    /// gateway's loops and the storage probe.
    public let background: [BackgroundLoop]

    public var database: NodeDatabase { storage.database }
    public var directory: DataDirectory { storage.directory }

    /// Wires the node `role` from `configuration`.
    ///
    /// - Parameters:
    ///   - storage: the node's directory and database when the caller opened them first (the demo generates its data
    ///     before central starts); nil opens them from the configuration.
    ///   - announce: the lines the operator reads on stdout while the node is built (a hub's enrolment).
    public static func build(
        role: NodeRole, configuration: NodeConfiguration, storage: NodeStorage? = nil, announce: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> Node {
        let storage = try storage ?? NodeStorage.open(role: role, configuration: configuration)
        let database = storage.database
        let directory = storage.directory
        let environment = configuration.environment
        switch role {
        case .central:
            try await IntakeStore(database).seedReferenceData()
            let key = try CentralAPIKey.load(given: configuration.apiKey, directory: directory, environment: environment)
            let logger = configuration.logger(role: role)
            let blobs = try BlobStore(root: directory.blobsURL)
            let central = CentralServices(
                sync: CentralSyncService(database: database, logger: logger, blobs: blobs), apiKey: key.value,
                syncInterval: configuration.syncInterval)
            let ops = try OpsConsole.make(directory: directory.url, environment: environment)
            // Central is its deployment's gateway to the outside world (WhatsApp, SMS, Web Push).
            let gateway = try await GatewayServices.make(
                database: database, dataDirectory: directory.url, driver: configuration.notifier, environment: environment, logger: logger)
            return Node(
                role: role, configuration: configuration, storage: storage, logger: logger, link: nil, syncEngine: nil, apiKey: key, ops: ops,
                provider: nil, central: central, gateway: gateway, background: [])
        case .hub:
            let logger = configuration.logger(role: role)
            let link = try await hubLink(
                directory: directory, database: database, central: configuration.centralURL, enroll: configuration.enrollmentToken,
                announce: announce)
            let engine = link.map {
                syncEngine(database: database, link: $0, logger: logger, blobs: directory.blobsURL, interval: configuration.syncInterval)
            }
            let ops = try OpsConsole.make(directory: directory.url, hubName: link?.hubName, hubId: link?.hubId, environment: environment)
            let hub = try await HubServices.make(
                database: database, dataDirectory: directory.url, notifier: configuration.notifier, environment: environment, logger: logger)
            // A hub is its own gateway only when ops say so (--gateway): otherwise central sends its messages.
            var gateway: GatewayServices?
            if configuration.gateway {
                gateway = try await GatewayServices.make(
                    database: database, dataDirectory: directory.url, driver: configuration.notifier, environment: environment, logger: logger)
            } else {
                try await GatewayStore(database).setGateway(false)
            }
            let sync = engine.map { engine in BackgroundLoop(name: "sync") { await engine.run() } }
            return Node(
                role: role, configuration: configuration, storage: storage, logger: logger, link: link, syncEngine: engine, apiKey: nil, ops: ops,
                provider: hub.provider, central: nil, gateway: gateway, background: hub.background + (sync.map { [$0] } ?? []))
        }
    }

    /// The node's HTTP(S) application, its services included: a `Service`, ready for a `ServiceGroup`.
    ///
    /// - Parameter onServerRunning: called with the port once the socket listens.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        buildApplication(
            settings: ServerSettings(host: configuration.host, port: configuration.port, role: role, tls: configuration.tls), database: database,
            logger: logger, background: background, provider: provider, central: central, ops: ops.settings, gateway: gateway,
            onServerRunning: onServerRunning)
    }

    /// Serves until SIGINT/SIGTERM, the data directory locked all along.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(onServerRunning: onServerRunning).runService()
        withExtendedLifetime(storage.directory) {}
    }

    /// The base URL to print once the node listens on `port`: https with TLS, 127.0.0.1 for a wildcard address.
    public func baseURL(port: Int) -> String {
        "\(configuration.tls == nil ? "http" : "https")://\(configuration.host == "0.0.0.0" ? "127.0.0.1" : configuration.host):\(port)"
    }

    /// A hub's credential: enrols with `enroll` if given, else loads the saved one (updating its URL to `central`).
    public static func hubLink(
        directory: DataDirectory, database: NodeDatabase, central: String?, enroll: String?,
        announce: @Sendable (String) -> Void = { _ in }
    ) async throws -> CentralLink? {
        if let enroll, let central {
            do {
                let link = try await SyncClient.enroll(centralURL: central, token: enroll, database: database)
                try link.save(to: directory.url)
                announce("Hub enrôlé auprès du central : « \(link.hubName) », zones \(link.zones.joined(separator: ", ")).")
                return link
            } catch let error as SyncError {
                throw NodeStartupError("Enrôlement refusé : \(error.messageFR)")
            }
        }
        guard var link = try CentralLink.load(from: directory.url) else {
            if central != nil {
                throw NodeStartupError("Ce hub n'est pas encore enrôlé : ajoutez --enroll <jeton> (donné par « djobea central enroll-hub »).")
            }
            return nil
        }
        if let central, central != link.centralURL {
            link.centralURL = central
            try link.save(to: directory.url)
        }
        return link
    }

    /// The hub's continuous sync with central, a round every `interval` seconds when nothing happens locally (a local
    /// commit starts one at once); requests it brings in are offered to providers at once. With `blobs` (the hub's
    /// blob directory) the photo lane runs when the rows are idle (SPEC.md §6).
    static func syncEngine(database: NodeDatabase, link: CentralLink, logger: Logger, blobs: URL, interval: TimeInterval) -> SyncEngine {
        let dispatcher = OfferDispatcher(database: database, logger: logger)
        database.homeHubId = link.hubId
        let client = SyncClient(link: link, database: database)
        let photos = (try? BlobStore(root: blobs)).map { PhotoLane(database: database, client: client, blobs: $0, logger: logger) }
        return SyncEngine(
            database: database, client: client, logger: logger, interval: .milliseconds(Int(interval * 1000)), photos: photos,
            onRequestsChanged: { requests in
                for request in requests { _ = try? await dispatcher.dispatch(requestId: request) }
            })
    }
}
