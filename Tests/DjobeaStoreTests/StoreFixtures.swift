import DjobeaDomain
import Foundation
import GRDB

@testable import DjobeaStore

/// Small reference data that most store tests hang rows from.
struct StoreFixture {
    let zoneId = DjobeaID.v7()
    let serviceId = DjobeaID.v7()
    let providerId = DjobeaID.v7()
    let clientId = DjobeaID.v7()
    let requestId = DjobeaID.v7()

    @discardableResult
    func install(in database: NodeDatabase, now: Date = Date()) throws -> StoreFixture {
        try database.writeBlocking(now: now) { tx in
            try tx.insert(.zones, ["id": .text(zoneId), "code": "denver", "name": "Denver", "created_at": ColumnValue(now)])
            try tx.insert(.services, ["id": .text(serviceId), "code": "plomberie", "name_fr": "Plomberie"])
            try tx.insert(
                .providers,
                [
                    "id": .text(providerId), "phone": "+237699000001", "name": "Jean Kouam", "joined_at": ColumnValue(now),
                    "updated_at": ColumnValue(now),
                ])
            try tx.insert(.clients, ["id": .text(clientId), "phone": "+237677000001", "name": "Awa Ngo", "created_at": ColumnValue(now)])
            try tx.insert(
                .serviceRequests,
                [
                    "id": .text(requestId), "client_id": .text(clientId), "service_id": .text(serviceId), "zone_id": .text(zoneId),
                    "urgency": "urgent", "title": "Fuite sous l'évier", "description": "L'eau coule en permanence.",
                    "address": "Rue du Marché", "created_at": ColumnValue(now), "updated_at": ColumnValue(now),
                ])
            try tx.startLifecycle(requestId: requestId)
        }
        return self
    }
}

/// A change-log entry as stored.
struct LoggedChange: Equatable {
    var originNode: String
    var originSeq: Int64
    var hlc: Int64
    var table: String
    var key: String
    var op: String
    var columns: ColumnValues

    static func all(in database: NodeDatabase) throws -> [LoggedChange] {
        try database.readBlocking { db in
            try Row.fetchAll(db, sql: "SELECT * FROM change_log ORDER BY local_seq").map { row in
                LoggedChange(
                    originNode: row["origin_node"], originSeq: row["origin_seq"], hlc: row["hlc"], table: row["table_name"],
                    key: row["row_key"], op: row["op"], columns: try ColumnValuesJSON.decode(row["columns"]))
            }
        }
    }
}
