import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

/// Central's ops actions with central and three hubs (store level, the sync engine's pull-then-push by hand): each
/// action reaches the hub concerned in one round and every node ends with the same answer.
@Suite("Central ops: cancel, reassign, reverse, suspend, move a provider, move a zone — every node agrees")
struct CentralOpsTests {
    let minute: TimeInterval = 60
    let ops = OpsActor("ops:awa")

    /// A mesh with one provider per hub zone (and one more in zone-un), a request in zone-un, everyone synced.
    func setUp() async throws -> (mesh: ClockMesh, p1: String, p2: String, p3: String, request: String, clock: Date) {
        let mesh = try await ClockMesh()
        let t = ClockMesh.start
        let p1 = try await mesh.provider("Awa", phone: "+237690000001", zone: "zone-un", at: t)
        let p2 = try await mesh.provider("Ben", phone: "+237690000002", zone: "zone-un", at: t)
        let p3 = try await mesh.provider("Chantal", phone: "+237690000003", zone: "zone-deux", at: t)
        let request = try await mesh.request(zone: "zone-un", client: 1, at: t)
        for hub in mesh.hubs { try await mesh.sync(hub, hubClock: t + minute, centralClock: t + minute) }
        return (mesh, p1, p2, p3, request, t + 2 * minute)
    }

    func status(_ request: String, _ node: NodeDatabase) throws -> (String?, String?) {
        let row = try ClockMesh.mission(request, on: node)
        return (row?["status"], row?["provider_id"])
    }

    @Test("cancel for the client before acceptance: cancelled on every node; twice is refused; a replayed key gives the first answer")
    func cancelBeforeAcceptance() async throws {
        let (mesh, _, _, _, request, t) = try await setUp()
        let hub = mesh.hubs[0]
        let body = OpsCancellation(reason: "Le client a trouvé quelqu'un", by: "client")
        let first = try await OpsStore(mesh.central).cancelRequest(id: request, body, actor: ops, idempotencyKey: "k1", now: t)
        #expect(first.status == "annulee")
        #expect(first.summary.contains("annulée"))
        let replay = try await OpsStore(mesh.central).cancelRequest(id: request, body, actor: ops, idempotencyKey: "k1", now: t + minute)
        #expect(replay.replayed && replay.actionId == first.actionId)
        await #expect(throws: OpsRefusal.self) {
            try await OpsStore(mesh.central).cancelRequest(
                id: request, OpsCancellation(reason: "autre", by: "ops"), actor: ops, idempotencyKey: "k1", now: t)
        }
        await #expect(throws: OpsRefusal("already_cancelled", "Demande déjà annulée.")) {
            try await OpsStore(mesh.central).cancelRequest(id: request, body, actor: ops, now: t)
        }
        await #expect(throws: IntakeError.self) {
            try await OpsStore(mesh.central).cancelRequest(id: request, OpsCancellation(reason: "x", by: "provider"), actor: ops, now: t)
        }
        try await mesh.sync(hub, hubClock: t + minute, centralClock: t + minute)
        #expect(try status(request, hub.db).0 == "annulee")
        let logged = try await OpsStore(mesh.central).actions()
        #expect(logged.count == 1 && logged[0].actor == "ops:awa" && logged[0].kind == "cancel_request")
    }

    @Test("cancel after the provider arrived (pushed, then the cancel): a late cancellation, the mission stands, same conflict on both")
    func lateCancel() async throws {
        let (mesh, p1, _, _, request, t) = try await setUp()
        let hub = mesh.hubs[0]
        try await mesh.event(.accepted, on: request, provider: p1, at: hub.db, clock: t)
        try await mesh.event(.arrived, on: request, provider: p1, at: hub.db, clock: t + minute)
        try await mesh.sync(hub, hubClock: t + 2 * minute, centralClock: t + 2 * minute)
        let result = try await OpsStore(mesh.central).cancelRequest(
            id: request, OpsCancellation(reason: "client injoignable", by: "client"), actor: ops, now: t + 3 * minute)
        #expect(result.status == "arrive")
        #expect(result.summary.contains("Annulation tardive"))
        try await mesh.sync(hub, hubClock: t + 4 * minute, centralClock: t + 4 * minute)
        #expect(try status(request, hub.db).0 == "arrive")
        let conflicts = try ClockMesh.conflicts("late_cancellation", on: mesh.central)
        #expect(conflicts.count == 1)
        #expect(try ClockMesh.conflicts("late_cancellation", on: hub.db) == conflicts)
    }

    @Test("reassign an accepted mission to another provider: reopened then reassigned everywhere; refused once work began")
    func reassign() async throws {
        let (mesh, p1, p2, p3, request, t) = try await setUp()
        let hub = mesh.hubs[0]
        try await mesh.event(.accepted, on: request, provider: p1, at: hub.db, clock: t)
        try await mesh.sync(hub, hubClock: t + minute, centralClock: t + minute)
        await #expect(throws: OpsRefusal.self) {
            try await OpsStore(mesh.central).reassignRequest(id: request, OpsReassignment(providerId: p3), actor: ops, now: t + 2 * minute)
        }
        let result = try await OpsStore(mesh.central).reassignRequest(
            id: request, OpsReassignment(providerId: p2, reason: "Awa malade"), actor: ops, now: t + 2 * minute)
        #expect(result.status == "acceptee" && result.providerId == p2)
        try await mesh.sync(hub, hubClock: t + 3 * minute, centralClock: t + 3 * minute)
        #expect(try status(request, hub.db) == ("acceptee", p2))
        try await mesh.event(.arrived, on: request, provider: p2, at: hub.db, clock: t + 4 * minute)
        try await mesh.sync(hub, hubClock: t + 5 * minute, centralClock: t + 5 * minute)
        await #expect(throws: OpsRefusal.self) {
            try await OpsStore(mesh.central).reassignRequest(id: request, OpsReassignment(providerId: p1), actor: ops, now: t + 6 * minute)
        }
        // Without a provider: back to routing.
        let other = try await mesh.request(zone: "zone-un", client: 2, at: t + 6 * minute)
        try await mesh.sync(hub, hubClock: t + 7 * minute, centralClock: t + 7 * minute)
        try await mesh.event(.accepted, on: other, provider: p1, at: hub.db, clock: t + 8 * minute)
        try await mesh.sync(hub, hubClock: t + 9 * minute, centralClock: t + 9 * minute)
        let rerouted = try await OpsStore(mesh.central).reassignRequest(id: other, OpsReassignment(), actor: ops, now: t + 10 * minute)
        #expect(rerouted.status == "nouvelle" && rerouted.providerId == nil)
        try await mesh.sync(hub, hubClock: t + 11 * minute, centralClock: t + 11 * minute)
        #expect(try status(other, hub.db) == ("nouvelle", nil))
    }

    @Test("reverse a payment recorded at a hub: paid goes back to 0 on both nodes; a second reversal is refused")
    func reverse() async throws {
        let (mesh, p1, _, _, request, t) = try await setUp()
        let hub = mesh.hubs[0]
        try await mesh.event(.accepted, on: request, provider: p1, at: hub.db, clock: t)
        let payment = try await IntakeStore(hub.db).recordPayment(
            PaymentIntake(requestId: request, method: "mtn_momo", reference: "MP1", amount: 15_000), recordedBy: .provider, providerId: p1,
            now: t + minute)
        try await mesh.sync(hub, hubClock: t + 2 * minute, centralClock: t + 2 * minute)
        let result = try await OpsStore(mesh.central).reversePayment(
            id: payment, OpsReversal(reason: "Remboursement au client"), actor: ops, idempotencyKey: "rev-1", now: t + 3 * minute)
        #expect(result.entryId != nil)
        await #expect(throws: OpsRefusal("already_reversed", "Paiement déjà remboursé ou contesté.")) {
            try await OpsStore(mesh.central).reversePayment(id: payment, OpsReversal(reason: "encore"), actor: ops, now: t + 4 * minute)
        }
        await #expect(throws: IntakeError.self) {
            try await OpsStore(mesh.central).reversePayment(id: DjobeaID.v7(), OpsReversal(reason: "x"), actor: ops, now: t + 4 * minute)
        }
        try await mesh.sync(hub, hubClock: t + 5 * minute, centralClock: t + 5 * minute)
        for node in [mesh.central, hub.db] {
            let paid = try await node.read { db in PaymentLedger.fold(try LedgerReads.entries(sql: "request_id = ?", arguments: [request], in: db)) }
            #expect(paid.paid.francs == 0)
        }
    }

    @Test("suspend and reinstate: the hub has the account status after one round")
    func suspend() async throws {
        let (mesh, p1, _, _, _, t) = try await setUp()
        let hub = mesh.hubs[0]
        _ = try await OpsStore(mesh.central).setProviderActive(id: p1, active: false, OpsReason(reason: "Plaintes"), actor: ops, now: t)
        await #expect(throws: OpsRefusal.self) {
            try await OpsStore(mesh.central).setProviderActive(id: p1, active: false, OpsReason(), actor: ops, now: t)
        }
        try await mesh.sync(hub, hubClock: t + minute, centralClock: t + minute)
        func accountStatus() throws -> String? {
            try hub.db.readBlocking { db in try String.fetchOne(db, sql: "SELECT account_status FROM providers WHERE id = ?", arguments: [p1]) }
        }
        #expect(try accountStatus() == "suspended")
        _ = try await OpsStore(mesh.central).setProviderActive(id: p1, active: true, OpsReason(), actor: ops, now: t + 2 * minute)
        try await mesh.sync(hub, hubClock: t + 3 * minute, centralClock: t + 3 * minute)
        #expect(try accountStatus() == "active")
    }

    @Test("PATCH a provider's services and zones replaces them (not only adds) and reaches the hub")
    func patchReplaces() async throws {
        let (mesh, p1, _, _, _, t) = try await setUp()
        let hub = mesh.hubs[0]
        let services = try mesh.central.readBlocking { db in try String.fetchAll(db, sql: "SELECT code FROM services ORDER BY code LIMIT 3") }
        let result = try await OpsStore(mesh.central).updateProvider(
            id: p1, ProviderPatch(name: "Awa Ngo", services: [services[1], services[2]], level: "or"), actor: ops, now: t)
        #expect(result.summary.contains("Awa Ngo"))
        await #expect(throws: IntakeError.self) {
            try await OpsStore(mesh.central).updateProvider(id: p1, ProviderPatch(level: "diamant"), actor: ops, now: t)
        }
        try await mesh.sync(hub, hubClock: t + minute, centralClock: t + minute)
        let row = try #require(
            try hub.db.readBlocking { db in try Row.fetchOne(db, sql: "SELECT name, level FROM providers WHERE id = ?", arguments: [p1]) })
        #expect(row["name"] == "Awa Ngo" && row["level"] == "or")
        let codes = try hub.db.readBlocking { db in
            try String.fetchAll(
                db, sql: "SELECT s.code FROM provider_services ps JOIN services s ON s.id = ps.service_id WHERE ps.provider_id = ? ORDER BY s.code",
                arguments: [p1])
        }
        #expect(codes == [services[1], services[2]])
    }

    @Test("a provider moved to another hub's zone with an open mission: the new hub gets the mission and history, the old hub is told")
    func providerMoveWithOpenMission() async throws {
        let (mesh, p1, _, _, request, t) = try await setUp()
        let (old, new) = (mesh.hubs[0], mesh.hubs[1])
        try await mesh.event(.accepted, on: request, provider: p1, at: old.db, clock: t)
        try await mesh.event(.arrived, on: request, provider: p1, at: old.db, clock: t + minute)
        let earlier = try await mesh.request(zone: "zone-un", client: 3, at: t)
        try await mesh.sync(old, hubClock: t + 2 * minute, centralClock: t + 2 * minute)
        for kind in [MissionEventKind.accepted, .arrived, .diagnosed, .repairing, .completed] {
            try await mesh.event(kind, on: earlier, provider: p1, at: old.db, clock: t + 3 * minute)
        }
        try await mesh.sync(old, hubClock: t + 4 * minute, centralClock: t + 4 * minute)

        let moved = try await OpsStore(mesh.central).updateProvider(id: p1, ProviderPatch(zones: ["zone-deux"]), actor: ops, now: t + 5 * minute)
        #expect(moved.stakes == 2)
        try await mesh.sync(new, hubClock: t + 6 * minute, centralClock: t + 6 * minute)
        #expect(try status(request, new.db) == ("arrive", p1), "the open mission is at the new hub")
        #expect(try status(earlier, new.db) == ("terminee", p1), "and the history")

        // The provider carries on at the new hub; the change is admitted at central and reaches the old hub (its zone).
        try await mesh.event(.diagnosed, on: request, provider: p1, at: new.db, clock: t + 7 * minute)
        let round = try await mesh.sync(new, hubClock: t + 8 * minute, centralClock: t + 8 * minute)
        #expect(round.pushed.quarantined == 0)
        #expect(try status(request, mesh.central).0 == "diagnostic")
        try await mesh.sync(old, hubClock: t + 9 * minute, centralClock: t + 9 * minute)
        #expect(try status(request, old.db).0 == "diagnostic")
        let left = try old.db.readBlocking { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM partition_left WHERE table_name = 'providers' AND row_key = ?)", arguments: [p1])
        }
        #expect(left == true, "the old hub is told the provider left")
        #expect(try ClockMesh.conflicts("out_of_partition", on: mesh.central).isEmpty)
    }

    /// The zone handover with the old hub offline and an accept in flight there, in both orders of the two accepts.
    @Test("a zone moved while its old hub is offline: one provider on every node, a conflict for the other", arguments: [true, false])
    func zoneHandover(oldHubAcceptsFirst: Bool) async throws {
        let (mesh, p1, p2, _, request, t) = try await setUp()
        let (old, new, third) = (mesh.hubs[0], mesh.hubs[1], mesh.hubs[2])
        // The old hub is offline from here. Ops move zone-un to the new hub.
        let oldAccept = oldHubAcceptsFirst ? t : t + 5 * minute
        let newAccept = oldHubAcceptsFirst ? t + 5 * minute : t + 2 * minute
        try await mesh.event(.accepted, on: request, provider: p1, at: old.db, clock: oldAccept)
        let moved = try await OpsStore(mesh.central).moveZone(code: "zone-un", ZoneMove(toHub: "Hub Deux"), actor: ops, now: t + minute)
        #expect(moved.stakes == 1)
        await #expect(throws: OpsRefusal.self) {
            try await OpsStore(mesh.central).moveZone(code: "zone-un", ZoneMove(toHub: new.hubId), actor: ops, now: t + minute)
        }
        try await mesh.sync(new, hubClock: t + 90, centralClock: t + 90)
        try await mesh.event(.accepted, on: request, provider: p2, at: new.db, clock: newAccept)
        try await mesh.sync(new, hubClock: newAccept + 10, centralClock: newAccept + 10)
        // The old hub comes back: pull then push; then everyone syncs once more.
        let back = max(oldAccept, newAccept) + minute
        let round = try await mesh.sync(old, hubClock: back, centralClock: back)
        #expect(round.pushed.quarantined == 0, "the old hub's late accept is decided, not quarantined")
        for hub in [new, third, old] { try await mesh.sync(hub, hubClock: back + minute, centralClock: back + minute) }

        let winner = oldHubAcceptsFirst ? p1 : p2
        for node in [mesh.central, old.db, new.db] {
            #expect(try status(request, node) == ("acceptee", winner))
        }
        let conflicts = try ClockMesh.conflicts("already_assigned", on: mesh.central)
        #expect(conflicts.count == 1)
        #expect(try ClockMesh.conflicts("already_assigned", on: old.db) == conflicts)
        #expect(try ClockMesh.conflicts("already_assigned", on: new.db) == conflicts)
        #expect(try ClockMesh.conflicts("out_of_partition", on: mesh.central).isEmpty)
        #expect(try status(request, third.db) == (nil, nil), "the third hub never sees zone-un's request")
        // A new request of the moved zone goes to the new hub only.
        let later = try await mesh.request(zone: "zone-un", client: 4, at: back + 2 * minute)
        for hub in mesh.hubs { try await mesh.sync(hub, hubClock: back + 3 * minute, centralClock: back + 3 * minute) }
        #expect(try status(later, new.db).0 == "nouvelle")
        #expect(try status(later, old.db).0 == nil)
    }
}
