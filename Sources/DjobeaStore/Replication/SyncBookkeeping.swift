import Crypto
import DjobeaDomain
import Foundation
import GRDB

/// An enrolled hub as central knows it.
public struct HubCredential: Sendable, Equatable {
    public var hubId: String
    public var nodeId: String
    public var secret: String
    public var revoked: Bool
    public var lastCounter: Int64
}

/// A new hub's enrolment, made by `djobea central enroll-hub`.
public struct HubEnrolment: Sendable, Equatable {
    public var hubId: String
    public var name: String
    public var zoneCodes: [String]
    /// The one-time token to give the hub operator (only its hash is stored).
    public var token: String
    public var expiresAt: Date
}

/// What the link with one peer looks like, for `/ops` and for the engine.
public struct PeerLinkState: Sendable, Equatable, Codable {
    public var nodeId: String
    public var role: String
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

/// Sync bookkeeping in the SQLite adapter: enrolment, credentials, per-peer link state. Local tables only.
extension NodeDatabase {
    /// Central: registers hub `name` for the zones with these codes (creating missing zones, moving existing ones
    /// to it), and makes a one-time enrolment token valid for `validity`.
    public func enrolHub(name: String, zoneCodes: [String], validity: TimeInterval = 86_400, now: Date = Date()) async throws -> HubEnrolment {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard (1...80).contains(trimmed.count) else { throw StoreError.invalid("le nom du hub doit faire de 1 à 80 caractères") }
        let codes = zoneCodes.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        guard !codes.isEmpty, codes.allSatisfy({ $0.count >= 2 && $0.count <= 60 }) else {
            throw StoreError.invalid("donnez au moins une zone (codes de 2 à 60 caractères, séparés par des virgules)")
        }
        var random = SystemRandomNumberGenerator()
        let token =
            "djh1_"
            + Data((0..<24).map { _ in UInt8.random(in: 0...255, using: &random) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let expires = now.addingTimeInterval(validity)
        let hubId = try await write(now: now) { tx -> String in
            let db = tx.db
            let hubId: String
            if let existing = try String.fetchOne(db, sql: "SELECT id FROM hubs WHERE name = ?", arguments: [trimmed]) {
                hubId = existing
            } else {
                hubId = DjobeaID.derived(namespace: "hub", name: trimmed)
                try tx.insert(HubRecord(id: hubId, name: trimmed, createdAt: UTCTimestamp.format(now)))
            }
            for code in codes {
                if var zone = try ZoneRecord.fetchOne(db, sql: "SELECT * FROM zones WHERE code = ?", arguments: [code]) {
                    zone.hubId = hubId
                    try tx.update(zone, columns: [.hubId])
                } else {
                    try tx.insert(
                        ZoneRecord(
                            id: DjobeaID.derived(namespace: "zone", name: code), code: code,
                            name: Bonamoussadi.quarter(code)?.nameFR ?? Self.zoneName(code), hubId: hubId, createdAt: UTCTimestamp.format(now)))
                }
            }
            try db.execute(
                sql: "INSERT INTO hub_enrolments (token_sha256, hub_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [Self.sha256(token), hubId, UTCTimestamp.format(now), UTCTimestamp.format(expires)])
            return hubId
        }
        return HubEnrolment(hubId: hubId, name: trimmed, zoneCodes: codes, token: token, expiresAt: expires)
    }

    /// Central: consumes an enrolment token for the hub node `nodeId`; returns the hub, its zone codes and a fresh secret.
    /// Nil if the token is unknown, expired, or used by another node (the same node asking again gets the same answer).
    public func redeemEnrolment(token: String, nodeId: String, now: Date = Date()) async throws -> (
        hubId: String, name: String, zones: [String], secret: String
    )? {
        var random = SystemRandomNumberGenerator()
        let secret = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }).base64EncodedString()
        return try await writer.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT hub_id, expires_at, used_at, used_by_node FROM hub_enrolments WHERE token_sha256 = ?",
                    arguments: [Self.sha256(token)]),
                let expires = UTCTimestamp.parse(row["expires_at"]), expires > now
            else { return nil }
            let hubId: String = row["hub_id"]
            // A hub may not take central's identity, nor that of a node whose changes are already here under another
            // hub (its pushes would then carry that node's authority and sequence numbers).
            guard nodeId != self.nodeId else { return nil }
            let knownHere = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM change_log WHERE origin_node = ?)", arguments: [nodeId]) ?? false
            let boundToThisHub =
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM hub_credentials WHERE hub_id = ? AND node_id = ?)", arguments: [hubId, nodeId])
                ?? false
            guard !knownHere || boundToThisHub else { return nil }
            if let used = (row["used_at"] as String?).flatMap(UTCTimestamp.parse) {
                // A lost answer is asked for again within minutes; later, a used token gives nothing away.
                guard now.timeIntervalSince(used) < 600 else { return nil }
                // Used already: only by the same node, whose answer was lost (it crashed or the link dropped before it
                // saved its credential). It gets the same credential again; any other node is refused.
                guard row["used_by_node"] as String? == nodeId,
                    let existing = try Row.fetchOne(
                        db, sql: "SELECT secret FROM hub_credentials WHERE hub_id = ? AND node_id = ? AND revoked_at IS NULL",
                        arguments: [hubId, nodeId])
                else { return nil }
                let name = try String.fetchOne(db, sql: "SELECT name FROM hubs WHERE id = ?", arguments: [hubId]) ?? hubId
                let zones = try String.fetchAll(db, sql: "SELECT code FROM zones WHERE hub_id = ? ORDER BY code", arguments: [hubId])
                return (hubId, name, zones, existing["secret"])
            }
            try db.execute(
                sql: "UPDATE hub_enrolments SET used_at = ?, used_by_node = ? WHERE token_sha256 = ?",
                arguments: [UTCTimestamp.format(now), nodeId, Self.sha256(token)])
            try db.execute(
                sql: """
                    INSERT INTO hub_credentials (hub_id, node_id, secret, enrolled_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (hub_id) DO UPDATE SET node_id = excluded.node_id, secret = excluded.secret,
                        enrolled_at = excluded.enrolled_at, revoked_at = NULL, last_counter = 0
                    """, arguments: [hubId, nodeId, secret, UTCTimestamp.format(now)])
            let name = try String.fetchOne(db, sql: "SELECT name FROM hubs WHERE id = ?", arguments: [hubId]) ?? hubId
            let zones = try String.fetchAll(db, sql: "SELECT code FROM zones WHERE hub_id = ? ORDER BY code", arguments: [hubId])
            // A hub enrolled again (new data directory) replaces its old node: drop the old link row.
            try db.execute(sql: "DELETE FROM peers WHERE hub_id = ? AND node_id <> ?", arguments: [hubId, nodeId])
            try db.execute(
                sql: """
                    INSERT INTO peers (node_id, role, name, hub_id) VALUES (?, \(NodeRole.hub.sqlLiteral), ?, ?)
                    ON CONFLICT (node_id) DO UPDATE SET name = excluded.name, hub_id = excluded.hub_id
                    """, arguments: [nodeId, name, hubId])
            return (hubId, name, zones, secret)
        }
    }

    /// Central: marks a hub's credential revoked; its next sync request is refused.
    public func revokeHub(name: String, now: Date = Date()) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE hub_credentials SET revoked_at = ? WHERE hub_id = (SELECT id FROM hubs WHERE name = ?) AND revoked_at IS NULL",
                arguments: [UTCTimestamp.format(now), name])
            let revoked = db.changesCount > 0
            // Tokens issued for it and not yet used die with it.
            try db.execute(
                sql: "DELETE FROM hub_enrolments WHERE used_at IS NULL AND hub_id = (SELECT id FROM hubs WHERE name = ?)", arguments: [name])
            return revoked
        }
    }

    public func hubCredential(hubId: String) async throws -> HubCredential? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM hub_credentials WHERE hub_id = ?", arguments: [hubId]).map {
                HubCredential(
                    hubId: $0["hub_id"], nodeId: $0["node_id"], secret: $0["secret"], revoked: ($0["revoked_at"] as String?) != nil,
                    lastCounter: $0["last_counter"])
            }
        }
    }

    /// Central: accepts `counter` for `hubId` only if it is above every counter seen before (replay guard).
    public func advanceHubCounter(hubId: String, to counter: Int64) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE hub_credentials SET last_counter = ? WHERE hub_id = ? AND last_counter < ?", arguments: [counter, hubId, counter])
            return db.changesCount > 0
        }
    }

    /// A digest of what a hub's partition is made of (its zones, its providers, and the head of `partition_moves`, the
    /// log of rows that changed zone): when it changes, central re-feeds the hub from the start of its log
    /// (CONFLICTS.md rule 14; the hub applies each change once).
    public func partitionFingerprint(hubId: String) async throws -> String {
        try await read { db in
            let zones = try String.fetchAll(db, sql: "SELECT id FROM zones WHERE hub_id = ? ORDER BY id", arguments: [hubId])
            let providers = try String.fetchAll(
                db,
                sql: """
                    SELECT id FROM providers WHERE hub_id = ?1
                    UNION SELECT pz.provider_id FROM provider_zones pz JOIN zones z ON z.id = pz.zone_id WHERE z.hub_id = ?1
                    ORDER BY 1
                    """, arguments: [hubId])
            let moves = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM partition_moves") ?? 0
            let stakes = try Int64.fetchOne(db, sql: "SELECT count(*) FROM partition_stakes WHERE hub_id = ?", arguments: [hubId]) ?? 0
            return Self.sha256((zones + ["|"] + providers + ["|", String(moves), "|", String(stakes)]).joined(separator: ","))
        }
    }

    /// The link state with one peer, or nil.
    public func peerLink(nodeId: String) async throws -> PeerLinkState? {
        try await read { db in try Self.peerLink(nodeId: nodeId, in: db) }
    }

    /// Every peer's link state.
    public func peerLinks() async throws -> [PeerLinkState] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT node_id FROM peers ORDER BY name").compactMap { try Self.peerLink(nodeId: $0, in: db) }
        }
    }

    static func peerLink(nodeId: String, in db: Database) throws -> PeerLinkState? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM peers WHERE node_id = ?", arguments: [nodeId]) else { return nil }
        let vector = (try? JSONDecoder().decode([String: Int64].self, from: Data((row["peer_vector"] as String).utf8))) ?? [:]
        return PeerLinkState(
            nodeId: row["node_id"], role: row["role"], name: row["name"], hubId: row["hub_id"], pulledThrough: row["pulled_through"],
            peerCursor: row["peer_cursor"], requestCounter: row["request_counter"], acknowledged: row["last_sent_local_seq"],
            lastSuccessAt: row["last_success_at"], lastError: row["last_error"], lastErrorAt: row["last_error_at"],
            lastSeenAt: row["last_seen_at"], clockOffsetMs: row["clock_offset_ms"], bytesIn: row["bytes_in"], bytesOut: row["bytes_out"],
            changesIn: row["changes_in"], changesOut: row["changes_out"], protocolVersion: row["protocol_version"],
            schemaVersion: row["schema_version"], partitionFingerprint: row["partition_fingerprint"], peerVector: vector,
            pendingOut: row["pending_out"], oldestPendingAt: row["oldest_pending_at"], photoBacklogBytes: row["photo_backlog_bytes"],
            movesSeen: row["moves_seen"])
    }

    /// Creates the peer row if missing, then applies `update` to it (column → value), in the caller's transaction.
    public static func updatePeer(
        nodeId: String, role: String, name: String, _ values: [String: DatabaseValueConvertible?], increments: [String: Int64] = [:],
        in db: Database
    ) throws {
        try db.execute(
            sql: "INSERT INTO peers (node_id, role, name) VALUES (?, ?, ?) ON CONFLICT (node_id) DO NOTHING", arguments: [nodeId, role, name])
        let allowed: Set<String> = [
            "hub_id", "pulled_through", "request_counter", "peer_vector", "protocol_version", "schema_version", "last_seen_at",
            "peer_cursor", "partition_fingerprint", "last_success_at", "last_error", "last_error_at", "clock_offset_ms",
            "last_sent_local_seq", "name", "pending_out", "oldest_pending_at", "photo_backlog_bytes",
        ]
        var sets: [String] = []
        var arguments: [DatabaseValueConvertible?] = []
        for (column, value) in values.sorted(by: { $0.key < $1.key }) where allowed.contains(column) {
            sets.append("\(column) = ?")
            arguments.append(value)
        }
        for (column, delta) in increments.sorted(by: { $0.key < $1.key })
        where ["bytes_in", "bytes_out", "changes_in", "changes_out"].contains(column) {
            sets.append("\(column) = \(column) + ?")
            arguments.append(delta)
        }
        guard !sets.isEmpty else { return }
        arguments.append(nodeId)
        try db.execute(sql: "UPDATE peers SET \(sets.joined(separator: ", ")) WHERE node_id = ?", arguments: StatementArguments(arguments))
    }

    /// `updatePeer` in its own transaction.
    public func updatePeer(
        nodeId: String, role: String, name: String, _ values: [String: (any DatabaseValueConvertible & Sendable)?],
        increments: [String: Int64] = [:]
    ) async throws {
        try await writer.write { db in
            try Self.updatePeer(nodeId: nodeId, role: role, name: name, values.mapValues { $0 }, increments: increments, in: db)
        }
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func zoneName(_ code: String) -> String {
        code.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }
}

extension NodeDatabase {
    /// Hub: the next request counter for signing requests to `peer` (durable before the request leaves).
    public func nextRequestCounter(peer: String, role: String, name: String) async throws -> Int64 {
        try await writer.write { db in
            try Self.updatePeer(nodeId: peer, role: role, name: name, [:], in: db)
            // max(previous + 1, now in ms): strictly increasing, and a hub restored from an old backup jumps past the
            // counters central has already seen instead of being refused as a replay forever.
            try db.execute(
                sql: "UPDATE peers SET request_counter = max(request_counter + 1, ?) WHERE node_id = ?", arguments: [Date().unixMillis, peer])
            return try Int64.fetchOne(db, sql: "SELECT request_counter FROM peers WHERE node_id = ?", arguments: [peer]) ?? 1
        }
    }

    /// Records the outcome of an exchange with a peer: success clears the error, failure keeps the last success.
    public func recordLinkOutcome(
        peer: String, role: String, name: String, error: String?, bytesOut: Int = 0, changesOut: Int = 0, now: Date = Date()
    )
        async throws
    {
        let stamp = UTCTimestamp.format(now)
        try await writer.write { db in
            if let error {
                try Self.updatePeer(
                    nodeId: peer, role: role, name: name, ["last_error": String(error.prefix(500)), "last_error_at": stamp],
                    increments: ["bytes_out": Int64(bytesOut)], in: db)
            } else {
                try Self.updatePeer(
                    nodeId: peer, role: role, name: name, ["last_error": nil, "last_success_at": stamp],
                    increments: ["bytes_out": Int64(bytesOut), "changes_out": Int64(changesOut)], in: db)
            }
        }
    }
}
