import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

/// Offer routing writes through records: the change log holds what is stored, column for column.
@Suite("Offer step change log")
struct OfferStepChangeLogTests {
    @Test("a new offer and its notification are logged with every column as stored; an expiry logs only the state")
    func loggedAsStored() async throws {
        let hub = try OfferRoutingFixture()
        let provider = try hub.provider(1)
        let requestId = try hub.request(.urgent)
        try await hub.dispatcher().route(requestId: requestId, now: OfferRoutingFixture.now)

        let offer = try #require(
            try hub.database.readBlocking { db in
                try RequestOfferRecord.fetchOne(db, sql: "SELECT * FROM request_offers WHERE request_id = ?", arguments: [requestId])
            })
        #expect(offer.providerId == provider && offer.state == .pending && offer.rank == 1)
        #expect(offer.offeredAt == UTCTimestamp.format(OfferRoutingFixture.now) && offer.answeredAt == nil && offer.seenAt == nil)
        #expect(try logged(hub, .requestOffers, offer.id) == [["insert": offer.insertedColumnValues()]])

        let notification = try #require(
            try hub.database.readBlocking { db in
                try NotificationRecord.fetchOne(db, sql: "SELECT * FROM notifications WHERE request_id = ?", arguments: [requestId])
            })
        #expect(notification.kind == .urgentRequest && notification.providerId == provider && notification.seenAt == nil)
        #expect(notification.createdAt == UTCTimestamp.format(OfferRoutingFixture.now))
        #expect(try logged(hub, .notifications, notification.id) == [["insert": notification.insertedColumnValues()]])

        let late = try #require(UTCTimestamp.parse(offer.expiresAt)).addingTimeInterval(1)
        try await hub.dispatcher().route(requestId: requestId, now: late)
        let changes = try logged(hub, .requestOffers, offer.id)
        #expect(changes.count == 2)
        #expect(changes.last == ["update": ["state": .text(OfferState.expired.rawValue)]])
    }

    /// The change log of one row, oldest first, as operation → columns.
    private func logged(_ hub: OfferRoutingFixture, _ table: SyncedTable, _ key: String) throws -> [[String: ColumnValues]] {
        try hub.database.readBlocking { db in
            try Row.fetchAll(
                db, sql: "SELECT op, columns FROM change_log WHERE table_name = ? AND row_key = ? ORDER BY origin_seq",
                arguments: [table.rawValue, key]
            ).map { row in [row["op"] as String: try ColumnValuesJSON.decode(row["columns"])] }
        }
    }
}
