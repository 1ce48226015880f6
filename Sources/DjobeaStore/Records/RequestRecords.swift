import DjobeaDomain
import GRDB

/// A row of `service_requests`: what a client asked for.
public struct ServiceRequestRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.serviceRequests

    public var id: String
    public var clientId: String
    public var serviceId: String
    public var zoneId: String
    public var urgency: Urgency
    public var title: String
    public var description: String
    public var address: String
    /// Francs.
    public var budgetMin: Int64?
    /// Francs.
    public var budgetMax: Int64?
    public var wishedTimeLabel: String?
    public var wishedAt: String?
    public var channel: RequestChannel
    public var createdAt: String
    public var updatedAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case clientId = "client_id"
        case serviceId = "service_id"
        case zoneId = "zone_id"
        case urgency, title, description, address
        case budgetMin = "budget_min"
        case budgetMax = "budget_max"
        case wishedTimeLabel = "wished_time_label"
        case wishedAt = "wished_at"
        case channel
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, clientId: String, serviceId: String, zoneId: String, urgency: Urgency, title: String, description: String, address: String,
        budgetMin: Int64? = nil, budgetMax: Int64? = nil, wishedTimeLabel: String? = nil, wishedAt: String? = nil, channel: RequestChannel,
        createdAt: String, updatedAt: String
    ) {
        self.id = id
        self.clientId = clientId
        self.serviceId = serviceId
        self.zoneId = zoneId
        self.urgency = urgency
        self.title = title
        self.description = description
        self.address = address
        self.budgetMin = budgetMin
        self.budgetMax = budgetMax
        self.wishedTimeLabel = wishedTimeLabel
        self.wishedAt = wishedAt
        self.channel = channel
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A row of `request_offers`: one offer of a request to a provider, decided by the hub that owns the zone.
public struct RequestOfferRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.requestOffers

    public var id: String
    public var requestId: String
    public var providerId: String
    /// 1 for the first offer of the request, then 2, 3 …
    public var rank: Int64
    public var offeredAt: String
    public var expiresAt: String
    public var state: OfferState
    public var answeredAt: String?
    public var seenAt: String?
    public var declineReason: DeclineReason?
    public var declineNote: String?

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case requestId = "request_id"
        case providerId = "provider_id"
        case rank
        case offeredAt = "offered_at"
        case expiresAt = "expires_at"
        case state
        case answeredAt = "answered_at"
        case seenAt = "seen_at"
        case declineReason = "decline_reason"
        case declineNote = "decline_note"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, requestId: String, providerId: String, rank: Int64, offeredAt: String, expiresAt: String, state: OfferState,
        answeredAt: String? = nil, seenAt: String? = nil, declineReason: DeclineReason? = nil, declineNote: String? = nil
    ) {
        self.id = id
        self.requestId = requestId
        self.providerId = providerId
        self.rank = rank
        self.offeredAt = offeredAt
        self.expiresAt = expiresAt
        self.state = state
        self.answeredAt = answeredAt
        self.seenAt = seenAt
        self.declineReason = declineReason
        self.declineNote = declineNote
    }
}

/// A row of `mission_events`, append-only: one step of a request's lifecycle (the status is folded from them).
public struct MissionEventRecord: SyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.missionEvents

    public var id: String
    public var requestId: String
    public var kind: MissionEventKind
    public var actorRole: ActorRole
    public var actorId: String?
    public var providerId: String?
    /// Packed HLC.
    public var hlc: Int64
    public var originNode: String
    public var occurredAt: String
    /// For `reopened`: the status the request goes back to.
    public var reopenTo: RequestStatus?
    public var reasonCode: String?
    public var note: String?

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case requestId = "request_id"
        case kind
        case actorRole = "actor_role"
        case actorId = "actor_id"
        case providerId = "provider_id"
        case hlc
        case originNode = "origin_node"
        case occurredAt = "occurred_at"
        case reopenTo = "reopen_to"
        case reasonCode = "reason_code"
        case note
    }
    typealias CodingKeys = Columns
}

/// A row of `mission_materials`: a material the provider used on a mission.
public struct MissionMaterialRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.missionMaterials

    public var id: String
    public var requestId: String
    public var providerId: String
    public var label: String
    public var quantity: Int64
    /// Francs.
    public var unitPrice: Int64
    public var recordedAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case requestId = "request_id"
        case providerId = "provider_id"
        case label, quantity
        case unitPrice = "unit_price"
        case recordedAt = "recorded_at"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, requestId: String, providerId: String, label: String, quantity: Int64, unitPrice: Int64, recordedAt: String
    ) {
        self.id = id
        self.requestId = requestId
        self.providerId = providerId
        self.label = label
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.recordedAt = recordedAt
    }
}

/// A row of `photos`: a photo's metadata (the bytes live in the blob store).
public struct PhotoRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.photos

    public var id: String
    public var requestId: String?
    public var providerId: String?
    public var kind: PhotoKind
    public var sha256: String
    public var thumbSha256: String?
    /// `image/jpeg`, `image/png` or `image/webp`.
    public var mime: String
    public var bytes: Int64
    public var width: Int64
    public var height: Int64
    public var takenAt: String
    public var createdAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case requestId = "request_id"
        case providerId = "provider_id"
        case kind, sha256
        case thumbSha256 = "thumb_sha256"
        case mime, bytes, width, height
        case takenAt = "taken_at"
        case createdAt = "created_at"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, requestId: String? = nil, providerId: String? = nil, kind: PhotoKind, sha256: String, thumbSha256: String? = nil, mime: String,
        bytes: Int64, width: Int64, height: Int64, takenAt: String, createdAt: String
    ) {
        self.id = id
        self.requestId = requestId
        self.providerId = providerId
        self.kind = kind
        self.sha256 = sha256
        self.thumbSha256 = thumbSha256
        self.mime = mime
        self.bytes = bytes
        self.width = width
        self.height = height
        self.takenAt = takenAt
        self.createdAt = createdAt
    }
}
