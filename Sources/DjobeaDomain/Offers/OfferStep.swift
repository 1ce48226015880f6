import Foundation

/// What the hub does next for one request, as decided by `OfferRouter.step`; the store applies it in one transaction.
public struct OfferStep: Hashable, Sendable {
    /// An offer to make now.
    public struct NewOffer: Hashable, Sendable {
        public var providerId: String
        public var rank: Int
        public var offeredAt: Date
        public var expiresAt: Date
        /// Made outside the provider's working hours (urgent requests only).
        public var outsideHours: Bool

        public init(providerId: String, rank: Int, offeredAt: Date, expiresAt: Date, outsideHours: Bool = false) {
            self.providerId = providerId
            self.rank = rank
            self.offeredAt = offeredAt
            self.expiresAt = expiresAt
            self.outsideHours = outsideHours
        }
    }

    /// Why a pending offer is withdrawn.
    public enum WithdrawalReason: Hashable, Sendable {
        /// The request was accepted, cancelled or closed otherwise (CONFLICTS.md rule 3).
        case requestClosed(RequestStatus)
        /// The provider went away, absent, suspended, or no longer covers the service or zone: redirected to others.
        case providerUnavailable(OfferIneligibility)
        /// A familiar provider accepted automatically.
        case autoAccepted

        /// A stable code for logs.
        public var code: String {
            switch self {
            case .requestClosed(let status): "request_\(status.rawValue)"
            case .providerUnavailable(let reason): reason.rawValue
            case .autoAccepted: "auto_accept"
            }
        }
    }

    public struct Withdrawal: Hashable, Sendable {
        public var offerId: String
        public var providerId: String
        public var reason: WithdrawalReason

        public init(offerId: String, providerId: String, reason: WithdrawalReason) {
            self.offerId = offerId
            self.providerId = providerId
            self.reason = reason
        }
    }

    /// Why the hub gives up on a request; the code goes into the `expired` event's `reason_code`.
    public enum RequestExpiry: String, CaseIterable, Codable, Sendable {
        /// Nobody can take it, now or later: no active provider of the service in the zone who was not asked yet.
        case noProvider = "aucun_prestataire"
        /// Like `noProvider`, after at least one provider declined it: declined providers are not asked twice.
        case allDeclined = "tous_ont_decline"
        /// Every offer of the budget was made and none was accepted.
        case roundsExhausted = "tours_epuises"
        /// The request's lifetime ran out.
        case deadlinePassed = "delai_depasse"

        /// The note of the `expired` event, shown to ops.
        public var noteFR: String {
            switch self {
            case .noProvider: "Aucun prestataire disponible pour ce service dans ce quartier"
            case .allDeclined: "Tous les prestataires sollicités ont décliné la demande"
            case .roundsExhausted: "Aucun prestataire n'a accepté la demande"
            case .deadlinePassed: "Délai dépassé sans prestataire"
            }
        }
    }

    /// Where the request stands after the step.
    public enum Outcome: Hashable, Sendable {
        /// Accepted, cancelled or closed: no routing.
        case closed(RequestStatus)
        /// Offers are out (made now or earlier).
        case offering
        case autoAccepted(providerId: String)
        /// Nobody to offer to now, but someone may be later (hours, away mode, absence): try again at the next sweep.
        case waiting
        case expired(RequestExpiry)
    }

    public var requestId: String
    /// Pending offers past their `expires_at`, to mark expired.
    public var expiredOfferIds: [String] = []
    public var withdrawals: [Withdrawal] = []
    /// Append a `reoffered` event (system) first: the request is Déclinée and goes back to Nouvelle.
    public var reoffer = false
    public var newOffers: [NewOffer] = []
    /// An offer made and accepted at once for a familiar client (`auto_accept_familiar_clients`).
    public var autoAccept: NewOffer?
    public var outcome: Outcome

    public init(requestId: String, outcome: Outcome) {
        self.requestId = requestId
        self.outcome = outcome
    }

    /// Set when this step expires the request (an `expired` event by the system).
    public var requestExpiry: RequestExpiry? {
        if case .expired(let reason) = outcome { return reason }
        return nil
    }

    /// Nothing to write.
    public var isEmpty: Bool {
        expiredOfferIds.isEmpty && withdrawals.isEmpty && !reoffer && newOffers.isEmpty && autoAccept == nil && requestExpiry == nil
    }
}
