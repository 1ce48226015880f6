import DjobeaDomain
import GRDB

/// A row of `slot_proposals`: a new slot a provider proposed to the client ("Reporter").
///
/// The table is hub-local (not in `SyncedTable`, see `SchemaV2ProviderRequests`), so this record is no
/// `SyncedRecord`: it is read like one and written with plain SQL (`insert(in:)`), no change log. It follows the same
/// conventions, so that the table can join `SyncedTable` later without a rewrite.
public struct SlotProposalRecord: FetchableRecord, EncodableRecord, Codable, Hashable, Sendable {
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

    /// Inserts the record as a new row, every column written.
    func insert(in db: Database) throws {
        let names = Columns.allCases.map(\.rawValue)
        let values = try databaseDictionary
        try db.execute(
            sql: """
                INSERT INTO slot_proposals (\(names.joined(separator: ", ")))
                VALUES (\(Array(repeating: "?", count: names.count).joined(separator: ", ")))
                """,
            arguments: StatementArguments(names.map { values[$0] ?? .null }))
    }
}
