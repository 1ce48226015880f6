import DjobeaDomain
import DjobeaReplication
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

/// Central and two hubs exchanging changes as the sync engine does (pull, then push), each node with its own injected
/// clock: enough to show what one wrong clock does to the others.
final class ClockMesh {
    struct Hub {
        let db: NodeDatabase
        let hubId: String
        let name: String
    }

    static let start = Date(timeIntervalSince1970: 1_772_438_400)  // 2026-03-02T08:00:00Z
    let central: NodeDatabase
    let hubs: [Hub]
    let service: String

    init() async throws {
        central = try NodeDatabase.inMemory(role: .central)
        try await IntakeStore(central).seedReferenceData(now: Self.start)
        var hubs: [Hub] = []
        for (name, zone) in [("Hub Un", "zone-un"), ("Hub Deux", "zone-deux"), ("Hub Trois", "zone-trois")] {
            let enrolment = try await central.enrolHub(name: name, zoneCodes: [zone], now: Self.start)
            let hub = try NodeDatabase.inMemory(role: .hub)
            _ = try #require(try await central.redeemEnrolment(token: enrolment.token, nodeId: hub.nodeId, now: Self.start))
            hubs.append(Hub(db: hub, hubId: enrolment.hubId, name: name))
        }
        self.hubs = hubs
        service = try #require(try central.readBlocking { db in try String.fetchOne(db, sql: "SELECT code FROM services ORDER BY code") })
    }

    func provider(_ name: String, phone: String, zone: String, at now: Date) async throws -> String {
        try await IntakeStore(central).registerProvider(ProviderRegistration(name: name, phone: phone, services: [service], zones: [zone]), now: now)
    }

    func request(zone: String, client: Int, at now: Date) async throws -> String {
        let intake = RequestIntake(
            zone: zone, service: service, urgency: "urgent", title: nil, description: "Fuite d'eau", address: "Rue \(client)",
            clientName: "Client \(client)", clientPhone: String(format: "+2376770001%02d", client), budgetMin: nil, budgetMax: nil,
            wishedAt: nil, wishedTimeLabel: nil)
        return try await IntakeStore(central).intakeRequest(intake, now: now)
    }

    /// One round for `hub`: central releases what is due, the hub pulls everything, then pushes its own changes.
    /// `hubClock` is what the hub's wall clock reads, `centralClock` what central's reads (the real time).
    @discardableResult
    func sync(_ hub: Hub, hubClock: Date, centralClock: Date) async throws -> (pulled: ApplySummary, pushed: ApplySummary) {
        try await central.releaseHeldChanges(centralNodeId: central.nodeId, now: centralClock)
        var pulled = ApplySummary()
        while true {
            let link = try await hub.db.peerLink(nodeId: central.nodeId)
            let fingerprint = try await central.partitionFingerprint(hubId: hub.hubId)
            let cursor = link?.partitionFingerprint == fingerprint ? link?.pulledThrough ?? 0 : 0
            let slice = try await central.hubFeed(hubId: hub.hubId, excludingOrigin: hub.db.nodeId, after: cursor, maxBytes: 1 << 20)
            let acknowledged = try await central.versionVector()[hub.db.nodeId] ?? 0
            let moves = try await central.partitionLeaves(hubId: hub.hubId, after: link?.movesSeen ?? 0)
            let summary = try await hub.db.applyFromCentral(
                slice.changes, centralNodeId: central.nodeId, through: slice.through, acknowledged: acknowledged, wireBytes: 0,
                clockOffsetMs: centralClock.unixMillis - hubClock.unixMillis, partition: fingerprint, movesSeen: moves.head, left: moves.left,
                back: moves.back, now: hubClock)
            pulled.applied += summary.applied
            if !slice.more { break }
        }
        var pushed = ApplySummary()
        let acknowledged = try await hub.db.peerLink(nodeId: central.nodeId)?.acknowledged ?? 0
        let (changes, _) = try await hub.db.ownChanges(after: acknowledged, maxBytes: 1 << 22)
        if !changes.isEmpty {
            let (summary, ack) = try await central.applyFromHub(
                changes, hubId: hub.hubId, hubNodeId: hub.db.nodeId, hubName: hub.name, wireBytes: 0, now: centralClock)
            pushed = summary
            try await hub.db.updatePeer(nodeId: central.nodeId, role: .central, name: "central", [.acknowledged(ack)])
        }
        return (pulled, pushed)
    }

    /// A mission event made at `node` (the provider's phone taps through the hub, or ops at central).
    @discardableResult
    func event(
        _ kind: MissionEventKind, on request: String, by role: ActorRole = .provider, provider: String?, at node: NodeDatabase, clock: Date
    ) async throws -> MissionState {
        try await node.write(durability: .critical, now: clock) { tx in
            try tx.appendMissionEvent(
                requestId: request, kind: kind, actorRole: role, actorId: role == .provider ? provider : nil, providerId: provider)
        }.state
    }

    static func mission(_ request: String, on node: NodeDatabase) throws -> Row? {
        try node.readBlocking { db in try Row.fetchOne(db, sql: "SELECT * FROM missions WHERE request_id = ?", arguments: [request]) }
    }

    static func conflicts(_ kind: String, on node: NodeDatabase) throws -> [String] {
        try node.readBlocking { db in
            try String.fetchAll(db, sql: "SELECT id FROM sync_conflicts WHERE kind = ? ORDER BY id", arguments: [kind])
        }
    }
}

@Suite("Bounded clocks: a fast hub's changes are held and flagged, never drag the other nodes' clocks or shown times")
struct BoundedClockTests {
    let minute: TimeInterval = 60
    let twoHours: TimeInterval = 7_200

    @Test("a hub 2 h fast: its changes are held at central and flagged, the other hub's times stay right, then they apply")
    func fastHubIsHeldThenReleased() async throws {
        let mesh = try await ClockMesh()
        let t = ClockMesh.start
        let (fast, good) = (mesh.hubs[0], mesh.hubs[1])
        let awa = try await mesh.provider("Awa", phone: "+237690000001", zone: "zone-un", at: t)
        let ben = try await mesh.provider("Ben", phone: "+237690000002", zone: "zone-deux", at: t)
        let r1 = try await mesh.request(zone: "zone-un", client: 1, at: t)
        let r2 = try await mesh.request(zone: "zone-deux", client: 2, at: t)
        try await mesh.sync(fast, hubClock: t + minute, centralClock: t + minute)
        try await mesh.sync(good, hubClock: t + minute, centralClock: t + minute)

        // The fast hub's clock jumps 2 h ahead after its last sync; Awa accepts at 08:10 real time, stamped 10:10.
        try await mesh.event(.accepted, on: r1, provider: awa, at: fast.db, clock: t + twoHours + 10 * minute)
        let round = try await mesh.sync(fast, hubClock: t + twoHours + 11 * minute, centralClock: t + 11 * minute)
        #expect(round.pushed.applied > 0)
        #expect(round.pushed.held == round.pushed.applied, "every change stamped 10:10 is held at central at 08:11")
        #expect(try ClockMesh.mission(r1, on: mesh.central)?["status"] == "nouvelle", "held changes are not in effect")
        let centralClock = mesh.central.clock.withLock { $0.last }
        #expect(centralClock.wallMillis <= (t + 16 * minute).unixMillis, "central's clock never moves past its wall clock + 5 min")

        // Ops see it: the hub has held changes, due when real time reaches them.
        let status = try await mesh.central.syncStatus()
        let card = try #require(status.hubs.first { $0.name == fast.name })
        #expect(card.heldChanges == round.pushed.held)
        #expect(card.heldUntil == UTCTimestamp.format(t + twoHours + 5 * minute))

        // Central keeps working in real time; the good hub receives its changes and keeps its own clock and times right.
        let r3 = try await mesh.request(zone: "zone-deux", client: 3, at: t + 12 * minute)
        try await mesh.sync(good, hubClock: t + 13 * minute, centralClock: t + 13 * minute)
        #expect(good.db.clock.withLock { $0.last }.wallMillis <= (t + 13 * minute).unixMillis)
        #expect(
            try good.db.readBlocking { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM service_requests WHERE id = ?", arguments: [r3]) } == 1)
        try await mesh.event(.accepted, on: r2, provider: ben, at: good.db, clock: t + 14 * minute)
        try await mesh.event(.arrived, on: r2, provider: ben, at: good.db, clock: t + 15 * minute)
        let shown = try #require(try ClockMesh.mission(r2, on: good.db))
        #expect(shown["accepted_at"] == UTCTimestamp.format(t + 14 * minute))
        #expect(shown["arrived_at"] == UTCTimestamp.format(t + 15 * minute))

        // Nothing of the held changes reaches the other hubs meanwhile; then real time reaches them and they apply.
        try await mesh.sync(good, hubClock: t + 30 * minute, centralClock: t + 30 * minute)
        try await mesh.sync(good, hubClock: t + twoHours + 6 * minute, centralClock: t + twoHours + 6 * minute)
        #expect(try ClockMesh.mission(r1, on: mesh.central)?["status"] == "acceptee")
        #expect(try ClockMesh.mission(r1, on: mesh.central)?["provider_id"] == awa)
        #expect(try await mesh.central.syncStatus().hubs.first { $0.name == fast.name }?.heldChanges == 0)
        try await mesh.sync(fast, hubClock: t + 4 * twoHours, centralClock: t + twoHours + 7 * minute)
        #expect(try ClockMesh.mission(r1, on: fast.db)?["status"] == "acceptee")
    }

    @Test("a hub that measured its clock 2 h fast stamps in central's time: a cancel after its work is a late cancellation everywhere")
    func fastHubFollowsCentralTime() async throws {
        let mesh = try await ClockMesh()
        let t = ClockMesh.start
        let fast = mesh.hubs[0]
        let awa = try await mesh.provider("Awa", phone: "+237690000001", zone: "zone-un", at: t)
        let r1 = try await mesh.request(zone: "zone-un", client: 1, at: t)
        // Its first pull measures the offset: from then on it stamps and records in central's time.
        try await mesh.sync(fast, hubClock: t + twoHours + minute, centralClock: t + minute)
        try await mesh.event(.accepted, on: r1, provider: awa, at: fast.db, clock: t + twoHours + 10 * minute)
        try await mesh.event(.arrived, on: r1, provider: awa, at: fast.db, clock: t + twoHours + 20 * minute)
        let round = try await mesh.sync(fast, hubClock: t + twoHours + 21 * minute, centralClock: t + 21 * minute)
        #expect(round.pushed.held == 0)
        #expect(try ClockMesh.mission(r1, on: fast.db)?["arrived_at"] == UTCTimestamp.format(t + 20 * minute), "shown in real time")

        // The client cancels at 08:30, after the arrival at 08:20: the mission stands (CONFLICTS.md rule 5).
        try await mesh.event(.cancelled, on: r1, by: .client, provider: nil, at: mesh.central, clock: t + 30 * minute)
        try await mesh.sync(fast, hubClock: t + twoHours + 31 * minute, centralClock: t + 31 * minute)
        for node in [mesh.central, fast.db] {
            #expect(try ClockMesh.mission(r1, on: node)?["status"] == "arrive")
        }
        // The same conflict, under the same id, on both nodes.
        let atCentral = try ClockMesh.conflicts("late_cancellation", on: mesh.central)
        #expect(atCentral.count == 1)
        #expect(try ClockMesh.conflicts("late_cancellation", on: fast.db) == atCentral)
    }

    @Test("a held change survives a restart and never moves the reopened node's clock")
    func heldChangesSurviveRestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("djobea-held-\(DjobeaID.v7())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("central.sqlite").path
        let t = ClockMesh.start
        var central: NodeDatabase? = try NodeDatabase.open(path: path, role: .central)
        let future = RowChange(
            originNode: DjobeaID.v7(), originSeq: 1, hlc: HLC(date: t + twoHours), table: "zones", key: DjobeaID.v7(), operation: .insert,
            columns: ["code": "zone-x", "name": "X", "created_at": .text(UTCTimestamp.format(t))])
        let summary = try await central?.applyRemote([future], centralNodeId: central?.nodeId ?? "", now: t)
        #expect(summary?.held == 1)
        central = nil
        let reopened = try NodeDatabase.open(path: path, role: .central)
        #expect(reopened.clock.withLock { $0.last } < HLC(date: t + 6 * minute), "the held stamp does not set the clock at open")
        #expect(try await reopened.versionVector()[future.originNode] == 1, "held changes are acknowledged")
        let released = try await reopened.releaseHeldChanges(centralNodeId: reopened.nodeId, now: t + twoHours)
        #expect(released.released == 1)
    }
}

@Suite("Commission: derived once whatever the order of completion, invoice and payment (CONFLICTS.md rule 10)")
struct CommissionOrderTests {
    enum Step: CaseIterable { case complete, invoice, pay }

    static let orders: [[Step]] = {
        func permutations(_ items: [Step]) -> [[Step]] {
            guard items.count > 1 else { return [items] }
            return items.indices.flatMap { index in
                var rest = items
                let head = rest.remove(at: index)
                return permutations(rest).map { [head] + $0 }
            }
        }
        return permutations(Step.allCases)
    }()

    @Test("every order of the three, the payment at the hub or at central, each synced on its own", arguments: orders, [false, true])
    func everyOrder(_ order: [Step], paidAtCentral: Bool) async throws {
        let mesh = try await ClockMesh()
        let hub = mesh.hubs[0]
        var clock = ClockMesh.start
        func tick() -> Date {
            clock += 60
            return clock
        }
        let awa = try await mesh.provider("Awa", phone: "+237690000001", zone: "zone-un", at: clock)
        let request = try await mesh.request(zone: "zone-un", client: 1, at: clock)
        try await mesh.sync(hub, hubClock: tick(), centralClock: clock)
        for kind in [MissionEventKind.accepted, .arrived, .diagnosed, .repairing] {
            try await mesh.event(kind, on: request, provider: awa, at: hub.db, clock: tick())
        }
        try await mesh.sync(hub, hubClock: tick(), centralClock: clock)
        for step in order {
            switch step {
            case .complete:
                _ = try await ProviderRequestCommands(database: hub.db).updateStatus(
                    providerId: awa, requestId: request, stage: .completed, now: tick())
            case .invoice:
                _ = try await ProviderRequestCommands(database: hub.db).requestPayment(
                    providerId: awa, requestId: request, labour: 20_000, travel: 2_000, now: tick())
            case .pay:
                let payment = PaymentIntake(requestId: request, method: "mtn_momo", reference: "MP260302.0001", amount: 22_000)
                if paidAtCentral {
                    _ = try await IntakeStore(mesh.central).recordPayment(payment, recordedBy: .ops, now: tick())
                } else {
                    _ = try await IntakeStore(hub.db).recordPayment(payment, recordedBy: .provider, providerId: awa, now: tick())
                }
            }
            try await mesh.sync(hub, hubClock: tick(), centralClock: clock)
        }
        try await mesh.sync(hub, hubClock: tick(), centralClock: clock)
        for node in [mesh.central, hub.db] {
            let balance = try await node.read { db in PaymentLedger.fold(try LedgerReads.entries(sql: "request_id = ?", arguments: [request], in: db))
            }
            #expect(balance.commission.francs == 2_200, "\(order), paid at central: \(paidAtCentral): 10 % of 22 000 FCFA, once")
            #expect(balance.paid.francs == 22_000)
            let commissions = try node.readBlocking { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger_entries WHERE request_id = ? AND kind = 'commission'", arguments: [request])
            }
            #expect(commissions == 1)
        }
        // Derived on both sides or on one, the entry is the same row everywhere (its columns are functions of replicated rows).
        func commissionRow(_ node: NodeDatabase) throws -> [String: String] {
            try node.readBlocking { db in
                let row = try #require(
                    try Row.fetchOne(db, sql: "SELECT * FROM ledger_entries WHERE request_id = ? AND kind = 'commission'", arguments: [request]))
                return Dictionary(uniqueKeysWithValues: row.columnNames.map { ($0, "\(row[$0] as DatabaseValue)") })
            }
        }
        #expect(try commissionRow(mesh.central) == commissionRow(hub.db))
        #expect(try commissionRow(hub.db)["origin_node"] == "\"derived\"")
    }

    @Test("a push cut between the invoice and its commission: central derives it too, and both nodes hold the same row")
    func derivedOnBothSidesOfABatchBoundary() async throws {
        let mesh = try await ClockMesh()
        let hub = mesh.hubs[0]
        let t = ClockMesh.start
        let awa = try await mesh.provider("Awa", phone: "+237690000001", zone: "zone-un", at: t)
        let request = try await mesh.request(zone: "zone-un", client: 1, at: t)
        try await mesh.sync(hub, hubClock: t + 60, centralClock: t + 60)
        for kind in [MissionEventKind.accepted, .arrived, .diagnosed, .repairing] {
            try await mesh.event(kind, on: request, provider: awa, at: hub.db, clock: t + 120)
        }
        _ = try await ProviderRequestCommands(database: hub.db).updateStatus(providerId: awa, requestId: request, stage: .completed, now: t + 150)
        try await mesh.sync(hub, hubClock: t + 160, centralClock: t + 160)
        _ = try await ProviderRequestCommands(database: hub.db).requestPayment(providerId: awa, requestId: request, labour: 10_000, now: t + 180)
        // Push one change at a time: central applies the invoice before the hub's commission reaches it.
        var derivedAtCentral = false
        while true {
            let acknowledged = try await hub.db.peerLink(nodeId: mesh.central.nodeId)?.acknowledged ?? 0
            let (changes, _) = try await hub.db.ownChanges(after: acknowledged, maxBytes: 1)
            guard !changes.isEmpty else { break }
            let (_, ack) = try await mesh.central.applyFromHub(
                changes, hubId: hub.hubId, hubNodeId: hub.db.nodeId, hubName: hub.name, wireBytes: 0, now: t + 190)
            try await hub.db.updatePeer(nodeId: mesh.central.nodeId, role: .central, name: "central", [.acknowledged(ack)])
            let ownCommission = try mesh.central.readBlocking { db in
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM change_log WHERE origin_node = ? AND table_name = 'ledger_entries'",
                    arguments: [mesh.central.nodeId])
            }
            if ownCommission ?? 0 > 0 { derivedAtCentral = true }
        }
        #expect(derivedAtCentral, "central derived the commission on receipt of the invoice")
        try await mesh.sync(hub, hubClock: t + 200, centralClock: t + 200)
        let rows = try [mesh.central, hub.db].map { node in
            try node.readBlocking { db in
                try Row.fetchAll(db, sql: "SELECT * FROM ledger_entries WHERE kind = 'commission'").map { row in
                    row.columnNames.map { "\($0)=\(row[$0] as DatabaseValue)" }.joined(separator: "|")
                }
            }
        }
        #expect(rows[0].count == 1)
        #expect(rows[0] == rows[1], "the same row on both nodes")
    }
}

@Suite("The clock offset a pull measures")
struct ClockOffsetMeasureTests {
    @Test("compared with the middle of the round trip; a round trip over 10 s measures nothing")
    func middleOfTheRoundTrip() {
        #expect(HubClockOffset.measure(serverTime: 1_000_500, sent: 1_000_000, received: 1_001_000) == 0)
        #expect(HubClockOffset.measure(serverTime: 8_200_500, sent: 1_000_000, received: 1_001_000) == 7_200_000)
        #expect(HubClockOffset.measure(serverTime: 1_000_000, sent: 1_000_000, received: 1_090_000) == nil, "a 90 s download")
        #expect(HubClockOffset.measure(serverTime: 1_000_000, sent: 1_000_000, received: 999_000) == nil)
    }
}
