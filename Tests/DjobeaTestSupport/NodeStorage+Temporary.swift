import DjobeaDomain
import DjobeaServer
import DjobeaStore
import Foundation

extension NodeStorage {
    /// A node's storage in a fresh temporary directory, locked as a node's: its database on `djobea.sqlite`, or in
    /// memory. The caller removes `directory.url`.
    public static func temporary(_ name: String = "node", role: NodeRole, inMemory: Bool = false) throws -> NodeStorage {
        try on(temporaryDirectory(name), role: role, inMemory: inMemory)
    }

    /// A node's storage in `url` (made if missing, then locked): its database on `djobea.sqlite`, or in memory.
    public static func on(_ url: URL, role: NodeRole, inMemory: Bool = false) throws -> NodeStorage {
        let directory = try DataDirectory(path: url.path, create: true)
        let database = inMemory ? try NodeDatabase.inMemory(role: role) : try NodeDatabase.open(path: directory.databasePath, role: role)
        return NodeStorage(directory: directory, database: database)
    }

    /// The configuration of a test node on this storage: 127.0.0.1, any free port (`client.port` in a live test),
    /// `environment` in place of the process's.
    public func configuration(environment: [String: String] = [:]) -> NodeConfiguration {
        var configuration = NodeConfiguration(dataDirectory: directory.url.path, environment: environment)
        configuration.host = "127.0.0.1"
        configuration.port = 0
        return configuration
    }
}
