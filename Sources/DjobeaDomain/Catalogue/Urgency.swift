import Foundation

/// How soon the client needs the provider, as chosen when the request is made.
public enum Urgency: String, CaseIterable, Codable, Sendable {
    case urgent
    case aujourdhui = "aujourd_hui"
    case cetteSemaine = "cette_semaine"
    case planifie

    public var labelFR: String {
        switch self {
        case .urgent: "Urgent"
        case .aujourdhui: "Aujourd'hui"
        case .cetteSemaine: "Cette semaine"
        case .planifie: "Planifié"
        }
    }

    /// How long an offer of such a request waits for the provider's answer before it expires.
    public var responseWindow: TimeInterval {
        switch self {
        case .urgent: 10 * 60
        case .aujourdhui: 30 * 60
        case .cetteSemaine: 2 * 3_600
        case .planifie: 6 * 3_600
        }
    }

    /// Sort rank in lists: 0 is the most pressing.
    public var priority: Int {
        switch self {
        case .urgent: 0
        case .aujourdhui: 1
        case .cetteSemaine: 2
        case .planifie: 3
        }
    }
}
