import DjobeaStore
import DjobeaSync
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Builds a node's HTTP application from its parts: `Node.application()` calls it (the `djobea` command and the tests
/// make their applications through `Node`).
///
/// - Parameters:
///   - settings: address, role, and the certificate when the node serves HTTPS.
///   - storage: what the node serves from (SQLite, or PostgreSQL for central at scale).
///   - sqlite: the node's SQLite database, which the provider API needs (a hub always has one).
///   - logger: the application logger.
///   - background: jobs that run as long as the server (offer routing, message delivery); the storage probe
///     (`storageProbeLoop`) is always added.
///   - ops: the ops console's password and session key (`/ops`); without it only `/ops/sync-status` is served, to
///     central's API key.
///   - storageProbeInterval: how often a degraded node tries a write to learn that storage works again.
///   - dataDirectory: the node's data directory (the last verified backup is recorded there).
///   - onServerRunning: called once the socket listens (the CLI prints the URL then).
func buildApplication(
    settings: ServerSettings, storage: any ServedStorage, sqlite: NodeDatabase?, logger: Logger, background: [BackgroundLoop] = [],
    provider: ProviderAPIServices? = nil, central: CentralServices? = nil, ops: OpsSettings? = nil, gateway: GatewayServices? = nil,
    storageProbeInterval: Duration = .seconds(15), dataDirectory: URL? = nil, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(
        storage: storage, sqlite: sqlite, logger: logger, provider: provider, central: central, ops: ops, gateway: gateway,
        secureCookies: settings.tls != nil, dataDirectory: dataDirectory
    ).router
    return Application(
        router: router, server: settings.server,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "djobea-\(settings.role.rawValue)"),
        services: background + (gateway?.background ?? []) + [storageProbeLoop(database: storage, logger: logger, interval: storageProbeInterval)],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger
    )
}

/// The hub's offer routing, sweeping every `interval`: expires offers, moves requests on, redirects absent providers.
public func offerRoutingLoop(database: NodeDatabase, logger: Logger, interval: Duration = .seconds(30)) -> BackgroundLoop {
    let service = OfferRoutingService(dispatcher: OfferDispatcher(database: database, logger: logger), interval: interval, logger: logger)
    return BackgroundLoop(name: "offer-routing") { await service.run() }
}

/// The routes of a node and their OpenAPI document.
func buildRouter(
    storage: any ServedStorage, sqlite: NodeDatabase?, logger: Logger, provider: ProviderAPIServices? = nil, central: CentralServices? = nil,
    ops: OpsSettings? = nil,
    gateway: GatewayServices? = nil, secureCookies: Bool = false, dataDirectory: URL? = nil
) -> (router: Router<NodeRequestContext>, docs: APIDocumentation) {
    let router = Router(context: NodeRequestContext.self)
    router.add(middleware: MetricsMiddleware(metrics: .shared))
    router.add(middleware: APIErrorMiddleware(logger: logger, storage: storage.storageHealth))
    let docs = APIDocumentation(title: "Djobea Edge — nœud \(storage.role.rawValue)")
    let publicRoutes = DocumentedRoutes(group: router.group(), docs: docs, tag: "Nœud", authenticated: false)
    HealthController(database: storage).register(on: publicRoutes)
    MetricsController(database: storage, metrics: .shared, hubName: ops?.hubName, dataDirectory: dataDirectory).register(on: publicRoutes)
    if let provider {
        // The provider API is a hub's, and a hub runs on SQLite.
        guard let database = sqlite else { preconditionFailure("the provider API needs the node's SQLite database") }
        let limit = RateLimitMiddleware(check: provider.rateLimitCheck)
        let auth = AuthController(auth: provider.auth)
        auth.registerPublic(on: DocumentedRoutes(group: router.group().add(middleware: limit), docs: docs, tag: "Connexion", authenticated: false))
        let providerGroup = router.group().add(middleware: ProviderAuthMiddleware(authenticate: provider.authenticateRequest)).add(middleware: limit)
            .add(middleware: IdempotencyFingerprintMiddleware())
        let providerRoutes = DocumentedRoutes(group: providerGroup, docs: docs, tag: "Prestataire", authenticated: true)
        auth.registerAuthenticated(on: providerRoutes)
        ProviderRequestsController(database: database, commands: ProviderRequestCommands(database: database), cache: provider.responseCache)
            .register(on: providerRoutes)
        MissionWorkController(database: database, clientPageBase: provider.clientPageBase).register(on: providerRoutes)
        QuoteController(database: database, commands: ProviderRequestCommands(database: database), clientPageBase: provider.clientPageBase)
            .register(on: providerRoutes)
        ProviderChangesController(database: database, cache: provider.responseCache).register(on: providerRoutes)
        ProviderAccountController(database: database, cache: provider.responseCache).register(on: providerRoutes)
        InvoiceActionsController(database: database, clientPageBase: provider.clientPageBase).register(on: providerRoutes)
        ProviderDocumentsController(database: database, cache: provider.responseCache).register(on: providerRoutes)
        PushSubscriptionController(database: database).register(on: providerRoutes)
        NotificationStreamController(database: database, services: provider).register(on: router, docs: docs, limit: limit)
        StaticAssets.forHub(logger: logger)?.register(on: router, docs: docs)  // the provider PWA, compiled in (or web/ in development)
    }
    if let central {
        SyncController(service: central.sync).register(
            on: DocumentedRoutes(
                group: router.group().add(middleware: SyncProtocolHeaderMiddleware(served: central.sync.protocols)), docs: docs,
                tag: "Synchronisation", authenticated: false))
        let centralRoutes = DocumentedRoutes(
            group: router.group().add(middleware: APIKeyMiddleware(key: central.apiKey)).add(middleware: IdempotencyFingerprintMiddleware()),
            docs: docs, tag: "Central", authenticated: true)
        CentralAPIController(database: storage).register(on: centralRoutes)
        CentralOpsController(database: storage).register(on: centralRoutes)
        CentralCommissionController(database: storage).register(on: centralRoutes)
    }
    if let gateway {
        let pushes = gateway.pushes
        WebhookController(
            storage: storage, settings: gateway.webhooks, logger: logger, onInbound: { await pushes.wake() }, collections: gateway.collections
        ).register(
            on: DocumentedRoutes(group: router.group(), docs: docs, tag: "Passerelle", authenticated: false))
        ClientPageController(
            storage: storage, links: ClientPageLinkCheck(own: provider?.clientPageBase, master: central?.sync.clientPageMaster),
            collections: gateway.collections
        ).register(on: router, docs: docs)
    }
    // OPS ROUTES (begin)
    if ops != nil || central != nil {
        let syncInterval = central?.syncInterval ?? ops?.syncInterval ?? OpsHealth.defaultSyncInterval
        OpsController(
            database: storage, settings: ops, apiKey: central?.apiKey, secureCookies: secureCookies, syncInterval: syncInterval,
            dataDirectory: dataDirectory
        ).register(
            on: DocumentedRoutes(group: router.group(), docs: docs, tag: "Ops", authenticated: true),
            publicRoutes: DocumentedRoutes(group: router.group(), docs: docs, tag: "Ops", authenticated: false))
    }
    // OPS ROUTES (end)
    publicRoutes.add(.get, "/openapi.json", "Ce document OpenAPI 3.1") { request, _ in
        try JSONResponse.make(data: docs.json(), for: request)
    }
    return (router, docs)
}

/// What central serves besides health and metrics: the sync exchange and the platform API.
public struct CentralServices: Sendable {
    public let sync: CentralSyncService
    /// The platform's API key for `/central/*` (and `/ops/sync-status`).
    public let apiKey: String
    /// The sync interval central expects of hubs, in seconds (`DJOBEA_SYNC_INTERVAL`, 10 by default): ops shows a hub
    /// late after two missed intervals.
    public let syncInterval: TimeInterval

    public init(sync: CentralSyncService, apiKey: String, syncInterval: TimeInterval = 10) {
        self.sync = sync
        self.apiKey = apiKey
        self.syncInterval = syncInterval
    }
}

/// `DJOBEA_SYNC_INTERVAL`: seconds between a hub's sync rounds (10 by default, kept within 0.2 s…1 h). A hub syncs at
/// that rhythm; central and the ops console expect it.
public func syncIntervalSetting(_ environment: [String: String]) -> TimeInterval {
    environment["DJOBEA_SYNC_INTERVAL"].flatMap(Double.init).map { min(max($0, 0.2), 3600) } ?? 10
}
