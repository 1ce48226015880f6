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
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, requestId: String? = nil, providerId: String, clientId: String, direction: MessageDirection, channel: MessageChannel,
        templateCode: String? = nil, body: String, sentAt: String, deliveryStatus: DeliveryStatus, gatewayNode: String? = nil,
        templateName: String? = nil, templateParams: String? = nil, essential: Bool, externalId: String? = nil, statusReason: String? = nil,
        statusAt: String? = nil, intent: String? = nil
    ) {
        self.id = id
        self.requestId = requestId
        self.providerId = providerId
        self.clientId = clientId
        self.direction = direction
        self.channel = channel
        self.templateCode = templateCode
        self.body = body
        self.sentAt = sentAt
        self.deliveryStatus = deliveryStatus
        self.gatewayNode = gatewayNode
        self.templateName = templateName
        self.templateParams = templateParams
        self.essential = essential
        self.externalId = externalId
        self.statusReason = statusReason
        self.statusAt = statusAt
        self.intent = intent
    }
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
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, providerId: String, clientId: String, requestId: String? = nil, direction: CallDirection, startedAt: String,
        durationSeconds: Int64, note: String? = nil
    ) {
        self.id = id
        self.providerId = providerId
        self.clientId = clientId
        self.requestId = requestId
        self.direction = direction
        self.startedAt = startedAt
        self.durationSeconds = durationSeconds
        self.note = note
    }
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
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, providerId: String, kind: NotificationKind, requestId: String? = nil, title: String, body: String, createdAt: String,
        seenAt: String? = nil
    ) {
        self.id = id
        self.providerId = providerId
        self.kind = kind
        self.requestId = requestId
        self.title = title
        self.body = body
        self.createdAt = createdAt
        self.seenAt = seenAt
    }
}
