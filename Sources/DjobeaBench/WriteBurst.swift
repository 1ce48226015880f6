import DjobeaDomain
import DjobeaStore
import Foundation

/// `djobea-bench write-burst`: a burst of change-logged money writes, printing `ack <id>` after each commit.
///
/// The crash-safety test SIGKILLs it at random moments and checks that every acknowledged write is there.
enum WriteBurst {
    static func run(data: String, count: Int) throws {
        let directory = try DataDirectory(path: data, create: true)
        let database = try NodeDatabase.open(path: directory.databasePath, role: .hub)
        let fixture = try BurstFixture.ensure(in: database)
        // Phones must stay unique across runs on one directory: number them after the clients already there.
        let firstNumber = try database.rowCounts()["clients"] ?? 0
        for index in 0..<count {
            let id = try database.writeBlocking(durability: .critical) { tx -> String in
                let clientId = DjobeaID.v7(now: tx.now)
                let requestId = DjobeaID.v7(now: tx.now)
                let phone = String(format: "+2376%08d", firstNumber + index)
                try tx.insert(
                    .clients,
                    ["id": .text(clientId), "phone": .text(phone), "name": "Client rafale", "created_at": ColumnValue(tx.now)])
                try tx.insert(
                    .serviceRequests,
                    [
                        "id": .text(requestId), "client_id": .text(clientId), "service_id": .text(fixture.serviceId),
                        "zone_id": .text(fixture.zoneId), "urgency": "urgent", "title": "Rafale", "description": "",
                        "address": "", "created_at": ColumnValue(tx.now), "updated_at": ColumnValue(tx.now),
                    ])
                let entry = try tx.appendLedgerEntry(
                    requestId: requestId, providerId: fixture.providerId, invoiceId: nil, kind: .payment, method: .cash,
                    operatorRef: nil, amount: XAF(1000 + index), recordedBy: .provider)
                return entry.id
            }
            printLine("ack \(id)")
        }
    }
}

/// The zone, service and provider that burst writes hang from.
struct BurstFixture {
    let zoneId = DjobeaID.derived(namespace: "burst", name: "zone")
    let serviceId = DjobeaID.derived(namespace: "burst", name: "service")
    let providerId = DjobeaID.derived(namespace: "burst", name: "provider")

    static func ensure(in database: NodeDatabase) throws -> BurstFixture {
        let fixture = BurstFixture()
        try database.writeBlocking { tx in
            guard try !tx.exists(.providers, key: fixture.providerId) else { return }
            try tx.insert(.zones, ["id": .text(fixture.zoneId), "code": "rafale", "name": "Rafale", "created_at": ColumnValue(tx.now)])
            try tx.insert(.services, ["id": .text(fixture.serviceId), "code": "rafale", "name_fr": "Rafale"])
            try tx.insert(
                .providers,
                [
                    "id": .text(fixture.providerId), "phone": "+237600000001", "name": "Prestataire rafale",
                    "joined_at": ColumnValue(tx.now), "updated_at": ColumnValue(tx.now),
                ])
        }
        return fixture
    }
}
