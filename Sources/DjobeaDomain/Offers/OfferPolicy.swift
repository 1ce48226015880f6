import Foundation

/// How a hub offers requests: how many providers at once, for how long, how many times, and until when.
public struct OfferPolicy: Hashable, Sendable {
    /// The rule for one urgency.
    public struct Rule: Hashable, Sendable {
        /// Offers pending at once: when one ends (declined, expired, withdrawn), the next provider gets one.
        public var parallelOffers: Int
        /// Rounds before the request gives up: at most `parallelOffers × maxRounds` offers (withdrawn ones aside).
        public var maxRounds: Int
        /// No new offer after `routingSince + lifetime`; the request expires once nothing is pending.
        public var lifetime: TimeInterval

        public init(parallelOffers: Int, maxRounds: Int, lifetime: TimeInterval) {
            self.parallelOffers = max(1, parallelOffers)
            self.maxRounds = max(1, maxRounds)
            self.lifetime = max(0, lifetime)
        }

        /// The offer budget of one routing.
        public var maxOffers: Int { parallelOffers * maxRounds }
    }

    public var urgent: Rule
    public var aujourdhui: Rule
    public var cetteSemaine: Rule
    public var planifie: Rule
    /// When set, every offer waits this long instead of `Urgency.responseWindow`.
    public var offerWindowOverride: TimeInterval?
    /// Urgent requests may go to providers outside their working hours, after those in hours (`OfferEligibility`).
    public var urgentOutsideWorkingHours: Bool
    public var ranking: OfferRanking
    /// How far back offers count for a provider's mean response time.
    public var responseHistory: TimeInterval

    public init(
        urgent: Rule, aujourdhui: Rule, cetteSemaine: Rule, planifie: Rule, offerWindowOverride: TimeInterval? = nil,
        urgentOutsideWorkingHours: Bool = true, ranking: OfferRanking = .standard, responseHistory: TimeInterval = 30 * 86_400
    ) {
        self.urgent = urgent
        self.aujourdhui = aujourdhui
        self.cetteSemaine = cetteSemaine
        self.planifie = planifie
        self.offerWindowOverride = offerWindowOverride.map { max(1, $0) }
        self.urgentOutsideWorkingHours = urgentOutsideWorkingHours
        self.ranking = ranking
        self.responseHistory = responseHistory
    }

    /// Urgent: 3 providers at once, 3 rounds, 2 hours. Aujourd'hui: one at a time, 5 rounds, 24 hours.
    /// Cette semaine: one at a time, 5 rounds, 4 days. Planifié: one at a time, 5 rounds, 10 days.
    public static let standard = OfferPolicy(
        urgent: Rule(parallelOffers: 3, maxRounds: 3, lifetime: 2 * 3_600),
        aujourdhui: Rule(parallelOffers: 1, maxRounds: 5, lifetime: 24 * 3_600),
        cetteSemaine: Rule(parallelOffers: 1, maxRounds: 5, lifetime: 4 * 86_400),
        planifie: Rule(parallelOffers: 1, maxRounds: 5, lifetime: 10 * 86_400))

    public func rule(for urgency: Urgency) -> Rule {
        switch urgency {
        case .urgent: urgent
        case .aujourdhui: aujourdhui
        case .cetteSemaine: cetteSemaine
        case .planifie: planifie
        }
    }

    /// How long an offer of such a request waits for its answer.
    public func offerWindow(for urgency: Urgency) -> TimeInterval {
        offerWindowOverride ?? urgency.responseWindow
    }

    /// The time after which a request routed since `routingSince` gets no new offer.
    public func deadline(for request: OfferRequest) -> Date {
        request.routingSince.addingTimeInterval(rule(for: request.urgency).lifetime)
    }
}
