import DjobeaStore

/// `PUT /provider/profile`: only the fields to change; an absent (or null) field is left alone, an empty string
/// clears an optional text field (email, bio, photo). Ops-owned fields are accepted only when unchanged; keys the
/// endpoint does not know are refused with `unknown_field` (the store decides both).
public struct ProfileBody: Codable, Sendable {
    public struct Rate: Codable, Sendable {
        public var serviceCode: String
        public var rateMin: Int?
        public var rateMax: Int?
    }

    public struct Certification: Codable, Sendable {
        public var title: String
        public var issuer: String?
        /// "YYYY-MM-DD", not in the future.
        public var obtainedOn: String?
    }

    public var email: String?
    public var bio: String?
    /// `photo_sha256` on the wire (an acronym is a word under the key policy).
    public var photoSha256: String?
    public var rates: [Rate]?
    public var addCertifications: [Certification]?
    public var removeCertificationIds: [String]?
    public var name: String?
    public var phone: String?
    public var level: String?
    public var accountStatus: String?
    /// Zone code.
    public var homeZone: String?
    /// Zone codes.
    public var zones: [String]?
    /// Service codes.
    public var services: [String]?
    public var commissionTier: String?
    /// Keys of the body that are none of the above, sorted.
    public var unknownFields: [String] = []

    enum CodingKeys: String, CodingKey {
        case email, bio, rates, name, phone, level, zones, services, photoSha256, addCertifications, removeCertificationIds, accountStatus, homeZone,
            commissionTier
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        bio = try container.decodeIfPresent(String.self, forKey: .bio)
        photoSha256 = try container.decodeIfPresent(String.self, forKey: .photoSha256)
        rates = try container.decodeIfPresent([Rate].self, forKey: .rates)
        addCertifications = try container.decodeIfPresent([Certification].self, forKey: .addCertifications)
        removeCertificationIds = try container.decodeIfPresent([String].self, forKey: .removeCertificationIds)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        phone = try container.decodeIfPresent(String.self, forKey: .phone)
        level = try container.decodeIfPresent(String.self, forKey: .level)
        accountStatus = try container.decodeIfPresent(String.self, forKey: .accountStatus)
        homeZone = try container.decodeIfPresent(String.self, forKey: .homeZone)
        zones = try container.decodeIfPresent([String].self, forKey: .zones)
        services = try container.decodeIfPresent([String].self, forKey: .services)
        commissionTier = try container.decodeIfPresent(String.self, forKey: .commissionTier)
        unknownFields = try AnyCodingKey.unknown(in: decoder, known: CodingKeys.self)
    }

    public var changes: ProfileChanges {
        var changes = ProfileChanges(
            email: email, bio: bio, photoSHA256: photoSha256,
            rates: rates?.map { ProfileChanges.RateChange(serviceCode: $0.serviceCode, rateMin: $0.rateMin, rateMax: $0.rateMax) },
            addCertifications: addCertifications?.map {
                ProfileChanges.NewCertification(title: $0.title, issuer: $0.issuer, obtainedOn: $0.obtainedOn)
            },
            removeCertificationIds: removeCertificationIds, name: name, phone: phone, level: level, accountStatus: accountStatus,
            homeZone: homeZone, zones: zones, services: services, commissionTier: commissionTier)
        changes.unknownFields = unknownFields
        return changes
    }
}

/// `PUT /provider/settings`: only the fields to change; keys the endpoint does not know are refused (by the store).
public struct SettingsBody: Codable, Sendable {
    public var notificationsEnabled: Bool?
    public var notificationSound: Bool?
    public var autoAcceptFamiliarClients: Bool?
    /// daily, weekly, monthly or never.
    public var summaryFrequency: String?
    /// Replaces the whole list: service codes the provider offers and urgency codes, at most 20.
    public var requestTypes: [String]?
    public var workingHours: WorkingHoursSetting?
    /// Keys of the body that are none of the above, sorted.
    public var unknownFields: [String] = []

    enum CodingKeys: String, CodingKey {
        case notificationsEnabled, notificationSound, autoAcceptFamiliarClients, summaryFrequency, requestTypes, workingHours
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        notificationsEnabled = try container.decodeIfPresent(Bool.self, forKey: .notificationsEnabled)
        notificationSound = try container.decodeIfPresent(Bool.self, forKey: .notificationSound)
        autoAcceptFamiliarClients = try container.decodeIfPresent(Bool.self, forKey: .autoAcceptFamiliarClients)
        summaryFrequency = try container.decodeIfPresent(String.self, forKey: .summaryFrequency)
        requestTypes = try container.decodeIfPresent([String].self, forKey: .requestTypes)
        workingHours = try container.decodeIfPresent(WorkingHoursSetting.self, forKey: .workingHours)
        unknownFields = try AnyCodingKey.unknown(in: decoder, known: CodingKeys.self)
    }

    public var changes: SettingsChanges {
        var changes = SettingsChanges(
            notificationsEnabled: notificationsEnabled, notificationSound: notificationSound, autoAcceptFamiliarClients: autoAcceptFamiliarClients,
            summaryFrequency: summaryFrequency, requestTypes: requestTypes, workingHours: workingHours)
        changes.unknownFields = unknownFields
        return changes
    }
}

/// A key of any name: lets a body list the keys it does not know, and the key policy convert one name.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }

    /// The keys of the object being decoded that `Known` does not name, as the body spelled them (the key policy's
    /// wire names), sorted.
    static func unknown<Known: CodingKey>(in decoder: any Decoder, known: Known.Type) throws -> [String] {
        try decoder.container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue).filter { Known(stringValue: $0) == nil }
            .map(JSONCoding.wireName).sorted()
    }
}
