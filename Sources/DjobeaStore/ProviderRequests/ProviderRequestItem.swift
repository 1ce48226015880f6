import DjobeaDomain

/// A code with its French name, such as a service or a zone.
public struct CodeName: Codable, Sendable, Hashable {
    public var code: String
    public var name: String

    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }
}

/// A code with its French label, such as an urgency.
public struct CodeLabel: Codable, Sendable, Hashable {
    public var code: String
    public var label: String

    public init(code: String, label: String) {
        self.code = code
        self.label = label
    }
}

/// One line of the provider's requests list, as this provider sees the request.
public struct ProviderRequestItem: Codable, Sendable, Hashable {
    public var id: String
    public var title: String
    public var service: CodeName
    public var zone: CodeName
    public var urgency: CodeLabel
    /// The status group of the provider's view (`StatusGroup` raw value): "nouvelle", "en_cours", "declinee"…
    public var status: String
    /// The precise status of the provider's view (`RequestStatus` raw value): "arrive", "diagnostic"…
    public var stage: String
    /// French, e.g. "Diagnostic", or "Attribuée à un autre prestataire" for an offer someone else won.
    public var statusLabel: String
    /// UTC ISO 8601.
    public var createdAt: String
    /// "il y a 15 min", "il y a 2 h", "il y a 3 j".
    public var askedAgo: String
    /// Integer francs CFA.
    public var budgetMin: Int?
    public var budgetMax: Int?
    /// "15 000 – 25 000 FCFA".
    public var budgetLabel: String
    public var clientFirstName: String
    /// The offer of this request to this provider, nil when ops assigned it without an offer.
    public var offerId: String?
    /// Whether this provider has not opened the offer yet.
    public var offerUnseen: Bool
    /// When the pending offer expires (UTC ISO 8601); nil unless the offer waits for an answer.
    public var offerExpiresAt: String?
}

/// One page of the provider's requests list.
public struct ProviderRequestPage: Codable, Sendable, Hashable {
    public var items: [ProviderRequestItem]
    public var page: Int
    public var pageSize: Int
    /// Requests matching the filters, all pages together.
    public var total: Int
    public var totalPages: Int
}

/// What the provider may do next on a request, as the detail card offers it.
public enum ProviderRequestAction: String, Codable, Sendable, CaseIterable {
    case accept, decline
    case arrived, diagnosed, repairing, completed
    case message
    case askDetails = "ask_details"
    case postpone
    case call
}

/// The work stages a provider reports from the site.
public enum MissionStage: String, Codable, Sendable, CaseIterable {
    case arrived, diagnosed, repairing, completed

    /// Also accepts the status codes the app shows ("arrive", "diagnostic", "reparation", "terminee").
    public init?(code: String) {
        if let stage = MissionStage(rawValue: code) {
            self = stage
            return
        }
        guard let found = MissionStage.allCases.first(where: { $0.eventKind.stage?.rawValue == code }) else { return nil }
        self = found
    }

    public var eventKind: MissionEventKind {
        switch self {
        case .arrived: .arrived
        case .diagnosed: .diagnosed
        case .repairing: .repairing
        case .completed: .completed
        }
    }

    var action: ProviderRequestAction {
        switch self {
        case .arrived: .arrived
        case .diagnosed: .diagnosed
        case .repairing: .repairing
        case .completed: .completed
        }
    }
}
