import DjobeaDomain
import GRDB

/// A row of `slot_proposals`: a new slot a provider proposed to the client ("Reporter").
///
/// The table is hub-local (not in `SyncedTable`, see `SchemaV2ProviderRequests`), so this record is no
/// `SyncedRecord`: it is GRDB's own `PersistableRecord`, written with `record.insert(db)`, no change log (SQLite's
/// `CaptureGuard` watches only the synced tables). Should the table ever sync, it drops that conformance and becomes
/// a `SyncedRecord`; its other conventions are already theirs.
public struct SlotProposalRecord: FetchableRecord, PersistableRecord, Codable, Hashable, Sendable {
    public static let databaseTableName = "slot_proposals"

    public var id: String
    public var requestId: String
    public var providerId: String
    public var proposedStart: String
    public var proposedEnd: String
    public var note: String?
    /// The WhatsApp message that carried the proposal to the client.
    public var messageId: String?
    public var state: SlotProposalState
    public var createdAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case requestId = "request_id"
        case providerId = "provider_id"
        case proposedStart = "proposed_start"
        case proposedEnd = "proposed_end"
        case note
        case messageId = "message_id"
        case state
        case createdAt = "created_at"
    }
    typealias CodingKeys = Columns
}
