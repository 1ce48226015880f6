import DjobeaStore
import Hummingbird
import Logging

/// Builds a node's HTTP application. The `djobea` command and the tests call this same function.
///
/// - Parameters:
///   - settings: address and role.
///   - database: the node's open database.
///   - logger: the application logger.
///   - onServerRunning: called once the socket listens (the CLI prints the URL then).
public func buildApplication(
    settings: ServerSettings, database: NodeDatabase, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(database: database, logger: logger)
    return Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "djobea-\(settings.role.rawValue)"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger
    )
}

/// The routes of a node.
public func buildRouter(database: NodeDatabase, logger: Logger) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: APIErrorMiddleware(logger: logger))
    HealthController(database: database).register(on: router)
    return router
}
