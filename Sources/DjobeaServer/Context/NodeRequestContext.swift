import Hummingbird
import NIOCore

/// Who is calling: set by `ProviderAuthMiddleware` once the access token checks out.
public struct ProviderIdentity: Sendable, Hashable {
    public let providerId: String
    public let sessionId: String

    public init(providerId: String, sessionId: String) {
        self.providerId = providerId
        self.sessionId = sessionId
    }
}

/// The request context of every node route: the core context, the caller's address and, on provider routes,
/// the authenticated provider.
public struct NodeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: ProviderIdentity?
    /// The peer's IP address, for per-IP rate limits ("unknown" in in-process tests).
    public let remoteIP: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The authenticated provider, or a 401 if the route forgot its middleware.
    public func requireProvider() throws -> ProviderIdentity {
        guard let identity else { throw APIError.unauthenticated() }
        return identity
    }
}
