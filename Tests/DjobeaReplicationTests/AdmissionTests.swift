import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import DjobeaTestSupport
import Foundation
import Testing

/// Central's admission of a hub's changes (SPEC.md §3.3.4 step 5): a row of the hub's own request may name a provider
/// central once registered to that hub, never one of another hub, not even by a forged move in the same batch.
@Suite("Admission of a hub's changes at central")
struct AdmissionTests {
    @Test func aHubCannotAttachAnotherHubsProviderByMovingThemInTheSameBatch() async throws {
        let central = try NodeDatabase.inMemory(role: .central)
        let intake = IntakeStore(central)
        try await intake.seedReferenceData()
        let service = try #require(ServiceCatalogue.builtIn.first).code.rawValue
        let hubA = try await central.enrolHub(name: "Hub A", zoneCodes: ["zone-a"])
        _ = try await central.enrolHub(name: "Hub B", zoneCodes: ["zone-b"])
        let nodeA = DjobeaID.v7()
        let providerB = try await intake.registerProvider(
            ProviderRegistration(name: "Prestataire B", phone: "+237695000001", services: [service], zones: ["zone-b"]))
        let request = try await intake.intakeRequest(
            RequestIntake(
                zone: "zone-a", service: service, urgency: "urgent", title: nil, description: "Fuite", address: "Rue 1", clientName: "Client",
                clientPhone: "+237677000001", budgetMin: nil, budgetMax: nil, wishedAt: nil, wishedTimeLabel: nil))
        let now = Date()
        let stamp = HLC(wallMillis: now.unixMillis, counter: 0)
        let event = DjobeaID.v7()
        let accept = RowChange(
            originNode: nodeA, originSeq: 1, hlc: stamp, table: "mission_events", key: event, operation: .insert,
            columns: [
                "id": .text(event), "request_id": .text(request), "kind": .text("accepted"), "actor_role": .text("provider"),
                "actor_id": .text(providerB), "provider_id": .text(providerB), "hlc": .integer(stamp.packed), "origin_node": .text(nodeA),
                "occurred_at": .text(UTCTimestamp.format(now)),
            ])
        let forgedMove = RowChange(
            originNode: nodeA, originSeq: 2, hlc: HLC(wallMillis: now.unixMillis, counter: 1), table: "providers", key: providerB,
            operation: .update, columns: ["hub_id": .text(hubA.hubId)])
        let (summary, acknowledged) = try await central.applyFromHub(
            [accept, forgedMove], hubId: hubA.hubId, hubNodeId: nodeA, hubName: "Hub A", wireBytes: 0)
        #expect(summary.quarantined == 2, "both changes are quarantined")
        #expect(acknowledged == 2, "and kept: the hub's sequence stays gapless")
        let status = try await intake.requestStatus(id: request)
        #expect(status?.status == RequestStatus.nouvelle.rawValue && status?.providerId == nil, "no accept by hub B's provider took effect")
        #expect(try SyncedNodes.count(central, "SELECT count(*) FROM providers WHERE id = ? AND hub_id = ?", [providerB, hubA.hubId]) == 0)
    }
}
