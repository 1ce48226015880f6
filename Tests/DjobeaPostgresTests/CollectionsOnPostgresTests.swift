import DjobeaDomain
import DjobeaGateway
import DjobeaGatewayFakes
import DjobeaPostgres
import DjobeaReplication
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import Logging
import Testing

/// The collection loop on central's PostgreSQL, through the storage seam, against the local fake of MTN MoMo.
@Suite("Mobile money collections on PostgreSQL", .enabled(if: PostgresTestDatabase.isAvailable), .timeLimit(.minutes(2)))
struct CollectionsOnPostgresTests {
    @Test("a pending collection reaching central is requested once, paid once, with one ledger payment; a second process finds it done")
    func collectedOnce() async throws {
        try await PostgresTestDatabase.with { test in
            let world = try await GatewayOnPostgresTests.world(test)
            let storage = world.storage
            let now = Date()
            let invoiceId = DjobeaID.v7(now: now)
            let reference = CollectionReference.derive(invoiceId: invoiceId, attempt: 1)
            let stamp = UTCTimestamp.format(now)
            // What a hub's sync brings: the invoice and the collection its provider started.
            try await storage.localWrite(critical: true, now: now) { tx in
                try tx.insert(
                    InvoiceRecord(
                        id: invoiceId, requestId: world.requestId, providerId: world.providerId, clientId: world.clientId, number: "F-2026-0001",
                        total: 12_500, issuedAt: stamp, dueAt: UTCTimestamp.format(now.addingTimeInterval(7 * 86_400)), sentAt: stamp))
                try tx.insert(
                    CollectionRecord(
                        id: DjobeaID.v7(now: now), requestId: world.requestId, providerId: world.providerId, invoiceId: invoiceId, method: .mtnMomo,
                        payerPhone: GatewayOnPostgresTests.clientPhone, amount: 12_500, attempt: 1, reference: reference, requestedByRole: .provider,
                        createdAt: stamp, updatedAt: stamp))
            }
            let fake = try await FakeMTNMoMo.start()
            defer { Task { await fake.stop() } }
            var settings = CollectionGateway.Settings()
            settings.firstCheckAfter = 0
            settings.maximumCheckInterval = 0.01
            let collector = try MTNMoMoCollector.fromEnvironment(fake.environment)
            let first = CollectionGateway(storage: storage, collectors: [collector], settings: settings, logger: Logger(label: "test"))
            #expect(await first.collectDue().requested == 1)
            #expect(await first.collectDue().paid == 1)
            let second = CollectionGateway(storage: storage, collectors: [collector], settings: settings, logger: Logger(label: "test"))
            #expect(await second.collectDue() == CollectionGateway.PassReport())
            let rows = try await storage.replicaRead { db in
                try db.query(
                    "SELECT operator_ref, amount, method FROM ledger_entries WHERE kind = 'payment' AND request_id = ?", [.text(world.requestId)])
            }
            #expect(rows.count == 1 && rows.first?["operator_ref"].textValue == "100000001" && rows.first?["amount"].integerValue == 12_500)
            let status = try await storage.replicaRead { db in try db.scalar("SELECT status FROM collections")?.textValue }
            #expect(status == "successful")
            #expect(fake.prompts == [reference])
        }
    }
}
