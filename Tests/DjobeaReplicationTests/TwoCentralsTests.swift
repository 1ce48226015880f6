import DjobeaDomain
import DjobeaPostgres
import DjobeaReplication
import DjobeaStore
import DjobeaSync
import DjobeaTestSupport
import Foundation
import Logging
import Testing

/// Two central "processes" on one PostgreSQL database (each its own connection pool, clock and `CentralSyncService`)
/// and two SQLite hubs running the real `SyncEngine` through the in-memory transport, each hub syncing with either
/// central in turn and both at once: intake at either central reaches only the right hub, an accept made at a hub while
/// it cannot reach central reaches central, one MoMo reference recorded at a hub and at central is one payment and one
/// conflict everywhere, and every node ends with the same rows.
@Suite("Two centrals on one PostgreSQL database")
struct TwoCentralsTests {
    static let quiet = Logger(label: "two-centrals", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test(.enabled(if: PostgresTestDatabase.isAvailable))
    func hubsSyncingWithEitherCentralConverge() async throws {
        try await PostgresTestDatabase.with { test in
            let second = try await PostgresDatabase.connect(url: test.url, connections: 4, logger: Self.quiet)
            do {
                try await Self.scenario(test.database, second)
            } catch {
                await second.close()
                throw error
            }
            await second.close()
        }
    }

    static func scenario(_ first: PostgresDatabase, _ second: PostgresDatabase) async throws {
        let centralA = try await PostgresReplicaStorage.open(database: first, role: .central)
        let centralB = try await PostgresReplicaStorage.open(database: second, role: .central)
        #expect(centralA.nodeId == centralB.nodeId, "one node, two processes")
        let services = [CentralSyncService(storage: centralA, logger: quiet), CentralSyncService(storage: centralB, logger: quiet)]
        try await IntakeStore(centralA).seedReferenceData()
        let service = try #require(ServiceCatalogue.builtIn.first).code.rawValue

        // Hub Akwa enrols through central A, hub Bali through central B.
        var built: [(db: NodeDatabase, transport: InMemorySyncTransport, zone: String)] = []
        for (index, (name, zone)) in [("Hub Akwa", "zone-akwa"), ("Hub Bali", "zone-bali")].enumerated() {
            let storage: any ReplicaStorage = index == 0 ? centralA : centralB
            let enrolment = try await storage.enrolHub(name: name, zoneCodes: [zone])
            let hub = try NodeDatabase.inMemory(role: .hub)
            let answer = try await services[index].enroll(
                EnrollRequest(token: enrolment.token, nodeId: hub.nodeId, schemaVersion: try hub.schemaVersion()))
            let link = CentralLink(centralURL: "memory://central", enrolment: answer)
            built.append((hub, InMemorySyncTransport(link: link, hub: hub, central: services[index]), zone))
        }
        let hubs = built
        let engine: @Sendable (Int) -> SyncEngine = { index in
            SyncEngine(database: hubs[index].db, transport: hubs[index].transport, logger: quiet)
        }
        let round: @Sendable (Int, Int) async throws -> Void = { index, central in
            hubs[index].transport.central = services[central]
            _ = try await engine(index).syncOnce()
        }

        // A provider and a request per zone, each entered at the other central than the hub's enrolment.
        var requests: [String] = []
        var providers: [String] = []
        for (index, hub) in hubs.enumerated() {
            let intake = IntakeStore(index == 0 ? centralB : centralA)
            providers.append(
                try await intake.registerProvider(
                    ProviderRegistration(
                        name: "Prestataire \(index)", phone: "+23769500000\(index)", services: [service], zones: [hub.zone])))
            requests.append(
                try await intake.intakeRequest(
                    RequestIntake(
                        zone: hub.zone, service: service, urgency: "urgent", title: nil, description: "Fuite sous l'évier",
                        address: "Rue \(index)", clientName: "Client \(index)", clientPhone: "+23767700000\(index)", budgetMin: nil,
                        budgetMax: nil, wishedAt: nil, wishedTimeLabel: nil)))
        }
        // Both hubs sync at the same time, each with the central it did not enrol through.
        async let first: Void = round(0, 1)
        async let second: Void = round(1, 0)
        _ = try await (first, second)
        for (index, hub) in hubs.enumerated() {
            #expect(try SyncedNodes.count(hub.db, "SELECT count(*) FROM service_requests WHERE id = ?", [requests[index]]) == 1)
            #expect(
                try SyncedNodes.count(hub.db, "SELECT count(*) FROM service_requests WHERE id = ?", [requests[1 - index]]) == 0,
                "another zone's request never reaches this hub")
        }

        // Hub Akwa's provider accepts while the link is down, then the hub syncs with central B.
        hubs[0].transport.linkUp = false
        let (provider, request) = (providers[0], requests[0])
        _ = try await hubs[0].db.write { tx in
            try tx.appendMissionEvent(requestId: request, kind: .accepted, actorRole: .provider, actorId: provider, providerId: provider)
        }
        await #expect(throws: (any Error).self) { _ = try await engine(0).syncOnce() }
        hubs[0].transport.linkUp = true
        try await round(0, 1)
        let status = try await IntakeStore(centralA).requestStatus(id: requests[0])
        #expect(status?.status == RequestStatus.acceptee.rawValue, "central A sees the accept pushed to central B")

        // One MoMo reference, recorded at the hub and at central A: one payment, one conflict.
        _ = try await IntakeStore(hubs[0].db).recordPayment(
            PaymentIntake(requestId: requests[0], method: "mtn_momo", reference: "MP261207.1200.A00001", amount: 15_000), recordedBy: .provider,
            providerId: providers[0])
        let payment = PaymentIntake(requestId: request, method: "mtn_momo", reference: "MP261207.1200.A00001", amount: 15_000)
        let centralEntry = try await IntakeStore(centralA).recordPayment(payment, recordedBy: .ops, idempotencyKey: "ops-paiement-1")
        let replayed = try await IntakeStore(centralB).recordPayment(payment, recordedBy: .ops, idempotencyKey: "ops-paiement-1")
        #expect(replayed == centralEntry, "the same key at the other central process answers the first entry")
        #expect(!centralEntry.isEmpty)
        // Rounds with either central, alternately and at once, until nothing moves.
        for step in 0..<3 {
            async let first: Void = round(0, step % 2)
            async let second: Void = round(1, (step + 1) % 2)
            _ = try await (first, second)
        }

        // Everyone agrees: the payment counts once, one duplicate conflict, the same rows.
        let centralLedger = try await centralB.replicaRead { connection in
            (
                PaymentLedger.fold(try ReplicaFolds.ledgerEntries(providerId: provider, in: connection)).paid.francs,
                try connection.query("SELECT kind FROM sync_conflicts WHERE table_name = 'ledger_entries'", []).compactMap { $0[0].textValue }
            )
        }
        #expect(centralLedger.0 == 15_000, "the MoMo payment counts once at central")
        #expect(centralLedger.1 == ["duplicate_transaction"], "one conflict at central")
        let hubLedger = try await hubs[0].db.replicaRead { connection in
            (
                PaymentLedger.fold(try ReplicaFolds.ledgerEntries(providerId: provider, in: connection)).paid.francs,
                try connection.query("SELECT kind FROM sync_conflicts WHERE table_name = 'ledger_entries'", []).compactMap { $0[0].textValue }
            )
        }
        #expect(hubLedger.0 == 15_000 && hubLedger.1 == ["duplicate_transaction"], "the same at the hub")
        // Ops' sync status, read at either process: both hubs linked, the one conflict, involving hub Akwa.
        let sync = try await centralB.syncStatus()
        #expect(sync.openConflicts == 1)
        #expect(sync.hubs.map(\.name) == ["Hub Akwa", "Hub Bali"] && sync.hubs.allSatisfy { $0.link != nil && !$0.revoked })
        #expect(sync.hubs.map(\.openConflicts) == [1, 0], "the duplicate involves hub Akwa's payment")
        #expect(sync.hubs.allSatisfy { $0.pendingToHubInPartition == 0 }, "nothing left to send")
        let centralVector = try await centralA.versionVector()
        for hub in hubs {
            #expect(centralVector[hub.db.nodeId] == (try await hub.db.versionVector())[hub.db.nodeId], "central holds every hub change")
            let (hubRows, centralRows) = (try await Self.partitionDigest(hub.db), try await Self.partitionDigest(centralA, zone: hub.zone))
            #expect(hubRows == centralRows, "\(hub.zone): the hub's requests, events and entries are central's")
        }
    }

    /// Ids of the requests, mission events and ledger entries of a zone (all of a hub's own).
    static func partitionDigest(_ storage: any ReplicaStorage, zone: String? = nil) async throws -> [String] {
        try await storage.replicaRead { connection in
            let filter = zone.map { "WHERE r.zone_id = (SELECT id FROM zones WHERE code = '\($0)')" } ?? ""
            return try connection.query(
                """
                SELECT 'request ' || r.id FROM service_requests r \(filter)
                UNION ALL SELECT 'event ' || e.id FROM mission_events e JOIN service_requests r ON r.id = e.request_id \(filter)
                UNION ALL SELECT 'entry ' || l.id || ' ' || l.amount FROM ledger_entries l JOIN service_requests r ON r.id = l.request_id \(filter)
                """, []
            ).compactMap { $0[0].textValue }.sorted()
        }
    }
}
