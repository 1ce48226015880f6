import Foundation

/// The status of a service request and of the mission it becomes once accepted.
public enum RequestStatus: String, CaseIterable, Codable, Sendable {
    case nouvelle
    case acceptee
    case arrive
    case diagnostic
    case reparation
    case terminee
    case declinee
    case annulee
    case expiree

    public var labelFR: String {
        switch self {
        case .nouvelle: "Nouvelle"
        case .acceptee: "Acceptée"
        case .arrive: "Arrivé"
        case .diagnostic: "Diagnostic"
        case .reparation: "Réparation"
        case .terminee: "Terminée"
        case .declinee: "Déclinée"
        case .annulee: "Annulée"
        case .expiree: "Expirée"
        }
    }

    /// The provider is on site or done: Arrivé, Diagnostic, Réparation, Terminée.
    public var isWorkStage: Bool {
        switch self {
        case .arrive, .diagnostic, .reparation, .terminee: true
        default: false
        }
    }

    /// No event moves the request on from here, except an explicit reopen.
    public var isTerminal: Bool {
        switch self {
        case .terminee, .annulee, .expiree: true
        default: false
        }
    }

    /// Position on the forward path nouvelle (0) < acceptee < arrive < diagnostic < reparation < terminee (5).
    ///
    /// Nil for the side exits (declinee, annulee, expiree), which are not on the path.
    public var progressRank: Int? {
        switch self {
        case .nouvelle: 0
        case .acceptee: 1
        case .arrive: 2
        case .diagnostic: 3
        case .reparation: 4
        case .terminee: 5
        case .declinee, .annulee, .expiree: nil
        }
    }

    /// The group the request is listed under in the app's filters.
    public var group: StatusGroup {
        switch self {
        case .nouvelle: .nouvelle
        case .acceptee: .acceptee
        case .arrive, .diagnostic, .reparation: .enCours
        case .terminee: .terminee
        case .declinee: .declinee
        case .annulee: .annulee
        case .expiree: .expiree
        }
    }
}

/// The status filters of the requests list ("En cours" gathers the three stages on site).
public enum StatusGroup: String, CaseIterable, Codable, Sendable {
    case nouvelle
    case acceptee
    case enCours = "en_cours"
    case terminee
    case declinee
    case annulee
    case expiree

    public var labelFR: String {
        switch self {
        case .nouvelle: "Nouvelles"
        case .acceptee: "Acceptées"
        case .enCours: "En cours"
        case .terminee: "Terminées"
        case .declinee: "Déclinées"
        case .annulee: "Annulées"
        case .expiree: "Expirées"
        }
    }

    /// The statuses listed under this group.
    public var statuses: [RequestStatus] {
        RequestStatus.allCases.filter { $0.group == self }
    }
}
