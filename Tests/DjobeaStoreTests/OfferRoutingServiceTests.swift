import DjobeaDemo
import DjobeaDomain
import Foundation
import GRDB
import Logging
import Testing

@testable import DjobeaStore

@Suite("Offer routing service")
struct OfferRoutingServiceTests {
    @Test("the loop sweeps every interval and stops when its task is cancelled")
    func loopUntilCancelled() async throws {
        let hub = try OfferRoutingFixture()
        let provider = try hub.provider(1)
        let requestId = try hub.request()
        let service = OfferRoutingService(dispatcher: hub.dispatcher(), interval: .milliseconds(5), logger: hub.logger)
        let task = Task { await service.run() }
        var waited = 0
        while await service.sweeps < 3, waited < 1_000 {
            try await Task.sleep(for: .milliseconds(5))
            waited += 1
        }
        task.cancel()
        await task.value
        let sweeps = await service.sweeps
        #expect(sweeps >= 3)
        try await Task.sleep(for: .milliseconds(30))
        #expect(await service.sweeps == sweeps)
        #expect(try hub.offers(requestId).map(\.provider) == [provider])
        #expect(await service.lastReport?.changed == false)
    }

    @Test("a request that cannot be read is logged and skipped; the others are routed")
    func failureDoesNotStopTheSweep() async throws {
        let hub = try OfferRoutingFixture()
        try hub.provider(1)
        let good = try hub.request()
        let (clientId, serviceId, zoneId) = (hub.clientId, hub.serviceId, hub.zoneId)
        try hub.database.writeBlocking(now: OfferRoutingFixture.now) { tx in
            _ = try tx.insert(
                .serviceRequests,
                [
                    "id": .text(DjobeaID.v7()), "client_id": .text(clientId), "service_id": .text(serviceId), "zone_id": .text(zoneId),
                    "urgency": "urgent", "title": "Date illisible", "description": "", "address": "", "created_at": "hier",
                    "updated_at": "hier",
                ])
        }
        let service = OfferRoutingService(dispatcher: hub.dispatcher(), logger: hub.logger)
        let report = try #require(await service.sweepOnce())
        #expect(report.failures == 1 && report.offersMade == 1)
        #expect(try hub.offers(good).count == 1)
    }

    @Test("on the demo hub, a sweep offers only to fitting providers, never reopens a closed request, and is idempotent")
    func demoHub() async throws {
        // A Saturday afternoon in Douala (15:30 local), as in the demo generator's tests.
        let now = Date(timeIntervalSince1970: 1_773_498_600)
        let database = try NodeDatabase.inMemory(role: .hub, newNodeId: "01968a3c-0000-7000-8000-0000000000aa")
        _ = try DemoGenerator(seed: 2026, days: 7, scale: 1, now: now).generate(into: database, photos: nil, progress: { _ in })
        let closed = try database.readBlocking { db in
            try String.fetchAll(db, sql: "SELECT request_id FROM missions WHERE status NOT IN ('nouvelle', 'declinee')")
        }
        var logger = Logger(label: "test.offers.demo")
        logger.logLevel = .critical
        let dispatcher = OfferDispatcher(database: database, clock: { now }, logger: logger)
        let first = try await dispatcher.sweep(now: now)
        #expect(first.failures == 0 && first.requests > 0)

        let nowText = UTCTimestamp.format(now)
        let (misfits, reopened) = try database.readBlocking { db in
            let misfits = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM request_offers o JOIN service_requests r ON r.id = o.request_id JOIN providers p ON p.id = o.provider_id
                    WHERE o.offered_at = ? AND (p.account_status <> 'active' OR (p.away_mode = 1 AND (p.away_until IS NULL OR p.away_until > ?))
                        OR NOT EXISTS (SELECT 1 FROM provider_services s WHERE s.provider_id = p.id AND s.service_id = r.service_id)
                        OR NOT EXISTS (SELECT 1 FROM provider_zones z WHERE z.provider_id = p.id AND z.zone_id = r.zone_id))
                    """, arguments: [nowText, nowText])
            let reopened = try String.fetchAll(db, sql: "SELECT DISTINCT request_id FROM request_offers WHERE offered_at = ?", arguments: [nowText])
            return (misfits, reopened)
        }
        #expect(misfits == 0)
        #expect(Set(reopened).isDisjoint(with: closed))

        let count = try database.readBlocking { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM change_log") }
        let second = try await dispatcher.sweep(now: now)
        #expect(!second.changed && second.failures == 0)
        #expect(try database.readBlocking { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM change_log") } == count)
    }
}
