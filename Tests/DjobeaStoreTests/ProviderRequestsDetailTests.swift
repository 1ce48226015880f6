import DjobeaDomain
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Provider requests: the request card")
struct ProviderRequestsDetailTests {
    @Test("an offered request: the seed's card, the phone masked, accept and decline offered")
    func offeredCard() throws {
        let world = try RequestsWorld()
        // The client's history: two earlier requests, one rated 5 and one rated 4 by them.
        for (index, stars) in [5, 4].enumerated() {
            let earlier = try world.request("Ancienne \(index)", created: world.now.addingTimeInterval(-Double(index + 10) * 86_400))
            _ = try world.database.writeBlocking(now: world.now.addingTimeInterval(-86_400)) { tx in
                try tx.insert(
                    .ratings,
                    [
                        "id": .text(DjobeaID.v7()), "request_id": .text(earlier), "client_id": .text(world.client),
                        "provider_id": .text(world.providerC),
                        "stars": ColumnValue(stars), "created_at": ColumnValue(tx.now),
                    ])
            }
        }
        let request = try world.request("Réparation fuite cuisine", description: "Fuite sous l'évier de cuisine, eau qui coule en permanence...")
        try world.offer(request, to: world.providerA)
        let card = try #require(try world.detail(world.providerA, request))
        #expect(card.summary.title == "Réparation fuite cuisine")
        #expect(card.summary.askedAgo == "il y a 15 min")
        #expect(card.client.name == "Awa Ngo")
        #expect(card.client.phone == "+237 6XX XXX X56" && !card.client.phoneVisible)
        #expect(card.client.requestsCount == 3 && card.client.ratingsGiven == 2 && card.client.averageStarsGiven == 4.5)
        #expect(card.client.reputationLabel == "4,5/5 (2 avis)")
        #expect(card.address == "Denver, Rue du Marché")
        #expect(card.description.hasPrefix("Fuite sous l'évier"))
        #expect(card.wishedTime == ProviderRequestDetail.WishedTime(label: "Dès que possible", at: nil))
        #expect(card.mission == nil)
        #expect(card.actions == [.accept, .decline, .askDetails, .postpone])
    }

    @Test("once accepted: the phone, the mission, its messages, materials, photos and calls of this provider only")
    func acceptedCard() async throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        _ = try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now)
        _ = try await world.commands.updateStatus(
            providerId: world.providerA, requestId: request, stage: .arrived, now: world.now.addingTimeInterval(600))
        _ = try await world.commands.recordCall(
            providerId: world.providerA, requestId: request, direction: .out, startedAt: world.now.addingTimeInterval(60), durationSeconds: 200,
            note: "Client au 2e étage", now: world.now.addingTimeInterval(300))
        try world.database.writeBlocking(now: world.now.addingTimeInterval(900)) { tx in
            let sha = String(repeating: "a", count: 64)
            for (provider, kind) in [(world.providerA, "before"), (world.providerB, "before"), (nil, "other")] as [(String?, String)] {
                try tx.insert(
                    .photos,
                    [
                        "id": .text(DjobeaID.v7()), "request_id": .text(request), "provider_id": ColumnValue(provider), "kind": .text(kind),
                        "sha256": .text(sha), "mime": "image/jpeg", "bytes": 1_000, "width": 320, "height": 240, "taken_at": ColumnValue(tx.now),
                        "created_at": ColumnValue(tx.now),
                    ])
            }
            try tx.insert(
                .missionMaterials,
                [
                    "id": .text(DjobeaID.v7()), "request_id": .text(request), "provider_id": .text(world.providerA), "label": "Joint 20 mm",
                    "quantity": 2, "unit_price": 1_500, "recorded_at": ColumnValue(tx.now),
                ])
        }
        let card = try #require(try world.detail(world.providerA, request))
        #expect(card.client.phone == "+237677000056" && card.client.phoneVisible)
        #expect(card.summary.status == "en_cours" && card.summary.offerExpiresAt == nil)
        let mission = try #require(card.mission)
        #expect(mission.status == "arrive")
        #expect(mission.steps.map(\.stage) == ["acceptee", "arrive", "diagnostic", "reparation", "terminee"])
        #expect(mission.steps[1].at == UTCTimestamp.format(world.now.addingTimeInterval(600)))
        #expect(mission.conflicts.isEmpty)
        #expect(card.actions == [.diagnosed, .repairing, .completed, .call, .message, .askDetails])
        #expect(card.messages.map(\.templateCode) == ["acceptation"])
        #expect(card.calls.map(\.durationLabel) == ["3 min 20 s"])
        #expect(card.calls.first?.note == "Client au 2e étage")
        #expect(card.photos.count == 2 && card.photos.allSatisfy { $0.sha256.count == 64 })
        #expect(card.materials.map(\.total) == [3_000])
        #expect(card.materialsTotal == 3_000 && card.materialsTotalLabel == "3\u{202F}000\u{00A0}FCFA")
    }

    @Test("the mission shows the provider's conflicts in French, not another provider's")
    func conflicts() async throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA, ago: 600)
        _ = try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now.addingTimeInterval(-500))
        _ = try await world.commands.updateStatus(
            providerId: world.providerA, requestId: request, stage: .arrived, now: world.now.addingTimeInterval(-400))
        // Another provider's accept arriving by sync, and then a late cancel by the client: both kept as conflicts.
        _ = try world.database.writeBlocking(now: world.now.addingTimeInterval(-300)) { tx in
            try tx.appendMissionEvent(
                requestId: request, kind: .accepted, actorRole: .provider, actorId: world.providerB, providerId: world.providerB)
            try tx.appendMissionEvent(requestId: request, kind: .cancelled, actorRole: .client)
        }
        let mission = try #require(try world.detail(world.providerA, request)?.mission)
        #expect(mission.status == "arrive")
        #expect(mission.conflicts.map(\.kind) == ["late_cancellation"])
        #expect(mission.conflicts.first?.message == "Annulation tardive : le prestataire avait déjà commencé la mission")
    }

    @Test("the card encodes as one flat JSON object with snake_case keys")
    func json() throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        let card = try #require(try world.detail(world.providerA, request))
        let data = try snakeCaseEncoder().encode(card)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in [
            "id", "title", "status_label", "asked_ago", "budget_label", "client_first_name", "offer_unseen", "offer_expires_at", "client",
            "wished_time", "materials_total_label", "slot_proposals", "actions",
        ] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect((object["client"] as? [String: Any])?["phone_visible"] as? Bool == false)
        #expect(try snakeCaseDecoder().decode(ProviderRequestDetail.self, from: data) == card)
        let page = try JSONSerialization.jsonObject(with: snakeCaseEncoder().encode(world.list(world.providerA))) as? [String: Any]
        #expect(page?["page_size"] as? Int == 20 && page?["total_pages"] as? Int == 1)
    }
}
