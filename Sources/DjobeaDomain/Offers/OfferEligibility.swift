import Foundation

/// Why a provider may not be offered a request.
public enum OfferIneligibility: String, CaseIterable, Codable, Sendable {
    case wrongService = "wrong_service"
    case outsideZone = "outside_zone"
    case suspended = "account_suspended"
    case away
    case absent
    /// The provider already had an offer of this request (pending, answered, expired or withdrawn).
    case alreadyOffered = "already_offered"
    case outsideWorkingHours = "outside_working_hours"
    /// The provider's settings exclude this kind of request ("types de demandes à recevoir").
    case unwantedType = "unwanted_type"

    public var labelFR: String {
        switch self {
        case .wrongService: "Ne propose pas ce service"
        case .outsideZone: "Hors de ses quartiers"
        case .suspended: "Compte suspendu"
        case .away: "En mode absent"
        case .absent: "Absence déclarée"
        case .alreadyOffered: "Demande déjà proposée"
        case .outsideWorkingHours: "Hors de ses horaires"
        case .unwantedType: "Type de demande exclu par ses paramètres"
        }
    }

    /// A pending offer to a provider in this situation is withdrawn and redirected to others.
    ///
    /// Hours are not among them: the provider was in hours when offered, and the offer simply runs out.
    public var withdrawsPendingOffer: Bool {
        switch self {
        case .wrongService, .outsideZone, .suspended, .away, .absent: true
        case .alreadyOffered, .outsideWorkingHours, .unwantedType: false
        }
    }

    /// The provider may become eligible later without anyone else acting (back from away mode or an absence, start
    /// of their hours), so a request with nobody to offer to waits rather than expires.
    public var isTemporary: Bool {
        switch self {
        case .away, .absent, .outsideWorkingHours: true
        case .wrongService, .outsideZone, .suspended, .alreadyOffered, .unwantedType: false
        }
    }
}

/// The answer of `OfferEligibility.check`.
public enum OfferVerdict: Hashable, Sendable {
    case eligible
    /// Outside working hours, allowed because the request is urgent; ranked after every provider in hours.
    case eligibleOutsideHours
    case ineligible(OfferIneligibility)

    public var isEligible: Bool {
        if case .ineligible = self { return false }
        return true
    }

    public var reason: OfferIneligibility? {
        if case .ineligible(let reason) = self { return reason }
        return nil
    }
}

/// Who may be offered a request (issue 3 item 5; seed §3 and §6).
///
/// Checks run in a fixed order and the first failure is the reason: service, zone, the provider's request types, account, away mode, absence,
/// an earlier offer of the same request, working hours.
///
/// Decision on hours: an **urgent** request may reach a provider outside their working hours (a burst pipe at
/// 21:00 cannot wait for the morning), but such providers come after every provider in hours and never get an
/// automatic acceptance. Absences, away mode and suspension exclude a provider whatever the urgency. Other
/// urgencies wait for working hours.
public enum OfferEligibility {
    /// - Parameters:
    ///   - now: the time of the offer; hours are read in Douala time.
    ///   - urgentOutsideHours: whether urgent requests may go to providers outside their hours (`OfferPolicy`).
    public static func check(_ candidate: OfferCandidate, _ request: OfferRequest, at now: Date, urgentOutsideHours: Bool = true) -> OfferVerdict {
        guard candidate.serviceIds.contains(request.serviceId) else { return .ineligible(.wrongService) }
        guard candidate.zoneIds.contains(request.zoneId) else { return .ineligible(.outsideZone) }
        guard candidate.wantsRequestType else { return .ineligible(.unwantedType) }
        guard candidate.accountStatus == .active else { return .ineligible(.suspended) }
        guard !candidate.isAway(at: now) else { return .ineligible(.away) }
        // Absent now, or at the slot the client asked for.
        if candidate.isAbsent(at: now) || (request.wishedAt.map(candidate.isAbsent(at:)) ?? false) {
            return .ineligible(.absent)
        }
        guard candidate.offerState == nil else { return .ineligible(.alreadyOffered) }
        if candidate.workingHours.contains(now) { return .eligible }
        return urgentOutsideHours && request.urgency == .urgent ? .eligibleOutsideHours : .ineligible(.outsideWorkingHours)
    }
}
