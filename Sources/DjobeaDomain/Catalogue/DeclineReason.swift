import Foundation

/// Why a provider declines an offered request (optional in the app, "agenda plein" first).
public enum DeclineReason: String, CaseIterable, Codable, Sendable {
    case agendaPlein = "agenda_plein"
    case horsZone = "hors_zone"
    case horsCompetence = "hors_competence"
    case budgetInsuffisant = "budget_insuffisant"
    case indisponible
    case distanceTropGrande = "distance_trop_grande"
    case autre

    public var labelFR: String {
        switch self {
        case .agendaPlein: "Agenda plein"
        case .horsZone: "Hors de ma zone"
        case .horsCompetence: "Hors de mes compétences"
        case .budgetInsuffisant: "Budget insuffisant"
        case .indisponible: "Indisponible"
        case .distanceTropGrande: "Distance trop grande"
        case .autre: "Autre raison"
        }
    }
}
