import DjobeaStore

/// What a node's HTTP server needs to start.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    public var role: NodeRole
    /// The certificate and key to serve HTTPS (HTTP/1.1 over TLS) with; nil serves plain HTTP.
    public var tls: ServerTLS?

    public init(host: String = "0.0.0.0", port: Int, role: NodeRole, tls: ServerTLS? = nil) {
        self.host = host
        self.port = port
        self.role = role
        self.tls = tls
    }

    /// `https` with TLS, else `http`.
    public var scheme: String { tls == nil ? "http" : "https" }
}
