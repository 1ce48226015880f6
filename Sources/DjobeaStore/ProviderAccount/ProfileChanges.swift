import Foundation

/// A provider's changes to their profile: only the fields to change. An absent (nil) field is left alone; an empty
/// string clears an optional text field (email, bio, photo).
///
/// The provider owns email, bio, photo, indicative rates and certifications. The ops-owned fields are accepted
/// only when equal to the stored value (a client may send them back unchanged); any change to one is
/// refused with `field_not_owned`. Keys the request named that are none of these (`unknownFields`) are refused with `unknown_field`.
public struct ProfileChanges: Sendable, Hashable {
    /// The indicative rates of one service the provider already offers; nil clears that bound.
    public struct RateChange: Sendable, Hashable {
        public var serviceCode: String
        public var rateMin: Int?
        public var rateMax: Int?

        public init(serviceCode: String, rateMin: Int?, rateMax: Int?) {
            self.serviceCode = serviceCode
            self.rateMin = rateMin
            self.rateMax = rateMax
        }
    }

    public struct NewCertification: Sendable, Hashable {
        public var title: String
        public var issuer: String?
        /// "YYYY-MM-DD", not in the future.
        public var obtainedOn: String?

        public init(title: String, issuer: String? = nil, obtainedOn: String? = nil) {
            self.title = title
            self.issuer = issuer
            self.obtainedOn = obtainedOn
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
}
