import DjobeaDomain
import GRDB

/// A row of `providers`: a provider's account and profile.
public struct ProviderRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.providers

    public var id: String
    public var phone: String
    public var name: String
    public var email: String?
    public var bio: String?
    public var photoSha256: String?
    public var level: ProviderLevel
    /// Only ops change it.
    public var accountStatus: OfferCandidate.AccountStatus
    public var awayMode: Bool
    public var awayUntil: String?
    public var awayMessage: String?
    public var homeZoneId: String?
    public var hubId: String?
    /// The hub that still numbers the provider's documents after a move, until central sees it has handed over
    /// (SPEC.md 4.8); NULL: the provider's `hub_id` numbers them.
    public var numberingHubId: String?
    public var joinedAt: String
    public var updatedAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case phone
        case name
        case email
        case bio
        case photoSha256 = "photo_sha256"
        case level
        case accountStatus = "account_status"
        case awayMode = "away_mode"
        case awayUntil = "away_until"
        case awayMessage = "away_message"
        case homeZoneId = "home_zone_id"
        case hubId = "hub_id"
        case numberingHubId = "numbering_hub_id"
        case joinedAt = "joined_at"
        case updatedAt = "updated_at"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, phone: String, name: String, email: String? = nil, bio: String? = nil, photoSha256: String? = nil, level: ProviderLevel,
        accountStatus: OfferCandidate.AccountStatus, awayMode: Bool, awayUntil: String? = nil, awayMessage: String? = nil, homeZoneId: String? = nil,
        hubId: String? = nil, numberingHubId: String? = nil, joinedAt: String, updatedAt: String
    ) {
        self.id = id
        self.phone = phone
        self.name = name
        self.email = email
        self.bio = bio
        self.photoSha256 = photoSha256
        self.level = level
        self.accountStatus = accountStatus
        self.awayMode = awayMode
        self.awayUntil = awayUntil
        self.awayMessage = awayMessage
        self.homeZoneId = homeZoneId
        self.hubId = hubId
        self.numberingHubId = numberingHubId
        self.joinedAt = joinedAt
        self.updatedAt = updatedAt
    }
}

/// A row of `provider_credentials`: the password hash and TOTP secret, synced so a provider can log in at any hub of their zones.
public struct ProviderCredentialRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.providerCredentials

    public var id: String
    public var providerId: String
    public var passwordHash: String?
    public var totpSecret: String?
    public var updatedAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case providerId = "provider_id"
        case passwordHash = "password_hash"
        case totpSecret = "totp_secret"
        case updatedAt = "updated_at"
    }
    typealias CodingKeys = Columns
}

/// A row of `provider_zones`: a zone the provider works in.
public struct ProviderZoneRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.providerZones

    public var id: String
    public var providerId: String
    public var zoneId: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case providerId = "provider_id"
        case zoneId = "zone_id"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, providerId: String, zoneId: String
    ) {
        self.id = id
        self.providerId = providerId
        self.zoneId = zoneId
    }
}

/// A row of `provider_services`: a trade the provider offers, with their rates.
public struct ProviderServiceRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.providerServices

    public var id: String
    public var providerId: String
    public var serviceId: String
    /// Francs.
    public var rateMin: Int64?
    /// Francs.
    public var rateMax: Int64?

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case providerId = "provider_id"
        case serviceId = "service_id"
        case rateMin = "rate_min"
        case rateMax = "rate_max"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, providerId: String, serviceId: String, rateMin: Int64? = nil, rateMax: Int64? = nil
    ) {
        self.id = id
        self.providerId = providerId
        self.serviceId = serviceId
        self.rateMin = rateMin
        self.rateMax = rateMax
    }
}

/// A row of `provider_certifications`.
public struct ProviderCertificationRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.providerCertifications

    public var id: String
    public var providerId: String
    public var title: String
    public var issuer: String?
    public var obtainedOn: String?

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case providerId = "provider_id"
        case title
        case issuer
        case obtainedOn = "obtained_on"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, providerId: String, title: String, issuer: String? = nil, obtainedOn: String? = nil
    ) {
        self.id = id
        self.providerId = providerId
        self.title = title
        self.issuer = issuer
        self.obtainedOn = obtainedOn
    }
}

/// A row of `provider_settings`: one per provider.
public struct ProviderSettingsRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.providerSettings

    public var id: String
    public var providerId: String
    public var notificationsEnabled: Bool
    public var autoAcceptFamiliarClients: Bool
    /// JSON: `{"start": "08:00", "end": "18:00", "days": [1,2,3,4,5]}` (1 = Monday).
    public var workingHours: String
    public var notificationSound: Bool
    public var summaryFrequency: SummaryFrequency
    /// JSON array.
    public var requestTypes: String
    public var createdAt: String
    public var updatedAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case providerId = "provider_id"
        case notificationsEnabled = "notifications_enabled"
        case autoAcceptFamiliarClients = "auto_accept_familiar_clients"
        case workingHours = "working_hours"
        case notificationSound = "notification_sound"
        case summaryFrequency = "summary_frequency"
        case requestTypes = "request_types"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, providerId: String, notificationsEnabled: Bool, autoAcceptFamiliarClients: Bool, workingHours: String, notificationSound: Bool,
        summaryFrequency: SummaryFrequency, requestTypes: String, createdAt: String, updatedAt: String
    ) {
        self.id = id
        self.providerId = providerId
        self.notificationsEnabled = notificationsEnabled
        self.autoAcceptFamiliarClients = autoAcceptFamiliarClients
        self.workingHours = workingHours
        self.notificationSound = notificationSound
        self.summaryFrequency = summaryFrequency
        self.requestTypes = requestTypes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A row of `push_subscriptions`: one browser of a provider (`PushSubscription.toJSON()`).
public struct PushSubscriptionRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.pushSubscriptions

    public var id: String
    public var providerId: String
    public var deviceId: String
    public var endpoint: String
    public var p256dh: String
    public var auth: String
    /// The gateway whose VAPID key the browser subscribed with (nil: central).
    public var gatewayNode: String?
    public var createdAt: String
    public var updatedAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case providerId = "provider_id"
        case deviceId = "device_id"
        case endpoint
        case p256dh
        case auth
        case gatewayNode = "gateway_node"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
    typealias CodingKeys = Columns
}

/// A row of `goals`: a provider's target for one month.
public struct GoalRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.goals

    public var id: String
    public var providerId: String
    /// `YYYY-MM`.
    public var month: String
    /// Francs.
    public var targetRevenue: Int64
    public var targetMissions: Int64

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case providerId = "provider_id"
        case month
        case targetRevenue = "target_revenue"
        case targetMissions = "target_missions"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, providerId: String, month: String, targetRevenue: Int64, targetMissions: Int64
    ) {
        self.id = id
        self.providerId = providerId
        self.month = month
        self.targetRevenue = targetRevenue
        self.targetMissions = targetMissions
    }
}

/// A row of `badges`: a badge awarded for one period.
public struct BadgeRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.badges

    public var id: String
    public var providerId: String
    public var code: BadgeCode
    public var period: String
    public var awardedAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case providerId = "provider_id"
        case code
        case period
        case awardedAt = "awarded_at"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, providerId: String, code: BadgeCode, period: String, awardedAt: String
    ) {
        self.id = id
        self.providerId = providerId
        self.code = code
        self.period = period
        self.awardedAt = awardedAt
    }
}
