import DjobeaDomain
import GRDB

/// A row of `absences`: one period a provider is unavailable.
public struct AbsenceRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.absences

    public var id: String
    public var providerId: String
    /// UTC text, inclusive.
    public var startsAt: String
    /// UTC text, exclusive.
    public var endsAt: String
    public var reason: String?
    public var notifyClients: Bool
    public var createdAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case providerId = "provider_id"
        case startsAt = "starts_at"
        case endsAt = "ends_at"
        case reason
        case notifyClients = "notify_clients"
        case createdAt = "created_at"
    }
    typealias CodingKeys = Columns

    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, providerId: String, startsAt: String, endsAt: String, reason: String? = nil, notifyClients: Bool, createdAt: String
    ) {
        self.id = id
        self.providerId = providerId
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.reason = reason
        self.notifyClients = notifyClients
        self.createdAt = createdAt
    }
}
