import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

/// The record of `slot_proposals`, a hub-local table: it names exactly the table's columns, its state is the schema's,
/// and it is written with plain SQL, outside the change log.
@Suite("Slot proposal record: a hub-local row read and written as a record")
struct SlotProposalRecordTests {
    @Test("the record names exactly the columns of slot_proposals, and its states are the schema's")
    func columnsMatchSchema() throws {
        let database = try NodeDatabase.inMemory()
        let (columns, schema) = try database.readBlocking { db in
            (
                try Row.fetchAll(db, sql: "PRAGMA table_info(slot_proposals)").map { $0["name"] as String },
                try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'slot_proposals'") ?? ""
            )
        }
        #expect(SlotProposalRecord.Columns.allCases.map(\.rawValue) == columns)
        #expect(schema.contains("state IN (\(SlotProposalState.allCases.sqlList))"))
        #expect(!(SlotProposalRecord.self is any SyncedRecord.Type), "slot_proposals is not a synced table")
    }

    @Test("a proposal inserted by its record reads back equal and leaves the change log alone")
    func insertReadsBack() throws {
        let database = try NodeDatabase.inMemory()
        let (zoneId, serviceId, providerId, clientId, requestId) = (DjobeaID.v7(), DjobeaID.v7(), DjobeaID.v7(), DjobeaID.v7(), DjobeaID.v7())
        let proposal = SlotProposalRecord(
            id: DjobeaID.v7(), requestId: requestId, providerId: providerId, proposedStart: "2026-12-08T08:00:00.000Z",
            proposedEnd: "2026-12-08T10:00:00.000Z", note: "Après 8 h", messageId: nil, state: .proposed, createdAt: "2026-12-07T09:00:00.000Z")
        let logged = try database.writeBlocking { tx in
            let stamp = UTCTimestamp.format(tx.now)
            try tx.insert(ZoneRecord(id: zoneId, code: "akwa", name: "Akwa", hubId: nil, createdAt: stamp))
            try tx.insert(ServiceRecord(id: serviceId, code: "plomberie", nameFr: "Plomberie", active: true, sortOrder: 10))
            try tx.insert(
                ProviderRecord(
                    id: providerId, phone: "+237699000001", name: "Jean Kouam", email: nil, bio: nil, photoSha256: nil, level: .bronze,
                    accountStatus: .active, awayMode: false, awayUntil: nil, awayMessage: nil, homeZoneId: zoneId, hubId: nil, joinedAt: stamp,
                    updatedAt: stamp))
            try tx.insert(
                ClientRecord(
                    id: clientId, phone: "+237677000001", name: "Awa Ngo", zoneId: zoneId, address: nil, createdAt: stamp, optedOutAt: nil,
                    noWhatsappAt: nil))
            try tx.insert(
                ServiceRequestRecord(
                    id: requestId, clientId: clientId, serviceId: serviceId, zoneId: zoneId, urgency: .cetteSemaine, title: "Fuite",
                    description: "L'eau coule.", address: "Rue du Marché", budgetMin: nil, budgetMax: nil, wishedTimeLabel: nil, wishedAt: nil,
                    channel: .platform, createdAt: stamp, updatedAt: stamp))
            let before = try Int.fetchOne(tx.db, sql: "SELECT count(*) FROM change_log") ?? 0
            try proposal.insert(tx.db)
            return (try Int.fetchOne(tx.db, sql: "SELECT count(*) FROM change_log") ?? 0) - before
        }
        #expect(logged == 0)
        let stored = try database.readBlocking { db in
            try SlotProposalRecord.fetchOne(db, sql: "SELECT * FROM slot_proposals WHERE id = ?", arguments: [proposal.id])
        }
        #expect(stored == proposal)
    }
}
