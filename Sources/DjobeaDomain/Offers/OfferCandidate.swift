import Foundation

/// A provider who might be offered a request, with what the eligibility rules and the ranking read.
public struct OfferCandidate: Hashable, Sendable {
    /// `providers.account_status`; only ops change it.
    public enum AccountStatus: String, Codable, Sendable {
        case active
        case suspended
    }

    public var providerId: String
    public var serviceIds: Set<String>
    public var zoneIds: Set<String>
    public var level: ProviderLevel
    /// Mean of the provider's stars, nil without any rating.
    public var averageRating: Double?
    public var ratingCount: Int
    /// Mean minutes from offer to answer over recent offers (an expired offer counts its whole window); nil without any.
    public var averageResponseMinutes: Double?
    /// Missions accepted and not finished (Acceptée, Arrivé, Diagnostic, Réparation).
    public var openMissions: Int
    public var workingHours: WorkingHours
    /// Declared absences, half-open intervals.
    public var absences: [DateInterval]
    public var awayMode: Bool
    /// The end of away mode; once past, the provider is available again even if the flag is still set.
    public var awayUntil: Date?
    public var accountStatus: AccountStatus
    /// The provider completed a mission for this request's client before.
    public var isFamiliarClient: Bool
    /// `provider_settings.auto_accept_familiar_clients`.
    public var autoAcceptFamiliarClients: Bool
    /// The state of this provider's offer of this request, if one was made (one offer per provider and request).
    public var offerState: OfferState?
    /// The request is of a kind the provider's settings accept (`request_types`: urgencies and services; empty = all).
    public var wantsRequestType: Bool

    public init(
        providerId: String, serviceIds: Set<String>, zoneIds: Set<String>, level: ProviderLevel = .bronze, averageRating: Double? = nil,
        ratingCount: Int = 0, averageResponseMinutes: Double? = nil, openMissions: Int = 0, workingHours: WorkingHours = .seedDefault,
        absences: [DateInterval] = [], awayMode: Bool = false, awayUntil: Date? = nil, accountStatus: AccountStatus = .active,
        isFamiliarClient: Bool = false, autoAcceptFamiliarClients: Bool = false, offerState: OfferState? = nil,
        wantsRequestType: Bool = true
    ) {
        self.providerId = providerId
        self.serviceIds = serviceIds
        self.zoneIds = zoneIds
        self.level = level
        self.averageRating = averageRating
        self.ratingCount = ratingCount
        self.averageResponseMinutes = averageResponseMinutes
        self.openMissions = openMissions
        self.workingHours = workingHours
        self.absences = absences
        self.awayMode = awayMode
        self.awayUntil = awayUntil
        self.accountStatus = accountStatus
        self.isFamiliarClient = isFamiliarClient
        self.autoAcceptFamiliarClients = autoAcceptFamiliarClients
        self.offerState = offerState
        self.wantsRequestType = wantsRequestType
    }

    /// In away mode at `date`: the flag is set and `awayUntil` is absent or still ahead.
    public func isAway(at date: Date) -> Bool {
        guard awayMode else { return false }
        guard let awayUntil else { return true }
        return date < awayUntil
    }

    /// Inside a declared absence at `date` (start included, end excluded).
    public func isAbsent(at date: Date) -> Bool {
        absences.contains { date >= $0.start && date < $0.end }
    }
}
