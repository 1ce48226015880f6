import DjobeaDomain
import Foundation

/// What the link with one peer looks like, for `/ops` and for the engine.
public struct PeerLinkState: Sendable, Equatable, Codable {
    public var nodeId: String
    public var role: NodeRole
    public var name: String
    public var hubId: String?
    public var pulledThrough: Int64
    public var peerCursor: Int64
    public var requestCounter: Int64
    public var acknowledged: Int64
    public var lastSuccessAt: String?
    public var lastError: String?
    public var lastErrorAt: String?
    public var lastSeenAt: String?
    public var clockOffsetMs: Int64?
    public var bytesIn: Int64
    public var bytesOut: Int64
    public var changesIn: Int64
    public var changesOut: Int64
    public var protocolVersion: Int?
    public var schemaVersion: Int?
    public var partitionFingerprint: String?
    public var peerVector: [String: Int64]
    public var pendingOut: Int
    public var oldestPendingAt: String?
    public var photoBacklogBytes: Int64
    /// Hub side: the head of central's partition-moves log it has been told about.
    public var movesSeen: Int64
}

/// One change to a peer's link state. The sync code says what it learned; only this file knows the `peers` columns.
public enum PeerField: Sendable, Equatable {
    case hubId(String)
    /// Hub side: central's change-log position applied up to (the pull cursor).
    case pulledThrough(Int64)
    /// Central side: the hub's cursor into central's log, as it last reported it.
    case peerCursor(Int64)
    /// The highest of this node's own sequence numbers the peer holds.
    case acknowledged(Int64)
    case partitionFingerprint(String?)
    case lastSeenAt(String)
    /// A successful exchange: clears the last error.
    case succeeded(at: String)
    /// A failed exchange: keeps the last success.
    case failed(String, at: String)
    case clockOffsetMs(Int64?)
    case protocolVersion(Int)
    case schemaVersion(Int)
    /// Central side: the hub's own backlog as it last reported it.
    case backlog(pending: Int, oldestAt: String?, photoBytes: Int64)
    /// Hub side: the head of central's partition-moves log told so far (never moves back).
    case movesSeen(Int64)
    case bytesIn(Int64)
    case bytesOut(Int64)
    case changesIn(Int64)
    case changesOut(Int64)

    /// The SQL assignments and their arguments.
    var assignments: [(sql: String, arguments: [ColumnValue])] {
        func set(_ column: String, _ value: ColumnValue) -> (sql: String, arguments: [ColumnValue]) { ("\(column) = ?", [value]) }
        func add(_ column: String, _ delta: Int64) -> (sql: String, arguments: [ColumnValue]) { ("\(column) = \(column) + ?", [.integer(delta)]) }
        switch self {
        case .hubId(let id): return [set("hub_id", .text(id))]
        case .pulledThrough(let seq): return [set("pulled_through", .integer(seq))]
        case .peerCursor(let seq): return [set("peer_cursor", .integer(seq))]
        case .acknowledged(let seq): return [set("last_sent_local_seq", .integer(seq))]
        case .partitionFingerprint(let fingerprint): return [set("partition_fingerprint", ColumnValue(fingerprint))]
        case .lastSeenAt(let time): return [set("last_seen_at", .text(time))]
        case .succeeded(let time): return [set("last_success_at", .text(time)), set("last_error", .null)]
        case .failed(let message, let time):
            return [set("last_error", .text(String(message.prefix(500)))), set("last_error_at", .text(time))]
        case .clockOffsetMs(let offset): return [set("clock_offset_ms", ColumnValue(offset))]
        case .protocolVersion(let version): return [set("protocol_version", .integer(Int64(version)))]
        case .schemaVersion(let version): return [set("schema_version", .integer(Int64(version)))]
        case .backlog(let pending, let oldest, let photoBytes):
            return [
                set("pending_out", .integer(Int64(max(0, pending)))), set("oldest_pending_at", ColumnValue(oldest)),
                set("photo_backlog_bytes", .integer(max(0, photoBytes))),
            ]
        case .movesSeen(let head):
            return [("moves_seen = CASE WHEN moves_seen < ? THEN ? ELSE moves_seen END", [.integer(head), .integer(head)])]
        case .bytesIn(let delta): return [add("bytes_in", delta)]
        case .bytesOut(let delta): return [add("bytes_out", delta)]
        case .changesIn(let delta): return [add("changes_in", delta)]
        case .changesOut(let delta): return [add("changes_out", delta)]
        }
    }
}

/// Per-peer link state (the local `peers` table), portable SQL.
extension ReplicaConnection {
    /// Creates the peer row if missing, then applies `fields` to it.
    public func updatePeer(nodeId: String, role: NodeRole, name: String, _ fields: [PeerField]) throws {
        try execute(
            "INSERT INTO peers (node_id, role, name) VALUES (?, ?, ?) ON CONFLICT (node_id) DO NOTHING",
            [.text(nodeId), .text(role.rawValue), .text(name)])
        let assignments = fields.flatMap(\.assignments)
        guard !assignments.isEmpty else { return }
        try execute(
            "UPDATE peers SET \(assignments.map(\.sql).joined(separator: ", ")) WHERE node_id = ?",
            assignments.flatMap(\.arguments) + [.text(nodeId)])
    }

    /// The link state with one peer, or nil.
    public func peerLink(nodeId: String) throws -> PeerLinkState? {
        guard let row = try query("SELECT * FROM peers WHERE node_id = ?", [.text(nodeId)]).first else { return nil }
        return Self.peerLink(from: row)
    }

    /// Every peer's link state, by name.
    public func peerLinks() throws -> [PeerLinkState] {
        try query("SELECT * FROM peers ORDER BY name", []).map(Self.peerLink(from:))
    }

    static func peerLink(from row: ReplicaRow) -> PeerLinkState {
        let vector = row["peer_vector"].textValue.flatMap { try? JSONDecoder().decode([String: Int64].self, from: Data($0.utf8)) } ?? [:]
        func int(_ name: String) -> Int64 { row[name].integerValue ?? 0 }
        return PeerLinkState(
            nodeId: row["node_id"].textValue ?? "", role: row["role"].textValue.flatMap(NodeRole.init(rawValue:)) ?? .hub,
            name: row["name"].textValue ?? "", hubId: row["hub_id"].textValue, pulledThrough: int("pulled_through"),
            peerCursor: int("peer_cursor"), requestCounter: int("request_counter"), acknowledged: int("last_sent_local_seq"),
            lastSuccessAt: row["last_success_at"].textValue, lastError: row["last_error"].textValue, lastErrorAt: row["last_error_at"].textValue,
            lastSeenAt: row["last_seen_at"].textValue, clockOffsetMs: row["clock_offset_ms"].integerValue, bytesIn: int("bytes_in"),
            bytesOut: int("bytes_out"), changesIn: int("changes_in"), changesOut: int("changes_out"),
            protocolVersion: row["protocol_version"].integerValue.map(Int.init), schemaVersion: row["schema_version"].integerValue.map(Int.init),
            partitionFingerprint: row["partition_fingerprint"].textValue, peerVector: vector, pendingOut: Int(int("pending_out")),
            oldestPendingAt: row["oldest_pending_at"].textValue, photoBacklogBytes: int("photo_backlog_bytes"), movesSeen: int("moves_seen"))
    }
}

extension ReplicaStorage {
    /// The link state with one peer, or nil.
    public func peerLink(nodeId: String) async throws -> PeerLinkState? {
        try await replicaRead { try $0.peerLink(nodeId: nodeId) }
    }

    /// Every peer's link state.
    public func peerLinks() async throws -> [PeerLinkState] {
        try await replicaRead { try $0.peerLinks() }
    }

    /// `updatePeer` in its own transaction.
    public func updatePeer(nodeId: String, role: NodeRole, name: String, _ fields: [PeerField]) async throws {
        try await bookkeepingWrite { try $0.updatePeer(nodeId: nodeId, role: role, name: name, fields) }
    }

    /// Hub: the next request counter for signing requests to `peer` (durable before the request leaves).
    public func nextRequestCounter(peer: String, role: NodeRole, name: String, now: Date = Date()) async throws -> Int64 {
        try await bookkeepingWrite { connection in
            try connection.updatePeer(nodeId: peer, role: role, name: name, [])
            // max(previous + 1, now in ms): strictly increasing, and a hub restored from an old backup jumps past the
            // counters central has already seen instead of being refused as a replay forever.
            let millis = now.unixMillis
            try connection.execute(
                "UPDATE peers SET request_counter = CASE WHEN request_counter + 1 > ? THEN request_counter + 1 ELSE ? END WHERE node_id = ?",
                [.integer(millis), .integer(millis), .text(peer)])
            return try connection.integer("SELECT request_counter FROM peers WHERE node_id = ?", [.text(peer)]) ?? 1
        }
    }

    /// Records the outcome of an exchange with a peer: success clears the error, failure keeps the last success.
    public func recordLinkOutcome(
        peer: String, role: NodeRole, name: String, error: String?, bytesOut: Int = 0, changesOut: Int = 0, now: Date = Date()
    ) async throws {
        let stamp = UTCTimestamp.format(now)
        let fields: [PeerField] =
            error.map { [.failed($0, at: stamp), .bytesOut(Int64(bytesOut))] }
            ?? [.succeeded(at: stamp), .bytesOut(Int64(bytesOut)), .changesOut(Int64(changesOut))]
        try await updatePeer(nodeId: peer, role: role, name: name, fields)
    }
}
