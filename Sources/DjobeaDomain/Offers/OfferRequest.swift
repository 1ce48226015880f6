import Foundation

/// A service request as offer routing sees it: what is asked, where, how soon, and where its lifecycle stands.
public struct OfferRequest: Hashable, Sendable {
    public var id: String
    public var clientId: String
    public var serviceId: String
    public var zoneId: String
    public var urgency: Urgency
    public var createdAt: Date
    /// The slot the client asked for, if any: a provider absent then is not offered the request.
    public var wishedAt: Date?
    /// The folded status (`missions.status`); only Nouvelle and Déclinée requests are routed.
    public var status: RequestStatus
    /// The assigned provider once accepted or reassigned.
    public var assignedProviderId: String?
    /// When the current routing began: the creation, or the last reopen by ops or the hub operator. The request's
    /// deadline and its offer budget count from here.
    public var routingSince: Date

    public init(
        id: String, clientId: String, serviceId: String, zoneId: String, urgency: Urgency, createdAt: Date, wishedAt: Date? = nil,
        status: RequestStatus = .nouvelle, assignedProviderId: String? = nil, routingSince: Date? = nil
    ) {
        self.id = id
        self.clientId = clientId
        self.serviceId = serviceId
        self.zoneId = zoneId
        self.urgency = urgency
        self.createdAt = createdAt
        self.wishedAt = wishedAt
        self.status = status
        self.assignedProviderId = assignedProviderId
        self.routingSince = routingSince ?? createdAt
    }

    /// Nouvelle or Déclinée: the request still looks for a provider. Anything else is never offered again.
    public var isRoutable: Bool {
        status == .nouvelle || status == .declinee
    }
}

/// The state of one offer (`request_offers.state`).
public enum OfferState: String, CaseIterable, Codable, Sendable {
    case pending
    case accepted
    case declined
    case expired
    /// Closed by the hub: the request was taken or cancelled, or the provider became unavailable.
    case withdrawn
}

/// One offer of a request to a provider, as stored.
public struct OfferRecord: Hashable, Sendable {
    public var id: String
    public var providerId: String
    /// 1 for the first offer of the request, then 2, 3 …: the order in which the hub made them.
    public var rank: Int
    public var offeredAt: Date
    public var expiresAt: Date
    public var state: OfferState

    public init(id: String, providerId: String, rank: Int, offeredAt: Date, expiresAt: Date, state: OfferState) {
        self.id = id
        self.providerId = providerId
        self.rank = rank
        self.offeredAt = offeredAt
        self.expiresAt = expiresAt
        self.state = state
    }
}
