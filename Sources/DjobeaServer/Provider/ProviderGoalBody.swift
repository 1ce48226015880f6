import DjobeaStore

/// `PUT /provider/finance/goal`: the month's targets. `month` defaults to the current Douala month; `target_missions`
/// left out keeps the stored value (0 for a new goal); keys the endpoint does not know are refused (by the store).
public struct GoalBody: Codable, Sendable {
    /// "YYYY-MM": the current month or one of the next 12.
    public var month: String?
    /// Francs, 0 to 100 000 000.
    public var targetRevenue: Int?
    /// 0 to 10 000.
    public var targetMissions: Int?
    /// Keys of the body that are none of the above, sorted.
    public var unknownFields: [String] = []

    enum CodingKeys: String, CodingKey {
        case month, targetRevenue, targetMissions
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        month = try container.decodeIfPresent(String.self, forKey: .month)
        targetRevenue = try container.decodeIfPresent(Int.self, forKey: .targetRevenue)
        targetMissions = try container.decodeIfPresent(Int.self, forKey: .targetMissions)
        unknownFields = try AnyCodingKey.unknown(in: decoder, known: CodingKeys.self)
    }

    public var change: GoalChange {
        var change = GoalChange(month: month, targetRevenue: targetRevenue, targetMissions: targetMissions)
        change.unknownFields = unknownFields
        return change
    }
}
