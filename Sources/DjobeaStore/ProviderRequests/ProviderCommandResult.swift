import DjobeaDomain
import DjobeaReplication
import Foundation
import GRDB

/// What a provider command did, and the request as the provider sees it afterwards.
public struct ProviderCommandResult: Codable, Sendable, Hashable {
    /// accept, decline, update_status, message, ask_details, postpone, record_call, update_call_note.
    public var command: String
    public var requestId: String
    /// The provider's view after the command: `StatusGroup` raw value, precise status and French label.
    public var status: String
    public var stage: String
    public var statusLabel: String
    /// The folded mission when the request is assigned to this provider.
    public var mission: MissionProgress?
    /// The state of the offer to this provider, if there is one: pending, accepted, declined, expired, withdrawn.
    public var offerState: String?
    /// The message written for the client (accept, message, ask_details, postpone).
    public var messageId: String?
    public var proposalId: String?
    public var callId: String?
    /// When the command was recorded, UTC ISO 8601.
    public var recordedAt: String
    /// True when nothing new was written: an idempotency-key replay, or the same accept or stage again.
    /// Everything else is the first result.
    public var replayed: Bool
}

/// What a command body wrote, for the result.
struct RequestCommandOutcome: Sendable {
    var replayed = false
    var messageId: String?
    var proposalId: String?
    var callId: String?
}

/// An answer stored under its idempotency key and given again, marked `replayed`, when the key comes back.
protocol ReplayableCommandResult: Codable, Sendable {
    var command: String { get }
    var requestId: String { get }
    var replayed: Bool { get set }
}

extension ProviderCommandResult: ReplayableCommandResult {}

/// What the HTTP request being served says, so that a key replayed with another body is refused: the server sets
/// `current` (a digest of method, path and canonical body) around a route's work; store calls made outside a request
/// (tools, tests) have none, and their keys are matched on command and request only.
public enum CommandFingerprint {
    @TaskLocal public static var current: String?
}

/// An idempotency key checked, and the fingerprint of the request that brought it (`CommandFingerprint.current`).
struct ReplayKey: Sendable {
    let value: String
    let fingerprint: String?
}

/// The first result of each (provider, idempotency key), so that a phone's outbox may replay a command safely — request
/// commands and mission work alike: one table, one key rule (a key is the provider's own, for one command on one request,
/// with one body). The `command` column holds the command's name, followed by ` body:<fingerprint>` when known.
enum RequestCommandReplay {
    /// Keys older than this are forgotten; an outbox older than that is long dead.
    static let retention: TimeInterval = 30 * 86_400

    /// A trimmed key of 1...100 printable ASCII characters with the current request's fingerprint, or nil when no key
    /// was given. Call it in the request's task (the fingerprint is task-local), before the write.
    static func check(_ key: String?) throws -> ReplayKey? {
        guard let key else { return nil }
        let trimmed = key.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(trimmed.utf8.count), trimmed.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw ProviderRequestError.invalid("idempotency_key", "Clé d'idempotence invalide : 1 à 100 caractères ASCII")
        }
        return ReplayKey(value: trimmed, fingerprint: CommandFingerprint.current)
    }

    static let fingerprintSeparator = " body:"

    /// The `command` column's value: the name, and the fingerprint when known.
    static func tag(_ command: String, _ key: ReplayKey) -> String {
        key.fingerprint.map { command + fingerprintSeparator + $0 } ?? command
    }

    /// The stored result for this key, marked `replayed`; throws when the key was used for another command or request,
    /// or with another body (when both requests' fingerprints are known).
    static func lookup<T: ReplayableCommandResult>(
        _ type: T.Type, providerId: String, key: ReplayKey, command: String, requestId: String, in db: Database
    ) throws -> T? {
        try lookup(type, providerId: providerId, key: key, command: command, requestId: requestId, in: SQLiteReplicaConnection(db: db))
    }

    /// `lookup` on any storage (the table is local to each node).
    static func lookup<T: ReplayableCommandResult>(
        _ type: T.Type, providerId: String, key: ReplayKey, command: String, requestId: String, in connection: any ReplicaConnection
    ) throws -> T? {
        guard
            let row = try connection.query(
                "SELECT command, request_id, result FROM provider_request_commands WHERE provider_id = ? AND idempotency_key = ?",
                [.text(providerId), .text(key.value)]
            ).first,
            let storedTag = row["command"].textValue, let storedRequest = row["request_id"].textValue, let json = row["result"].textValue
        else { return nil }
        let parts = storedTag.components(separatedBy: fingerprintSeparator)
        let storedFingerprint = parts.count > 1 ? parts[1] : nil
        guard parts[0] == command, storedRequest == requestId else { throw ProviderRequestError.idempotencyKeyReused }
        if let storedFingerprint, let fingerprint = key.fingerprint, storedFingerprint != fingerprint {
            throw ProviderRequestError.idempotencyKeyReused
        }
        var result = try StoredJSON.decoder.decode(T.self, from: Data(json.utf8))
        result.replayed = true
        return result
    }

    static func store(_ result: some ReplayableCommandResult, providerId: String, key: ReplayKey, now: Date, in db: Database) throws {
        try store(result, providerId: providerId, key: key, now: now, in: SQLiteReplicaConnection(db: db))
    }

    /// `store` on any storage.
    static func store(
        _ result: some ReplayableCommandResult, providerId: String, key: ReplayKey, now: Date, in connection: any ReplicaConnection
    ) throws {
        let json = String(decoding: try StoredJSON.encoder.encode(result), as: UTF8.self)
        try connection.execute(
            "DELETE FROM provider_request_commands WHERE provider_id = ? AND created_at < ?",
            [.text(providerId), .text(UTCTimestamp.format(now.addingTimeInterval(-retention)))])
        try connection.execute(
            """
            INSERT INTO provider_request_commands (provider_id, idempotency_key, command, request_id, result, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            [
                .text(providerId), .text(key.value), .text(tag(result.command, key)), .text(result.requestId), .text(json),
                .text(UTCTimestamp.format(now)),
            ])
    }
}

/// The answer of a write that creates one row (a walk-in request, a payment): its id, replayed for its idempotency key.
struct RecordedId: ReplayableCommandResult {
    var command: String
    var requestId: String
    var id: String
    var replayed = false

    /// The id the first write of `key` created, or nil when the key is new; throws `idempotency_key_reused` when the
    /// key was used for another command, request or body.
    ///
    /// - Parameters:
    ///   - scope: whose keys these are: a provider id, or `~<role>` for the platform.
    static func replay(_ command: String, scope: String, requestId: String, key: ReplayKey, in connection: any ReplicaConnection) throws
        -> String?
    {
        try RequestCommandReplay.lookup(RecordedId.self, providerId: scope, key: key, command: command, requestId: requestId, in: connection)?
            .id
    }

    /// Keeps the id `key` created, in the write's transaction.
    static func record(
        _ command: String, _ id: String, scope: String, requestId: String, key: ReplayKey, now: Date, in connection: any ReplicaConnection
    ) throws {
        try RequestCommandReplay.store(
            RecordedId(command: command, requestId: requestId, id: id), providerId: scope, key: key, now: now, in: connection)
    }
}
