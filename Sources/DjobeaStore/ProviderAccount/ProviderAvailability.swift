import DjobeaDomain
import Foundation

/// Whether a provider can receive an offer at a given time, and if not, why (first reason that applies, in
/// this order).
public enum Availability: String, CaseIterable, Codable, Sendable {
    case available
    /// Account suspended by ops.
    case suspended
    /// Away mode on (and not past its end).
    case away
    /// Inside one of their absences.
    case absent
    /// Outside their working days or hours, in Douala time.
    case outsideWorkingHours = "outside_working_hours"

    public var labelFR: String {
        switch self {
        case .available: "Disponible"
        case .suspended: "Compte suspendu"
        case .away: "Mode absent"
        case .absent: "En absence"
        case .outsideWorkingHours: "Hors horaires de travail"
        }
    }
}

/// One period the provider is unavailable (seed §6, "Calendrier des indisponibilités").
public struct ProviderAbsence: Codable, Sendable, Hashable {
    public var id: String
    /// UTC ISO, inclusive.
    public var startsAt: String
    /// UTC ISO, exclusive.
    public var endsAt: String
    public var reason: String?
    /// Whether clients with open missions are told.
    public var notifyClients: Bool
    public var createdAt: String
}

extension ProviderAbsence {
    /// The absence as the API shows it, from its stored row.
    init(_ record: AbsenceRecord) {
        self.init(
            id: record.id, startsAt: record.startsAt, endsAt: record.endsAt, reason: record.reason, notifyClients: record.notifyClients,
            createdAt: record.createdAt)
    }
}

/// The provider's availability right now (`POST /provider/availability` answers with it).
public struct ProviderAvailabilityStatus: Codable, Sendable, Hashable {
    public var awayMode: Bool
    /// UTC ISO; when away mode ends by itself.
    public var awayUntil: String?
    /// Shown to clients while away.
    public var awayMessage: String?
    /// An `Availability` raw value.
    public var status: String
    public var statusLabel: String
    public var currentAbsence: ProviderAbsence?
    public var workingHours: WorkingHoursSetting
}
