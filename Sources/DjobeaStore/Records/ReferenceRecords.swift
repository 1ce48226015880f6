import DjobeaDomain
import GRDB

/// A row of `hubs`: one hub of the deployment.
public struct HubRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.hubs

    public var id: String
    public var name: String
    public var createdAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case name
        case createdAt = "created_at"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, name: String, createdAt: String
    ) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

/// A row of `zones`: a neighbourhood requests are routed by.
public struct ZoneRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.zones

    public var id: String
    public var code: String
    public var name: String
    /// The hub that owns the zone.
    public var hubId: String?
    public var createdAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case code
        case name
        case hubId = "hub_id"
        case createdAt = "created_at"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, code: String, name: String, hubId: String? = nil, createdAt: String
    ) {
        self.id = id
        self.code = code
        self.name = name
        self.hubId = hubId
        self.createdAt = createdAt
    }
}

/// A row of `services`: one trade of the catalogue.
public struct ServiceRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.services

    public var id: String
    public var code: String
    public var nameFr: String
    public var active: Bool
    public var sortOrder: Int64

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case code
        case nameFr = "name_fr"
        case active
        case sortOrder = "sort_order"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, code: String, nameFr: String, active: Bool, sortOrder: Int64
    ) {
        self.id = id
        self.code = code
        self.nameFr = nameFr
        self.active = active
        self.sortOrder = sortOrder
    }
}

/// A row of `commission_rates`: one version of a rate, never edited once in force (a trigger refuses updates).
public struct CommissionRateRecord: SyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.commissionRates

    public var id: String
    /// nil: every level.
    public var level: ProviderLevel?
    public var basisPoints: Int64
    public var effectiveFrom: String
    public var createdAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case level
        case basisPoints = "basis_points"
        case effectiveFrom = "effective_from"
        case createdAt = "created_at"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, level: ProviderLevel? = nil, basisPoints: Int64, effectiveFrom: String, createdAt: String
    ) {
        self.id = id
        self.level = level
        self.basisPoints = basisPoints
        self.effectiveFrom = effectiveFrom
        self.createdAt = createdAt
    }
}

/// A row of `gateway_keys`: a gateway's VAPID public key (base64url).
public struct GatewayKeyRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.gatewayKeys

    public var id: String
    public var nodeId: String
    public var vapidPublicKey: String
    public var updatedAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case nodeId = "node_id"
        case vapidPublicKey = "vapid_public_key"
        case updatedAt = "updated_at"
    }
    typealias CodingKeys = Columns
}
