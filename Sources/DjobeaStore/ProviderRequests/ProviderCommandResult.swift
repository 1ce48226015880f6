import DjobeaDomain
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

    enum CodingKeys: String, CodingKey {
        case command, status, stage, mission, replayed
        case requestId = "request_id"
        case statusLabel = "status_label"
        case offerState = "offer_state"
        case messageId = "message_id"
        case proposalId = "proposal_id"
        case callId = "call_id"
        case recordedAt = "recorded_at"
    }
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

/// The first result of each (provider, idempotency key), so that a phone's outbox may replay a command safely — request
/// commands and mission work alike: one table, one key rule (a key is the provider's own, for one command on one request).
enum RequestCommandReplay {
    /// Keys older than this are forgotten; an outbox older than that is long dead.
    static let retention: TimeInterval = 30 * 86_400

    /// A trimmed key of 1...100 printable ASCII characters, or nil when none was given.
    static func check(_ key: String?) throws -> String? {
        guard let key else { return nil }
        let trimmed = key.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(trimmed.utf8.count), trimmed.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw ProviderRequestError.invalid("idempotency_key", "Clé d'idempotence invalide : 1 à 100 caractères ASCII")
        }
        return trimmed
    }

    /// The stored result for this key, marked `replayed`; throws when the key was used for another command or request.
    static func lookup<T: ReplayableCommandResult>(
        _ type: T.Type, providerId: String, key: String, command: String, requestId: String, in db: Database
    ) throws -> T? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT command, request_id, result FROM provider_request_commands WHERE provider_id = ? AND idempotency_key = ?"),
                arguments: [providerId, key])
        else { return nil }
        let storedCommand: String = row["command"]
        let storedRequest: String = row["request_id"]
        guard storedCommand == command, storedRequest == requestId else { throw ProviderRequestError.idempotencyKeyReused }
        let json: String = row["result"]
        var result = try JSONDecoder().decode(T.self, from: Data(json.utf8))
        result.replayed = true
        return result
    }

    static func store(_ result: some ReplayableCommandResult, providerId: String, key: String, now: Date, in db: Database) throws {
        let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        try db.execute(
            sql: "DELETE FROM provider_request_commands WHERE provider_id = ? AND created_at < ?",
            arguments: [providerId, UTCTimestamp.format(now.addingTimeInterval(-retention))])
        try db.execute(
            sql: """
                INSERT INTO provider_request_commands (provider_id, idempotency_key, command, request_id, result, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [providerId, key, result.command, result.requestId, json, UTCTimestamp.format(now)])
    }
}
