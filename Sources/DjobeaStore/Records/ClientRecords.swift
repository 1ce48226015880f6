import DjobeaDomain
import GRDB

/// A row of `clients`. A walk-in request gets a client row of its own, so a phone may appear more than once.
public struct ClientRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.clients

    public var id: String
    public var phone: String
    public var name: String
    public var zoneId: String?
    public var address: String?
    public var createdAt: String
    /// STOP: no more non-essential messages.
    public var optedOutAt: String?
    /// No WhatsApp account: essential messages go by SMS.
    public var noWhatsappAt: String?

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case phone
        case name
        case zoneId = "zone_id"
        case address
        case createdAt = "created_at"
        case optedOutAt = "opted_out_at"
        case noWhatsappAt = "no_whatsapp_at"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, phone: String, name: String, zoneId: String? = nil, address: String? = nil, createdAt: String, optedOutAt: String? = nil,
        noWhatsappAt: String? = nil
    ) {
        self.id = id
        self.phone = phone
        self.name = name
        self.zoneId = zoneId
        self.address = address
        self.createdAt = createdAt
        self.optedOutAt = optedOutAt
        self.noWhatsappAt = noWhatsappAt
    }
}

/// A row of `mission_work_sessions`: one run of the mission timer.
public struct MissionWorkSessionRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.missionWorkSessions

    public var id: String
    public var requestId: String
    public var providerId: String
    public var startedAt: String
    public var stoppedAt: String?

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case requestId = "request_id"
        case providerId = "provider_id"
        case startedAt = "started_at"
        case stoppedAt = "stopped_at"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, requestId: String, providerId: String, startedAt: String, stoppedAt: String? = nil
    ) {
        self.id = id
        self.requestId = requestId
        self.providerId = providerId
        self.startedAt = startedAt
        self.stoppedAt = stoppedAt
    }
}

/// A row of `ratings`: the client's stars for a request.
public struct RatingRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.ratings

    public var id: String
    public var requestId: String
    public var clientId: String
    public var providerId: String
    /// 1...5.
    public var stars: Int64
    public var comment: String?
    public var createdAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case requestId = "request_id"
        case clientId = "client_id"
        case providerId = "provider_id"
        case stars
        case comment
        case createdAt = "created_at"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, requestId: String, clientId: String, providerId: String, stars: Int64, comment: String? = nil, createdAt: String
    ) {
        self.id = id
        self.requestId = requestId
        self.clientId = clientId
        self.providerId = providerId
        self.stars = stars
        self.comment = comment
        self.createdAt = createdAt
    }
}

/// A row of `message_templates`: a quick reply or question, the catalogue's (no provider) or a provider's own.
public struct MessageTemplateRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.messageTemplates

    public var id: String
    public var providerId: String?
    public var kind: MessageTemplateKind
    public var code: String
    public var body: String
    public var sortOrder: Int64

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case providerId = "provider_id"
        case kind
        case code
        case body
        case sortOrder = "sort_order"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, providerId: String? = nil, kind: MessageTemplateKind, code: String, body: String, sortOrder: Int64
    ) {
        self.id = id
        self.providerId = providerId
        self.kind = kind
        self.code = code
        self.body = body
        self.sortOrder = sortOrder
    }
}
