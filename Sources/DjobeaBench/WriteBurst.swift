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
                let now = UTCTimestamp.format(tx.now)
                try tx.insert(ClientRecord(id: clientId, phone: phone, name: "Client rafale", createdAt: now))
                try tx.insert(
                    ServiceRequestRecord(
                        id: requestId, clientId: clientId, serviceId: fixture.serviceId, zoneId: fixture.zoneId, urgency: .urgent,
                        title: "Rafale", description: "", address: "", channel: .platform, createdAt: now, updatedAt: now))
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
            let now = UTCTimestamp.format(tx.now)
            try tx.insert(ZoneRecord(id: fixture.zoneId, code: "rafale", name: "Rafale", createdAt: now))
            try tx.insert(ServiceRecord(id: fixture.serviceId, code: "rafale", nameFr: "Rafale", active: true, sortOrder: 0))
            try tx.insert(
                ProviderRecord(
                    id: fixture.providerId, phone: "+237600000001", name: "Prestataire rafale", level: .bronze, accountStatus: .active,
                    awayMode: false, joinedAt: now, updatedAt: now))
        }
        return fixture
    }
}
