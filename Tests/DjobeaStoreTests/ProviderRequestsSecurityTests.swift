import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

/// The security rule: a provider sees and touches only requests offered or assigned to them; anything else is
/// "not found", exactly like an id that does not exist.
@Suite("Provider requests: another provider gets not found everywhere")
struct ProviderRequestsSecurityTests {
    /// Every command, as `provider` would call it on `request` (with `callId` for the call note).
    private func everyCommand(
        _ world: RequestsWorld, provider: String, request: String, callId: String
    ) -> [(String, @Sendable () async throws -> ProviderCommandResult)] {
        let commands = world.commands
        let now = world.now
        let slot = now.addingTimeInterval(86_400)
        return [
            ("accept", { try await commands.accept(providerId: provider, requestId: request, now: now) }),
            ("accept+key", { try await commands.accept(providerId: provider, requestId: request, idempotencyKey: "k1", now: now) }),
            ("decline", { try await commands.decline(providerId: provider, requestId: request, reason: .agendaPlein, note: "x", now: now) }),
            ("update_status", { try await commands.updateStatus(providerId: provider, requestId: request, stage: .arrived, now: now) }),
            ("message", { try await commands.sendMessage(providerId: provider, requestId: request, templateCode: "arrive_15min", now: now) }),
            ("ask_details", { try await commands.askForDetails(providerId: provider, requestId: request, questionCode: "question_photo", now: now) }),
            (
                "postpone",
                { try await commands.postpone(providerId: provider, requestId: request, proposedStart: slot, proposedEnd: slot + 3_600, now: now) }
            ),
            (
                "record_call",
                {
                    try await commands.recordCall(
                        providerId: provider, requestId: request, direction: .out, startedAt: now, durationSeconds: 60, now: now)
                }
            ),
            (
                "update_call_note",
                { try await commands.updateCallNote(providerId: provider, requestId: request, callId: callId, note: "x", now: now) }
            ),
        ]
    }

    @Test("an offered request, an assigned mission: others get not found on every detail and command, and nothing is written")
    func othersGetNotFound() async throws {
        let world = try RequestsWorld()
        let offered = try world.request("Offerte à A")
        let offer = try world.offer(offered, to: world.providerA)
        let assigned = try world.request("Mission de A")
        try world.offer(assigned, to: world.providerA)
        _ = try await world.commands.accept(providerId: world.providerA, requestId: assigned, now: world.now)
        let call = try await world.commands.recordCall(
            providerId: world.providerA, requestId: assigned, direction: .out, startedAt: world.now, durationSeconds: 60, now: world.now)
        let callId = try #require(call.callId)
        let unknown = DjobeaID.v7()
        let changes = try world.changeCount()

        for request in [offered, assigned, unknown, "not-an-id", "' OR 1=1 --"] {
            for stranger in [world.providerB, world.providerC, "not-a-provider"] {
                #expect(try world.detail(stranger, request) == nil)
                for (name, command) in everyCommand(world, provider: stranger, request: request, callId: callId) {
                    let error = await providerRequestError(command)
                    #expect(error == .notFound, "\(name) by a stranger on \(request)")
                    #expect(error?.kind == .notFound)
                }
            }
        }
        // The stranger's own request does not open A's call log either.
        let strangers = try world.request("Offerte à B")
        try world.offer(strangers, to: world.providerB)
        let note = await providerRequestError {
            try await world.commands.updateCallNote(providerId: world.providerB, requestId: strangers, callId: callId, note: "x", now: world.now)
        }
        #expect(note == .notFound)
        #expect(try world.changeCount() == changes + 2)  // only B's own request and offer

        for stranger in [world.providerB, world.providerC] {
            #expect(!(try world.list(stranger).items.contains { $0.id == offered || $0.id == assigned }))
            let alerts = try world.read { try ProviderAlertsQuery.notifications(providerId: stranger, now: world.now, in: $0) }
            #expect(!alerts.newRequests.contains { $0.offerId == offer })
            #expect(try await world.commands.markSeen(providerId: stranger, offerIds: [offer], now: world.now) == 0)
        }
        #expect(try world.detail(world.providerA, offered) != nil && world.detail(world.providerA, assigned) != nil)
    }

    @Test("a provider who lost the request keeps seeing their own offer, but not the winner's mission")
    func loserSeesOnlyTheirOffer() async throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        try world.offer(request, to: world.providerB)
        _ = try await world.commands.accept(providerId: world.providerB, requestId: request, now: world.now)
        _ = try await world.commands.sendMessage(providerId: world.providerB, requestId: request, templateCode: "arrive_15min", now: world.now)
        let card = try #require(try world.detail(world.providerA, request))
        #expect(card.summary.status == "expiree")
        #expect(card.mission == nil && card.messages.isEmpty && card.actions.isEmpty)
        #expect(card.client.phoneVisible == false && card.client.phone == "+237 6XX XXX X56")
        let late = await providerRequestError { try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now) }
        #expect(late == .alreadyAssigned)
        let step = await providerRequestError {
            try await world.commands.updateStatus(providerId: world.providerA, requestId: request, stage: .arrived, now: world.now)
        }
        #expect(step?.code == "illegal_transition")
        #expect(try world.events(request).map(\.kind) == [.accepted])
    }
}
