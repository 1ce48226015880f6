import DjobeaDomain
import Foundation

/// The protocol version this build speaks (SPEC.md §9). Every request and answer carries it.
public let syncProtocolVersion = 1

/// Changes as they travel: origin node ids and table names are listed once per batch, and each change is a JSON
/// array `[origin index, origin seq, hlc, table index, key, "i"|"u"|"d", {columns}]` (SPEC.md §3.2).
public struct WireBatch: Codable, Sendable, Equatable {
    public var origins: [String]
    public var tables: [String]
    public var changes: [WireChange]

    public init(_ rowChanges: [RowChange]) {
        var origins: [String] = []
        var tables: [String] = []
        var originIndex: [String: Int] = [:]
        var tableIndex: [String: Int] = [:]
        changes = rowChanges.map { change in
            let origin =
                originIndex[change.originNode]
                ?? {
                    origins.append(change.originNode)
                    originIndex[change.originNode] = origins.count - 1
                    return origins.count - 1
                }()
            let table =
                tableIndex[change.table]
                ?? {
                    tables.append(change.table)
                    tableIndex[change.table] = tables.count - 1
                    return tables.count - 1
                }()
            return WireChange(
                origin: origin, seq: change.originSeq, hlc: change.hlc.packed, table: table, key: change.key, op: change.operation,
                columns: change.columns)
        }
        self.origins = origins
        self.tables = tables
    }

    /// The row changes, or a `SyncError.malformed` naming the first bad one.
    public func rowChanges() throws(SyncError) -> [RowChange] {
        try changes.enumerated().map { (index, change) throws(SyncError) -> RowChange in
            guard origins.indices.contains(change.origin), tables.indices.contains(change.table) else {
                throw .malformed("changement \(index) : index d'origine ou de table hors limites")
            }
            let origin = origins[change.origin]
            let table = tables[change.table]
            guard DjobeaID.isValid(origin) else { throw .malformed("changement \(index) : origine invalide") }
            guard change.seq > 0, change.hlc > 0 else { throw .malformed("changement \(index) : séquence ou horloge invalide") }
            guard Self.isIdentifier(table), table.utf8.count <= 64 else { throw .malformed("changement \(index) : table invalide") }
            guard !change.key.isEmpty, change.key.utf8.count <= 64 else { throw .malformed("changement \(index) : clé invalide") }
            guard change.columns.keys.allSatisfy({ Self.isIdentifier($0) && $0.utf8.count <= 64 }) else {
                throw .malformed("changement \(index) : nom de colonne invalide")
            }
            if change.op == .delete, !change.columns.isEmpty { throw .malformed("changement \(index) : une suppression n'a pas de colonnes") }
            return RowChange(
                originNode: origin, originSeq: change.seq, hlc: HLC(packed: change.hlc), table: table, key: change.key,
                operation: change.op, columns: change.columns)
        }
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }
}

/// One change on the wire (see `WireBatch`).
public struct WireChange: Codable, Sendable, Equatable {
    public var origin: Int
    public var seq: Int64
    public var hlc: Int64
    public var table: Int
    public var key: String
    public var op: RowOperation
    public var columns: ColumnValues

    public init(origin: Int, seq: Int64, hlc: Int64, table: Int, key: String, op: RowOperation, columns: ColumnValues) {
        self.origin = origin
        self.seq = seq
        self.hlc = hlc
        self.table = table
        self.key = key
        self.op = op
        self.columns = columns
    }

    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        origin = try container.decode(Int.self)
        seq = try container.decode(Int64.self)
        hlc = try container.decode(Int64.self)
        table = try container.decode(Int.self)
        key = try container.decode(String.self)
        switch try container.decode(String.self) {
        case "i": op = .insert
        case "u": op = .update
        case "d": op = .delete
        default: throw DecodingError.dataCorruptedError(in: container, debugDescription: "op must be i, u or d")
        }
        columns = container.isAtEnd ? [:] : try container.decode(ColumnValues.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(origin)
        try container.encode(seq)
        try container.encode(hlc)
        try container.encode(table)
        try container.encode(key)
        try container.encode(op == .insert ? "i" : op == .update ? "u" : "d")
        if op != .delete { try container.encode(columns) }
    }
}

/// `POST /sync/v1/enroll`: a hub trades its one-time token for its long-lived credential.
public struct EnrollRequest: Codable, Sendable {
    public var protocolVersion: Int
    public var token: String
    public var nodeId: String
    public var schemaVersion: Int

    public init(token: String, nodeId: String, schemaVersion: Int) {
        protocolVersion = syncProtocolVersion
        self.token = token
        self.nodeId = nodeId
        self.schemaVersion = schemaVersion
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", token, nodeId = "node_id", schemaVersion = "schema_version"
    }
}

public struct EnrollResponse: Codable, Sendable, Equatable {
    public var protocolVersion: Int
    public var hubId: String
    public var hubName: String
    public var secret: String
    public var centralNodeId: String
    public var zones: [String]
    /// The hub's client page key (SPEC.md 4.9): what it signs its client page links with. Absent from a central that
    /// has none (the hub then signs with a key of its own and serves its pages itself).
    public var clientPageKey: String?

    public init(hubId: String, hubName: String, secret: String, centralNodeId: String, zones: [String], clientPageKey: String? = nil) {
        protocolVersion = syncProtocolVersion
        self.hubId = hubId
        self.hubName = hubName
        self.secret = secret
        self.centralNodeId = centralNodeId
        self.zones = zones
        self.clientPageKey = clientPageKey
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", hubId = "hub_id", hubName = "hub_name", secret, centralNodeId = "central_node_id", zones
        case clientPageKey = "client_page_key"
    }
}

/// `POST /sync/v1/pull`: "send me what I lack after this position of your log".
public struct PullRequest: Codable, Sendable {
    public var protocolVersion: Int
    public var schemaVersion: Int
    public var cursor: Int64
    public var maxBytes: Int
    /// The hub's own backlog, for the ops page: changes central has not acknowledged, and the age of the oldest.
    public var pendingOut: Int
    public var oldestPendingAt: String?
    public var photoBacklogBytes: Int
    /// The partition fingerprint the hub's cursor was built under (from the last answer); nil at first.
    public var partition: String?
    /// The head of central's partition-moves log the hub was last told about (rule 14); nil at first.
    public var movesSeen: Int64?

    public init(
        schemaVersion: Int, cursor: Int64, maxBytes: Int, pendingOut: Int, oldestPendingAt: String?, photoBacklogBytes: Int = 0,
        partition: String? = nil, movesSeen: Int64? = nil
    ) {
        protocolVersion = syncProtocolVersion
        self.movesSeen = movesSeen
        self.schemaVersion = schemaVersion
        self.cursor = cursor
        self.maxBytes = maxBytes
        self.pendingOut = pendingOut
        self.oldestPendingAt = oldestPendingAt
        self.photoBacklogBytes = photoBacklogBytes
        self.partition = partition
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", schemaVersion = "schema_version", cursor, maxBytes = "max_bytes", pendingOut = "pending_out"
        case oldestPendingAt = "oldest_pending_at", photoBacklogBytes = "photo_backlog_bytes", partition, movesSeen = "moves_seen"
    }
}

public struct PullResponse: Codable, Sendable {
    public var protocolVersion: Int
    public var batch: WireBatch
    /// The hub's next cursor (the last log position central examined for it).
    public var through: Int64
    public var more: Bool
    /// Central's highest sequence number from this hub: what it has acknowledged of the hub's own changes.
    public var acknowledged: Int64
    /// Central's wall clock, Unix milliseconds (the hub computes its offset from it).
    public var serverTime: Int64
    /// The partition fingerprint `through` belongs to: the hub sends it back with its next pull.
    public var partition: String
    /// Rows that moved out of the hub's partition since `moves_seen` (`[table, key]`): the hub keeps them, marked
    /// (CONFLICTS.md rule 14); `back`: rows that moved into it again. Absent when nothing moved.
    public var left: [[String]]?
    public var back: [[String]]?
    /// The head of central's partition-moves log, to send back as `moves_seen`.
    public var movesHead: Int64?

    public init(batch: WireBatch, through: Int64, more: Bool, acknowledged: Int64, serverTime: Int64, partition: String) {
        protocolVersion = syncProtocolVersion
        self.batch = batch
        self.through = through
        self.more = more
        self.acknowledged = acknowledged
        self.serverTime = serverTime
        self.partition = partition
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", batch, through, more, acknowledged, serverTime = "server_time", partition, left, back
        case movesHead = "moves_head"
    }
}

/// `POST /sync/v1/push`: the hub's own changes, in origin-sequence order, starting right after `acknowledged`.
public struct PushRequest: Codable, Sendable {
    public var protocolVersion: Int
    public var schemaVersion: Int
    public var batch: WireBatch

    public init(schemaVersion: Int, batch: WireBatch) {
        protocolVersion = syncProtocolVersion
        self.schemaVersion = schemaVersion
        self.batch = batch
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", schemaVersion = "schema_version", batch
    }
}

public struct PushResponse: Codable, Sendable, Equatable {
    public var protocolVersion: Int
    public var applied: Int
    public var duplicates: Int
    public var conflicts: Int
    /// Central's highest sequence number from this hub, after this batch.
    public var acknowledged: Int64
    public var serverTime: Int64

    public init(applied: Int, duplicates: Int, conflicts: Int, acknowledged: Int64, serverTime: Int64) {
        protocolVersion = syncProtocolVersion
        self.applied = applied
        self.duplicates = duplicates
        self.conflicts = conflicts
        self.acknowledged = acknowledged
        self.serverTime = serverTime
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", applied, duplicates, conflicts, acknowledged, serverTime = "server_time"
    }
}
