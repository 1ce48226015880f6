import Crypto
import DjobeaAuth
import DjobeaDomain
import DjobeaGateway
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
    // The parts below are what `build` wires from the configuration. A test substitutes one for its double by building
    // the node from its parts (`init`), or by replacing it in a built node: `node.provider = services`.
    /// A hub's credential with central; nil for central and for a hub that does not sync.
    public var link: CentralLink?
    /// A linked hub's continuous sync with central (its photo lane included), run by the `sync` loop.
    public var syncEngine: SyncEngine?
    /// Central's platform API key.
    public var apiKey: CentralAPIKey?
    public var ops: OpsConsole
    /// A hub's provider API (authentication, rate limits, response cache).
    public var provider: ProviderAPIServices?
    /// Central's sync exchange and platform API.
    public var central: CentralServices?
    /// The gateway: always on central, on a hub started with `gateway`.
    public var gateway: GatewayServices?
    /// The node's own loops (the provider-code queue, offer routing, slot answers, sync); the application adds the
    /// gateway's loops and the storage probe.
    public var background: [BackgroundLoop]
    /// How often a degraded node tries a write to learn that storage works again.
    public var storageProbeInterval: Duration

    /// The node's SQLite database (a hub's; central's unless it runs on PostgreSQL: see `NodeStorage.database`).
    public var database: NodeDatabase { storage.database }
    /// What the node serves from, SQLite or PostgreSQL.
    public var served: any ServedStorage { storage.served }
    public var directory: DataDirectory { storage.directory }

    /// A node from its parts, as `build` makes it; a test passes only the parts it serves (a hub's health routes alone,
    /// a provider API on a fake clock, central without a gateway). The application serves the routes of the parts given.
    ///
    /// - Parameter logger: nil takes the configuration's (`NodeConfiguration.logger(role:)`).
    public init(
        role: NodeRole, configuration: NodeConfiguration, storage: NodeStorage, logger: Logger? = nil, link: CentralLink? = nil,
        syncEngine: SyncEngine? = nil, apiKey: CentralAPIKey? = nil, ops: OpsConsole = OpsConsole(settings: nil),
        provider: ProviderAPIServices? = nil, central: CentralServices? = nil, gateway: GatewayServices? = nil, background: [BackgroundLoop] = [],
        storageProbeInterval: Duration = .seconds(15)
    ) {
        self.role = role
        self.configuration = configuration
        self.storage = storage
        self.logger = logger ?? configuration.logger(role: role)
        self.link = link
        self.syncEngine = syncEngine
        self.apiKey = apiKey
        self.ops = ops
        self.provider = provider
        self.central = central
        self.gateway = gateway
        self.background = background
        self.storageProbeInterval = storageProbeInterval
    }

    /// Wires the node `role` from `configuration`.
    ///
    /// - Parameters:
    ///   - storage: the node's directory and database when the caller opened them first (the demo generates its data
    ///     before central starts); nil opens them from the configuration.
    ///   - announce: the lines the operator reads on stdout while the node is built (a hub's enrolment).
    public static func build(
        role: NodeRole, configuration: NodeConfiguration, storage given: NodeStorage? = nil, announce: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> Node {
        let storage: NodeStorage
        if let given {
            storage = given
        } else {
            storage = try await NodeStorage.open(role: role, configuration: configuration)
        }
        let directory = storage.directory
        let environment = configuration.environment
        switch role {
        case .central:
            let served = storage.served
            try await IntakeStore(served).seedReferenceData()
            let key = try CentralAPIKey.load(given: configuration.apiKey, directory: directory, environment: environment)
            let logger = configuration.logger(role: role)
            let blobs = try BlobStore(root: configuration.blobsDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? directory.blobsURL)
            // The master key of client page links: one per deployment, shared by central processes on one PostgreSQL database.
            var clientPageMaster = try NodeSecretFile.readOrCreate(dataDirectory: directory.url, name: "client-page-master.key")
            if let postgres = served as? PostgresServedStorage {
                clientPageMaster = try await postgres.sharedSecret(name: "client-page-master", proposed: clientPageMaster)
            }
            let central = CentralServices(
                sync: CentralSyncService(
                    storage: served, logger: logger, photos: CentralPhotoService(storage: served, blobs: blobs, logger: logger),
                    clientPageMaster: clientPageMaster),
                apiKey: key.value, syncInterval: configuration.syncInterval)
            let ops = try OpsConsole.make(directory: directory.url, environment: environment)
            // Central is its deployment's gateway to the outside world (WhatsApp, SMS, Web Push).
            // Central processes on one PostgreSQL database sign pushes with one key: browsers subscribed with its public
            // half, whichever process told the hubs, and any process may hold the push job.
            var vapid: VAPIDKeys?
            if let postgres = served as? PostgresServedStorage {
                let local = try VAPIDKeys.loadOrCreate(at: directory.url.appendingPathComponent("secrets/vapid-key.pem").path)
                let pem = try await postgres.sharedSecret(name: "vapid-private-key", proposed: local.privateKey.pemRepresentation)
                vapid = VAPIDKeys(privateKey: try P256.Signing.PrivateKey(pemRepresentation: pem))
            }
            var gateway = try await GatewayServices.make(
                storage: served, dataDirectory: directory.url, driver: configuration.notifier, environment: environment, logger: logger,
                vapidKeys: vapid)
            // Central processes sharing one PostgreSQL database run the gateway's loops once between them.
            if let url = configuration.postgresURL {
                let jobs = ExclusiveJobs(url: url, logger: logger)
                gateway.background = gateway.background.map(jobs.exclusive)
            }
            return Node(
                role: role, configuration: configuration, storage: storage, logger: logger, apiKey: key, ops: ops, central: central, gateway: gateway)
        case .hub:
            let database = storage.database
            let logger = configuration.logger(role: role)
            let link = try await hubLink(
                directory: directory, database: database, central: configuration.centralURL, enroll: configuration.enrollmentToken,
                announce: announce)
            let engine = link.map { link in
                syncEngine(
                    database: database, link: link, logger: logger, blobs: directory.blobsURL, interval: configuration.syncInterval,
                    offersRequests: true)
            }
            let ops = try OpsConsole.make(directory: directory.url, hubName: link?.hubName, hubId: link?.hubId, environment: environment)
            var hub = try await HubServices.make(
                database: database, dataDirectory: directory.url, notifier: configuration.notifier, environment: environment, logger: logger)
            // Client page links are signed with the key central gave at enrolment (central derives it again to check
            // them); a hub without one signs with a key of its own and can only serve its own pages (SPEC.md 4.9).
            if let base = environment["DJOBEA_CLIENT_PAGE_URL"].flatMap({ $0.isEmpty ? nil : $0 }) ?? configuration.centralURL {
                if link != nil, link?.clientPageKey == nil {
                    logger.warning("client_page.key_missing: enrolled before client page keys; enrol the hub again for links central can open")
                }
                hub.provider.clientPageBase =
                    if let link, let key = link.clientPageKey {
                        ClientPageLinks(base: base, signer: link.hubId, secret: key)
                    } else {
                        ClientPageLinks(
                            base: base, signer: database.nodeId,
                            secret: try NodeSecretFile.readOrCreate(dataDirectory: directory.url, name: "client-page.key"))
                    }
            }
            // A hub is its own gateway only when ops say so (--gateway): otherwise central sends its messages.
            var gateway: GatewayServices?
            if configuration.gateway {
                gateway = try await GatewayServices.make(
                    storage: database, dataDirectory: directory.url, driver: configuration.notifier, environment: environment, logger: logger)
            } else {
                try await GatewayStore(database).setGateway(false)
            }
            let sync = engine.map { engine in BackgroundLoop(name: "sync") { await engine.run() } }
            return Node(
                role: role, configuration: configuration, storage: storage, logger: logger, link: link, syncEngine: engine, ops: ops,
                provider: hub.provider, gateway: gateway, background: hub.background + (sync.map { [$0] } ?? []))
        }
    }

    /// The node's HTTP(S) application, its services included: a `Service`, ready for a `ServiceGroup`.
    ///
    /// - Parameter onServerRunning: called with the port once the socket listens.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        buildApplication(
            settings: ServerSettings(
                host: configuration.host, port: configuration.port, role: role, tls: configuration.tls, idleTimeout: configuration.idleTimeout),
            storage: served, sqlite: storage.sqlite, logger: logger, background: background, provider: provider, central: central,
            ops: ops.settings, gateway: gateway, storageProbeInterval: storageProbeInterval, dataDirectory: directory.url,
            onServerRunning: onServerRunning)
    }

    /// The node's routes and their OpenAPI document (served at `/openapi.json`), without a server.
    public func routes() -> (router: Router<NodeRequestContext>, docs: APIDocumentation) {
        buildRouter(
            storage: served, sqlite: storage.sqlite, logger: logger, provider: provider, central: central, ops: ops.settings, gateway: gateway,
            secureCookies: configuration.tls != nil, dataDirectory: directory.url)
    }

    /// Serves until SIGINT/SIGTERM, the data directory locked all along.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        do {
            try await application(onServerRunning: onServerRunning).runService()
        } catch {
            await storage.close()
            throw error
        }
        await storage.close()
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

    /// The hub's sync engine with central, a round every `interval` seconds when nothing happens locally (a local
    /// commit starts one at once). With `blobs` (the hub's blob directory) the photo lane runs when the rows are idle
    /// (SPEC.md §6); with `offersRequests`, requests a round brings in are offered to providers at once (the running
    /// hub's engine; `djobea sync --once` and the demo's first sync leave them to the hub's offer routing).
    ///
    /// - Parameter batchBytes: the largest batch of a round (the demo's first sync of 90 days takes 1 MiB).
    public static func syncEngine(
        database: NodeDatabase, link: CentralLink, logger: Logger, blobs: URL?, interval: TimeInterval = 10,
        batchBytes: Int = 256 * 1024, offersRequests: Bool
    ) -> SyncEngine {
        database.homeHubId = link.hubId
        let client = SyncClient(link: link, database: database)
        let photos = blobs.flatMap { try? BlobStore(root: $0) }.map { PhotoLane(database: database, client: client, blobs: $0, logger: logger) }
        let dispatcher = OfferDispatcher(database: database, logger: logger)
        return SyncEngine(
            database: database, client: client, logger: logger, interval: .milliseconds(Int(interval * 1000)), batchBytes: batchBytes,
            photos: photos,
            onRequestsChanged: { requests in
                guard offersRequests else { return }
                for request in requests { _ = try? await dispatcher.dispatch(requestId: request) }
            })
    }
}
