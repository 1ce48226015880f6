import Foundation

/// A provider's level, earned by activity; higher levels get a lower commission.
public enum ProviderLevel: String, CaseIterable, Codable, Sendable, Comparable {
    case bronze
    case argent
    case or
    case platine

    public var labelFR: String {
        switch self {
        case .bronze: "Bronze"
        case .argent: "Argent"
        case .or: "Or"
        case .platine: "Platine"
        }
    }

    /// 0 for bronze up to 3 for platine.
    public var rank: Int {
        switch self {
        case .bronze: 0
        case .argent: 1
        case .or: 2
        case .platine: 3
        }
    }

    public static func < (lhs: ProviderLevel, rhs: ProviderLevel) -> Bool { lhs.rank < rhs.rank }
}
