import DjobeaDomain
import Foundation

/// The working hours as the settings API shows and takes them, in Douala time:
/// `{"start":"08:00","end":"18:00","days":[1,2,3,4,5]}` (1 = Monday).
///
/// Offer routing and `ProviderAccount.isAvailable` read the stored JSON with the domain's `WorkingHours`, which
/// also understands night shifts; the settings command accepts only a same-day window (`start < end`).
public struct WorkingHoursSetting: Codable, Sendable, Hashable {
    /// "HH:MM", inclusive.
    public var start: String
    /// "HH:MM", exclusive, after `start`.
    public var end: String
    /// 1 = Monday ... 7 = Sunday, unique, sorted.
    public var days: [Int]

    public init(start: String, end: String, days: [Int]) {
        self.start = start
        self.end = end
        self.days = days
    }

    /// The seed's example, used while a provider has no settings row (`WorkingHours.seedDefault`).
    public static let standard = WorkingHoursSetting(start: "08:00", end: "18:00", days: [1, 2, 3, 4, 5])

    /// The stored JSON, in the seed's key order.
    var json: String {
        "{\"start\":\"\(start)\",\"end\":\"\(end)\",\"days\":[\(days.map(String.init).joined(separator: ","))]}"
    }

    /// Reads the stored JSON as it is (a value written elsewhere, such as a night shift, is shown unchanged);
    /// nil when it is not an object of this shape.
    static func parse(_ json: String) -> WorkingHoursSetting? {
        try? JSONDecoder().decode(WorkingHoursSetting.self, from: Data(json.utf8))
    }

    /// The value with days sorted, or `invalidField` naming the fault.
    func validated() throws -> WorkingHoursSetting {
        func invalid(_ reason: String) -> ProviderAccountError { .invalidField(field: "working_hours", reasonFR: reason) }
        guard let from = AccountValidation.clockMinutes(start), let to = AccountValidation.clockMinutes(end) else {
            throw invalid("heures au format HH:MM attendues (00:00 à 23:59)")
        }
        guard from < to else { throw invalid("l'heure de fin doit suivre l'heure de début") }
        guard !days.isEmpty else { throw invalid("au moins un jour travaillé") }
        guard days.allSatisfy((1...7).contains) else { throw invalid("jours de 1 (lundi) à 7 (dimanche)") }
        guard Set(days).count == days.count else { throw invalid("chaque jour une seule fois") }
        return WorkingHoursSetting(start: start, end: end, days: days.sorted())
    }
}

/// How often the provider gets an activity summary.
public enum SummaryFrequency: String, CaseIterable, Codable, Sendable {
    case daily, weekly, monthly, never

    public var labelFR: String {
        switch self {
        case .daily: "Quotidien"
        case .weekly: "Hebdomadaire"
        case .monthly: "Mensuel"
        case .never: "Jamais"
        }
    }
}

/// A provider's settings (`GET /provider/settings`, the seed's `provider_settings`).
public struct ProviderSettings: Codable, Sendable, Hashable {
    public var notificationsEnabled: Bool
    public var notificationSound: Bool
    public var autoAcceptFamiliarClients: Bool
    public var summaryFrequency: String
    public var summaryFrequencyLabel: String
    /// Service codes and urgencies the provider wants to receive; empty means everything they can do.
    public var requestTypes: [String]
    public var workingHours: WorkingHoursSetting
    /// UTC ISO; nil while the provider has never saved settings (the values are then the defaults).
    public var updatedAt: String?

    /// What a provider without a settings row gets: the schema's defaults and the seed's working hours.
    static let defaults = ProviderSettings(
        notificationsEnabled: true, notificationSound: true, autoAcceptFamiliarClients: false,
        summaryFrequency: SummaryFrequency.weekly.rawValue, summaryFrequencyLabel: SummaryFrequency.weekly.labelFR, requestTypes: [],
        workingHours: .standard, updatedAt: nil)
}

/// A provider's changes to their settings: only the fields to change; `unknownFields` (keys the request named that
/// are none of these) are refused.
public struct SettingsChanges: Sendable, Hashable {
    public var notificationsEnabled: Bool?
    public var notificationSound: Bool?
    public var autoAcceptFamiliarClients: Bool?
    /// daily, weekly, monthly or never.
    public var summaryFrequency: String?
    /// Replaces the whole list: service codes the provider offers and urgency codes, at most 20.
    public var requestTypes: [String]?
    public var workingHours: WorkingHoursSetting?
    /// Keys of the decoded body that are none of the above.
    public var unknownFields: [String] = []

    public init(
        notificationsEnabled: Bool? = nil, notificationSound: Bool? = nil, autoAcceptFamiliarClients: Bool? = nil,
        summaryFrequency: String? = nil, requestTypes: [String]? = nil, workingHours: WorkingHoursSetting? = nil
    ) {
        self.notificationsEnabled = notificationsEnabled
        self.notificationSound = notificationSound
        self.autoAcceptFamiliarClients = autoAcceptFamiliarClients
        self.summaryFrequency = summaryFrequency
        self.requestTypes = requestTypes
        self.workingHours = workingHours
    }
}
