import DjobeaStore

/// What a node's HTTP server needs to start.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    public var role: NodeRole

    public init(host: String = "0.0.0.0", port: Int, role: NodeRole) {
        self.host = host
        self.port = port
        self.role = role
    }
}
