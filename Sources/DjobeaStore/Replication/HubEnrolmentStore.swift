import DjobeaDomain
import DjobeaReplication
import Foundation
import GRDB

/// A new hub's enrolment, made by `djobea central enroll-hub`.
public struct HubEnrolment: Sendable, Equatable {
    public var hubId: String
    public var name: String
    public var zoneCodes: [String]
    /// The one-time token to give the hub operator (only its hash is stored).
    public var token: String
    public var expiresAt: Date
}

/// Hub enrolment at central on SQLite: the hub and zone rows (change-logged) and a one-time token (local). Redeeming
/// it, credentials and link state are the sync core's (`DjobeaReplication`).
extension ReplicaStorage {
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
        let hubId = try await localWrite(critical: false, now: now) { tx -> String in
            let db = tx.connection
            let hubId: String
            if let existing = try db.query("SELECT id FROM hubs WHERE name = ?", [.text(trimmed)]).first?[0].textValue {
                hubId = existing
            } else {
                hubId = DjobeaID.derived(namespace: "hub", name: trimmed)
                try tx.insert(HubRecord(id: hubId, name: trimmed, createdAt: UTCTimestamp.format(now)))
            }
            for code in codes {
                if var zone = try db.record(ZoneRecord.self, "SELECT * FROM zones WHERE code = ?", [.text(code)]) {
                    zone.hubId = hubId
                    try tx.update(zone, columns: [.hubId])
                } else {
                    try tx.insert(
                        ZoneRecord(
                            id: DjobeaID.derived(namespace: "zone", name: code), code: code,
                            name: Bonamoussadi.quarter(code)?.nameFR ?? HubEnrolments.zoneName(code), hubId: hubId,
                            createdAt: UTCTimestamp.format(now)))
                }
            }
            try db.execute(
                "INSERT INTO hub_enrolments (token_sha256, hub_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [.text(HubTokens.sha256(token)), .text(hubId), .text(UTCTimestamp.format(now)), .text(UTCTimestamp.format(expires))])
            return hubId
        }
        return HubEnrolment(hubId: hubId, name: trimmed, zoneCodes: codes, token: token, expiresAt: expires)
    }

}

enum HubEnrolments {
    static func zoneName(_ code: String) -> String {
        code.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }
}

/// What `djobea central enroll-hub --replace` did and knows of the hub it replaces (SPEC.md 7.7): the new enrolment,
/// and from the old machine's last contact what never reached central.
public struct HubReplacement: Sendable, Equatable {
    public var enrolment: HubEnrolment
    /// The replaced machine's node id; nil when the hub was never installed.
    public var oldNodeId: String?
    /// Its last contact with central.
    public var lastSeenAt: String?
    /// The changes it said it had not sent yet at that contact (lost with its disk), the oldest one's time, and the
    /// photo bytes it had not uploaded.
    public var pendingOut: Int
    public var oldestPendingAt: String?
    public var photoBacklogBytes: Int64
    /// The highest sequence number central holds from it: its changes after this one never arrived.
    public var lastSequenceReceived: Int64
}

extension ReplicaStorage {
    /// Central: replaces hub `name` whose machine is lost. Reads what its last contact said had not reached central,
    /// revokes its credential (the old machine, should it come back, is refused), and enrols it again for its zones
    /// (or `zoneCodes`): the new machine redeems the token, gets the same hub id and client page key, and rebuilds
    /// the hub's whole partition and its photos from central.
    public func replaceHub(name: String, zoneCodes: [String]? = nil, now: Date = Date()) async throws -> HubReplacement {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        let known = try await replicaRead { connection -> (hubId: String, zones: [String])? in
            guard let hubId = try connection.query("SELECT id FROM hubs WHERE name = ?", [.text(trimmed)]).first?[0].textValue else { return nil }
            let zones = try connection.query("SELECT code FROM zones WHERE hub_id = ? ORDER BY code", [.text(hubId)]).compactMap { $0[0].textValue }
            return (hubId, zones)
        }
        guard let known else { throw StoreError.invalid("aucun hub nommé « \(trimmed) » : vérifiez le nom (console ops, /ops)") }
        let oldNode = try await hubCredential(hubId: known.hubId)?.nodeId
        let peer = try await oldNode.asyncMap { try await peerLink(nodeId: $0) } ?? nil
        let lastSequence = try await oldNode.asyncMap { node in try await replicaRead { try $0.maxOriginSeq(origin: node) } } ?? 0
        _ = try await revokeHub(name: trimmed, now: now)
        let zones = zoneCodes ?? known.zones
        let enrolment = try await enrolHub(name: trimmed, zoneCodes: zones, now: now)
        return HubReplacement(
            enrolment: enrolment, oldNodeId: oldNode, lastSeenAt: peer?.lastSeenAt, pendingOut: peer?.pendingOut ?? 0,
            oldestPendingAt: peer?.oldestPendingAt, photoBacklogBytes: peer?.photoBacklogBytes ?? 0, lastSequenceReceived: lastSequence)
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
