import Foundation

/// The body of `PUT /provider/profile`: only the fields to change. An absent (or null) field is left alone; an
/// empty string clears an optional text field (email, bio, photo).
///
/// The provider owns email, bio, photo, indicative rates and certifications. The ops-owned fields are accepted
/// in the body only when equal to the stored value (a client may send them back unchanged); any change to one is
/// refused with `field_not_owned`. Keys the endpoint does not know are refused with `unknown_field`.
public struct ProfileChanges: Codable, Sendable, Hashable {
    /// The indicative rates of one service the provider already offers; nil clears that bound.
    public struct RateChange: Codable, Sendable, Hashable {
        public var serviceCode: String
        public var rateMin: Int?
        public var rateMax: Int?

        public init(serviceCode: String, rateMin: Int?, rateMax: Int?) {
            self.serviceCode = serviceCode
            self.rateMin = rateMin
            self.rateMax = rateMax
        }

        enum CodingKeys: String, CodingKey {
            case serviceCode = "service_code"
            case rateMin = "rate_min"
            case rateMax = "rate_max"
        }
    }

    public struct NewCertification: Codable, Sendable, Hashable {
        public var title: String
        public var issuer: String?
        /// "YYYY-MM-DD", not in the future.
        public var obtainedOn: String?

        public init(title: String, issuer: String? = nil, obtainedOn: String? = nil) {
            self.title = title
            self.issuer = issuer
            self.obtainedOn = obtainedOn
        }

        enum CodingKeys: String, CodingKey {
            case title, issuer
            case obtainedOn = "obtained_on"
        }
    }

    // MARK: - Provider-owned

    public var email: String?
    public var bio: String?
    public var photoSHA256: String?
    public var rates: [RateChange]?
    public var addCertifications: [NewCertification]?
    public var removeCertificationIds: [String]?

    // MARK: - Ops-owned (refused when changed)

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
    /// Has no column on the provider: any value is refused.
    public var commissionTier: String?

    /// Keys of the decoded body that are none of the above.
    public var unknownFields: [String] = []

    public init(
        email: String? = nil, bio: String? = nil, photoSHA256: String? = nil, rates: [RateChange]? = nil,
        addCertifications: [NewCertification]? = nil, removeCertificationIds: [String]? = nil, name: String? = nil, phone: String? = nil,
        level: String? = nil, accountStatus: String? = nil, homeZone: String? = nil, zones: [String]? = nil, services: [String]? = nil,
        commissionTier: String? = nil
    ) {
        self.email = email
        self.bio = bio
        self.photoSHA256 = photoSHA256
        self.rates = rates
        self.addCertifications = addCertifications
        self.removeCertificationIds = removeCertificationIds
        self.name = name
        self.phone = phone
        self.level = level
        self.accountStatus = accountStatus
        self.homeZone = homeZone
        self.zones = zones
        self.services = services
        self.commissionTier = commissionTier
    }

    enum CodingKeys: String, CodingKey {
        case email, bio, rates, name, phone, level, zones, services
        case photoSHA256 = "photo_sha256"
        case addCertifications = "add_certifications"
        case removeCertificationIds = "remove_certification_ids"
        case accountStatus = "account_status"
        case homeZone = "home_zone"
        case commissionTier = "commission_tier"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        bio = try container.decodeIfPresent(String.self, forKey: .bio)
        photoSHA256 = try container.decodeIfPresent(String.self, forKey: .photoSHA256)
        rates = try container.decodeIfPresent([RateChange].self, forKey: .rates)
        addCertifications = try container.decodeIfPresent([NewCertification].self, forKey: .addCertifications)
        removeCertificationIds = try container.decodeIfPresent([String].self, forKey: .removeCertificationIds)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        phone = try container.decodeIfPresent(String.self, forKey: .phone)
        level = try container.decodeIfPresent(String.self, forKey: .level)
        accountStatus = try container.decodeIfPresent(String.self, forKey: .accountStatus)
        homeZone = try container.decodeIfPresent(String.self, forKey: .homeZone)
        zones = try container.decodeIfPresent([String].self, forKey: .zones)
        services = try container.decodeIfPresent([String].self, forKey: .services)
        commissionTier = try container.decodeIfPresent(String.self, forKey: .commissionTier)
        unknownFields = try decoder.container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
            .filter { CodingKeys(stringValue: $0) == nil }.sorted()
    }
}
