import DjobeaDomain
import Foundation
import GRDB

/// What `djobea doctor` reads from a node's database about its sync with central, without migrating or locking it
/// (the hub may be running).
public struct NodeSyncFacts: Sendable, Equatable {
    public var nodeId: String
    public var role: NodeRole
    /// Hub: its link with central, once it synced or failed to (nil before its first round).
    public var lastSuccessAt: Date?
    public var lastError: String?
    public var lastErrorAt: Date?
    /// Hub: central's clock minus the hub's at the last exchange, in milliseconds.
    public var clockOffsetMs: Int64?
    /// Hub: its own changes central has not acknowledged, and when the oldest was recorded.
    public var pendingChanges: Int
    public var oldestPendingAt: Date?

    public init(
        nodeId: String, role: NodeRole, lastSuccessAt: Date?, lastError: String?, lastErrorAt: Date?, clockOffsetMs: Int64?, pendingChanges: Int,
        oldestPendingAt: Date?
    ) {
        self.nodeId = nodeId
        self.role = role
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.clockOffsetMs = clockOffsetMs
        self.pendingChanges = pendingChanges
        self.oldestPendingAt = oldestPendingAt
    }
}

extension Maintenance {
    /// The sync facts of the database at `path`, read in one transaction, read-only when SQLite allows it.
    public static func syncFacts(path: String) throws -> NodeSyncFacts {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.invalid("aucune base à \(path)") }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        var queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
        } catch {
            // A WAL database whose node is stopped has no shared-memory file, which a read-only open cannot create.
            configuration.readonly = false
            queue = try DatabaseQueue(path: path, configuration: configuration)
        }
        return try queue.read { db in
            guard try db.tableExists("node_identity"), let identity = try Row.fetchOne(db, sql: "SELECT node_id, role FROM node_identity") else {
                throw StoreError.invalid("\(path) n'est pas une base djobea")
            }
            let nodeId: String = identity["node_id"]
            let role = NodeRole(rawValue: identity["role"] ?? "") ?? .hub
            var facts = NodeSyncFacts(
                nodeId: nodeId, role: role, lastSuccessAt: nil, lastError: nil, lastErrorAt: nil, clockOffsetMs: nil, pendingChanges: 0,
                oldestPendingAt: nil)
            guard role == .hub else { return facts }
            let central = try Row.fetchOne(
                db,
                sql: """
                    SELECT last_success_at, last_error, last_error_at, clock_offset_ms, last_sent_local_seq FROM peers
                    WHERE role = \(NodeRole.central.sqlLiteral) ORDER BY last_seen_at DESC LIMIT 1
                    """)
            facts.lastSuccessAt = (central?["last_success_at"] as String?).flatMap(UTCTimestamp.parse)
            facts.lastError = central?["last_error"]
            facts.lastErrorAt = (central?["last_error_at"] as String?).flatMap(UTCTimestamp.parse)
            facts.clockOffsetMs = central?["clock_offset_ms"]
            let acknowledged: Int64 = central?["last_sent_local_seq"] ?? 0
            if let pending = try Row.fetchOne(
                db, sql: "SELECT count(*) AS n, min(recorded_at) AS oldest FROM change_log WHERE origin_node = ? AND origin_seq > ?",
                arguments: [nodeId, acknowledged])
            {
                facts.pendingChanges = pending["n"] ?? 0
                facts.oldestPendingAt = (pending["oldest"] as String?).flatMap(UTCTimestamp.parse)
            }
            return facts
        }
    }
}
