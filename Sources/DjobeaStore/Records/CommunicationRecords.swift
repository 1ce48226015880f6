import DjobeaDomain
import GRDB

/// A row of `messages`: one message between a provider and a client, in either direction.
public struct MessageRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.messages

    public var id: String
    public var requestId: String?
    public var providerId: String
    public var clientId: String
    public var direction: MessageDirection
    public var channel: MessageChannel
    public var templateCode: String?
    public var body: String
    public var sentAt: String
    public var deliveryStatus: DeliveryStatus
    /// Who sends it; nil: the deployment's default gateway.
    public var gatewayNode: String?
    public var templateName: String?
    /// JSON.
    public var templateParams: String?
    public var essential: Bool
    public var externalId: String?
    public var statusReason: String?
    public var statusAt: String?
    /// What an inbound message means: text, slot_yes, slot_no, rating, stop, start.
    public var intent: String?

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case requestId = "request_id"
        case providerId = "provider_id"
        case clientId = "client_id"
        case direction, channel
        case templateCode = "template_code"
        case body
        case sentAt = "sent_at"
        case deliveryStatus = "delivery_status"
        case gatewayNode = "gateway_node"
        case templateName = "template_name"
        case templateParams = "template_params"
        case essential
        case externalId = "external_id"
        case statusReason = "status_reason"
        case statusAt = "status_at"
        case intent
    }
    typealias CodingKeys = Columns
}

/// A row of `call_logs`: a call between a provider and a client.
public struct CallLogRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.callLogs

    public var id: String
    public var providerId: String
    public var clientId: String
    public var requestId: String?
    public var direction: CallDirection
    public var startedAt: String
    public var durationSeconds: Int64
    public var note: String?

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case providerId = "provider_id"
        case clientId = "client_id"
        case requestId = "request_id"
        case direction
        case startedAt = "started_at"
        case durationSeconds = "duration_seconds"
        case note
    }
    typealias CodingKeys = Columns
}

/// A row of `notifications`: something the provider is told in the app.
public struct NotificationRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.notifications

    public var id: String
    public var providerId: String
    public var kind: NotificationKind
    public var requestId: String?
    public var title: String
    public var body: String
    public var createdAt: String
    public var seenAt: String?

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case providerId = "provider_id"
        case kind
        case requestId = "request_id"
        case title, body
        case createdAt = "created_at"
        case seenAt = "seen_at"
    }
    typealias CodingKeys = Columns
}
