import DjobeaDomain
import DjobeaStore
import HummingbirdCore
import NIOCore

/// What a node's HTTP server needs to start.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    public var role: NodeRole
    /// The certificate and key to serve HTTPS (HTTP/2 or HTTP/1.1 over TLS, by ALPN) with; nil serves plain HTTP.
    public var tls: ServerTLS?
    /// How long a connection may stay without a complete request part before the server closes it. Hummingbird counts
    /// only complete parts (a request head, a body chunk) as activity, so this one timeout closes both an idle
    /// keep-alive connection and one that sent half a request line or half its headers (there is no separate
    /// header-read timeout in Hummingbird 2). A request being answered (a long SSE stream) is not cut.
    public var idleTimeout: Duration

    public static let defaultIdleTimeout: Duration = .seconds(30)

    public init(host: String = "0.0.0.0", port: Int, role: NodeRole, tls: ServerTLS? = nil, idleTimeout: Duration = defaultIdleTimeout) {
        self.host = host
        self.port = port
        self.role = role
        self.tls = tls
        self.idleTimeout = idleTimeout
    }

    /// The server of `Application`: HTTP/1.1 with `idleTimeout`, or with TLS, HTTP/2 and HTTP/1.1 chosen by ALPN.
    var server: HTTPServerBuilder {
        let http1 = HTTP1Channel.Configuration(idleTimeout: TimeAmount(idleTimeout))
        return tls?.server(http1, idleTimeout: idleTimeout) ?? .http1(configuration: http1)
    }

    /// `https` with TLS, else `http`.
    public var scheme: String { tls == nil ? "http" : "https" }
}
