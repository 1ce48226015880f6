import Crypto
import DjobeaDomain
import Foundation

/// An enrolled hub as central knows it.
public struct HubCredential: Sendable, Equatable {
    public var hubId: String
    public var nodeId: String
    public var secret: String
    public var revoked: Bool
    public var lastCounter: Int64
}

/// A redeemed enrolment: the hub, its zone codes and the secret it signs with.
public struct RedeemedEnrolment: Sendable, Equatable {
    public var hubId: String
    public var name: String
    public var zones: [String]
    public var secret: String
}

/// Central's side of hub enrolment and request authentication (local tables `hub_enrolments`, `hub_credentials`).
extension ReplicaStorage {
    /// Central: consumes an enrolment token for the hub node `nodeId`; returns the hub, its zone codes and a fresh secret.
    /// Nil if the token is unknown, expired, or used by another node (the same node asking again gets the same answer).
    public func redeemEnrolment(token: String, nodeId: String, now: Date = Date()) async throws -> RedeemedEnrolment? {
        var random = SystemRandomNumberGenerator()
        let secret = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }).base64EncodedString()
        let centralId = self.nodeId
        let tokenHash = HubTokens.sha256(token)
        return try await bookkeepingWrite { connection -> RedeemedEnrolment? in
            guard
                let row = try connection.query(
                    "SELECT hub_id, expires_at, used_at, used_by_node FROM hub_enrolments WHERE token_sha256 = ?", [.text(tokenHash)]
                ).first,
                let hubId = row["hub_id"].textValue, let expires = row["expires_at"].textValue.flatMap(UTCTimestamp.parse), expires > now
            else { return nil }
            // A hub may not take central's identity, nor that of a node whose changes are already here under another
            // hub (its pushes would then carry that node's authority and sequence numbers).
            guard nodeId != centralId else { return nil }
            let knownHere = try connection.exists("SELECT 1 FROM change_log WHERE origin_node = ?", [.text(nodeId)])
            let boundToThisHub = try connection.exists(
                "SELECT 1 FROM hub_credentials WHERE hub_id = ? AND node_id = ?", [.text(hubId), .text(nodeId)])
            guard !knownHere || boundToThisHub else { return nil }
            func answer(secret: String) throws -> RedeemedEnrolment {
                let name = try connection.scalar("SELECT name FROM hubs WHERE id = ?", [.text(hubId)])?.textValue ?? hubId
                let zones = try connection.query("SELECT code FROM zones WHERE hub_id = ? ORDER BY code", [.text(hubId)]).compactMap {
                    $0[0].textValue
                }
                return RedeemedEnrolment(hubId: hubId, name: name, zones: zones, secret: secret)
            }
            if let used = row["used_at"].textValue.flatMap(UTCTimestamp.parse) {
                // A lost answer is asked for again within minutes; later, a used token gives nothing away.
                guard now.timeIntervalSince(used) < 600 else { return nil }
                // Used already: only by the same node, whose answer was lost (it crashed or the link dropped before it
                // saved its credential). It gets the same credential again; any other node is refused.
                guard row["used_by_node"].textValue == nodeId,
                    let existing = try connection.scalar(
                        "SELECT secret FROM hub_credentials WHERE hub_id = ? AND node_id = ? AND revoked_at IS NULL", [.text(hubId), .text(nodeId)]
                    )?.textValue
                else { return nil }
                return try answer(secret: existing)
            }
            let stamp = UTCTimestamp.format(now)
            try connection.execute(
                "UPDATE hub_enrolments SET used_at = ?, used_by_node = ? WHERE token_sha256 = ?", [.text(stamp), .text(nodeId), .text(tokenHash)])
            try connection.execute(
                """
                INSERT INTO hub_credentials (hub_id, node_id, secret, enrolled_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (hub_id) DO UPDATE SET node_id = excluded.node_id, secret = excluded.secret,
                    enrolled_at = excluded.enrolled_at, revoked_at = NULL, last_counter = 0
                """, [.text(hubId), .text(nodeId), .text(secret), .text(stamp)])
            let redeemed = try answer(secret: secret)
            // A hub enrolled again (new data directory) replaces its old node: drop the old link row.
            try connection.execute("DELETE FROM peers WHERE hub_id = ? AND node_id <> ?", [.text(hubId), .text(nodeId)])
            try connection.execute(
                """
                INSERT INTO peers (node_id, role, name, hub_id) VALUES (?, ?, ?, ?)
                ON CONFLICT (node_id) DO UPDATE SET name = excluded.name, hub_id = excluded.hub_id
                """, [.text(nodeId), .text(NodeRole.hub.rawValue), .text(redeemed.name), .text(hubId)])
            return redeemed
        }
    }

    /// Central: marks a hub's credential revoked; its next sync request is refused. Tokens issued for it and not yet
    /// used die with it.
    public func revokeHub(name: String, now: Date = Date()) async throws -> Bool {
        try await bookkeepingWrite { connection in
            let revoked = try connection.execute(
                "UPDATE hub_credentials SET revoked_at = ? WHERE hub_id = (SELECT id FROM hubs WHERE name = ?) AND revoked_at IS NULL",
                [.text(UTCTimestamp.format(now)), .text(name)])
            try connection.execute(
                "DELETE FROM hub_enrolments WHERE used_at IS NULL AND hub_id = (SELECT id FROM hubs WHERE name = ?)", [.text(name)])
            return revoked > 0
        }
    }

    public func hubCredential(hubId: String) async throws -> HubCredential? {
        try await replicaRead { connection in
            guard let row = try connection.query("SELECT * FROM hub_credentials WHERE hub_id = ?", [.text(hubId)]).first,
                let nodeId = row["node_id"].textValue, let secret = row["secret"].textValue
            else { return nil }
            return HubCredential(
                hubId: hubId, nodeId: nodeId, secret: secret, revoked: row["revoked_at"] != .null, lastCounter: row["last_counter"].integerValue ?? 0)
        }
    }

    /// Central: accepts `counter` for `hubId` only if it is above every counter seen before (replay guard).
    public func advanceHubCounter(hubId: String, to counter: Int64) async throws -> Bool {
        try await bookkeepingWrite { connection in
            try connection.execute(
                "UPDATE hub_credentials SET last_counter = ? WHERE hub_id = ? AND last_counter < ?",
                [.integer(counter), .text(hubId), .integer(counter)]
            ) > 0
        }
    }
}

/// Hashing of enrolment tokens and partition digests.
public enum HubTokens {
    public static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
