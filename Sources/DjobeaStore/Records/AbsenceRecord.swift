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

}
