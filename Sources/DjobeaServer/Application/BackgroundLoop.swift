import ServiceLifecycle

/// A node's long-running job (offer routing, message delivery) as a service of the application: it starts with
/// the server and is cancelled on graceful shutdown (SIGINT/SIGTERM).
public struct BackgroundLoop: Service {
    public let name: String
    let body: @Sendable () async -> Void

    public init(name: String, _ body: @escaping @Sendable () async -> Void) {
        self.name = name
        self.body = body
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await body() }
    }
}
