import DjobeaStore
import Foundation
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
    let router = buildRouter(database: database, logger: logger).router
    return Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "djobea-\(settings.role.rawValue)"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger
    )
}

/// The routes of a node and their OpenAPI document.
public func buildRouter(
    database: NodeDatabase, logger: Logger, authenticate: (@Sendable (String) async throws -> ProviderIdentity)? = nil
) -> (router: Router<NodeRequestContext>, docs: APIDocumentation) {
    let router = Router(context: NodeRequestContext.self)
    router.add(middleware: APIErrorMiddleware(logger: logger))
    let docs = APIDocumentation(title: "Djobea Edge — nœud \(database.role.rawValue)")
    let publicRoutes = DocumentedRoutes(group: router.group(), docs: docs, tag: "Nœud", authenticated: false)
    HealthController(database: database).register(on: publicRoutes)
    if let authenticate {
        let providerGroup = router.group().add(middleware: ProviderAuthMiddleware(authenticate: authenticate))
        let providerRoutes = DocumentedRoutes(group: providerGroup, docs: docs, tag: "Prestataire", authenticated: true)
        ProviderRequestsController(database: database, commands: ProviderRequestCommands(database: database)).register(on: providerRoutes)
        ProviderAccountController(database: database).register(on: providerRoutes)
    }
    publicRoutes.add(.get, "/openapi.json", "Ce document OpenAPI 3.1") { request, _ in
        try JSONResponse.make(data: docs.json(), for: request)
    }
    return (router, docs)
}
