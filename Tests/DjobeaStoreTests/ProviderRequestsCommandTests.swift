import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Provider requests: accept, decline, mission steps")
struct ProviderRequestsCommandTests {
    @Test("accept: event, offer answered, other offers withdrawn, client told")
    func accept() async throws {
        let world = try RequestsWorld()
        let request = try world.request()
        let mine = try world.offer(request, to: world.providerA)
        let other = try world.offer(request, to: world.providerB)
        let result = try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now)
        #expect(result.status == "acceptee" && result.statusLabel == "Acceptée" && !result.replayed)
        #expect(result.offerState == "accepted")
        #expect(result.mission?.steps.first?.done == true)
        #expect(try world.events(request).map(\.kind) == [.accepted])
        let states = try world.read { db in
            try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, state, answered_at FROM request_offers").map {
                    (String($0["id"]), (String($0["state"]), $0["answered_at"] as String?))
                })
        }
        #expect(states[mine]?.0 == "accepted" && states[mine]?.1 == UTCTimestamp.format(world.now))
        #expect(states[other]?.0 == "withdrawn")
        let message = try #require(
            try world.read { try Row.fetchOne($0, sql: "SELECT * FROM messages WHERE id = ?", arguments: [result.messageId]) })
        #expect(message["direction"] as String == "out")
        #expect(message["template_code"] as String == "acceptation")
        #expect(message["delivery_status"] as String == "queued")
        #expect(message["client_id"] as String == world.client)
        #expect((message["body"] as String).contains("a été acceptée par Jean Kouam"))
    }

    @Test("accepting twice gives the same result and no second event")
    func acceptTwice() async throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        let first = try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now)
        let changes = try world.changeCount()
        let second = try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now.addingTimeInterval(5))
        #expect(second.replayed && second.status == first.status && second.mission == first.mission)
        #expect(try world.changeCount() == changes)
        #expect(try world.events(request).count == 1)
    }

    @Test("an idempotency key replays the first result and writes nothing; reused elsewhere it is refused")
    func idempotencyKey() async throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        let first = try await world.commands.accept(providerId: world.providerA, requestId: request, idempotencyKey: "outbox-1", now: world.now)
        let changes = try world.changeCount()
        var replay = try await world.commands.accept(
            providerId: world.providerA, requestId: request, idempotencyKey: "outbox-1", now: world.now.addingTimeInterval(60))
        #expect(replay.replayed)
        replay.replayed = false
        #expect(replay == first)
        #expect(try world.changeCount() == changes)
        let reused = await providerRequestError {
            try await world.commands.decline(
                providerId: world.providerA, requestId: request, reason: .autre, idempotencyKey: "outbox-1", now: world.now)
        }
        #expect(reused == .idempotencyKeyReused)
        // Another provider's identical key is theirs alone: B is not offered the request, so not found.
        let foreign = await providerRequestError {
            try await world.commands.accept(providerId: world.providerB, requestId: request, idempotencyKey: "outbox-1", now: world.now)
        }
        #expect(foreign == .notFound)
        let bad = await providerRequestError {
            try await world.commands.accept(providerId: world.providerA, requestId: request, idempotencyKey: "clé avec espaces", now: world.now)
        }
        #expect(bad?.field == "idempotency_key")
    }

    @Test("two providers accept: the first wins, the second is told and leaves no event")
    func race() async throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        try world.offer(request, to: world.providerB)
        let a = Task { try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now) }
        let b = Task { try await world.commands.accept(providerId: world.providerB, requestId: request, now: world.now) }
        var outcomes: [Result<ProviderCommandResult, any Error>] = []
        for task in [a, b] {
            do { outcomes.append(.success(try await task.value)) } catch { outcomes.append(.failure(error)) }
        }
        let winners = outcomes.compactMap { try? $0.get() }
        #expect(winners.count == 1)
        let losers = outcomes.compactMap { outcome -> ProviderRequestError? in
            if case .failure(let error) = outcome { return error as? ProviderRequestError }
            return nil
        }
        #expect(losers == [.alreadyAssigned])
        #expect(losers.first?.messageFR == "Demande déjà attribuée")
        #expect(try world.events(request).map(\.kind) == [.accepted])
    }

    @Test("accept after the offer expired, after a cancel, after declining")
    func refusedAccepts() async throws {
        let world = try RequestsWorld()
        let late = try world.request()
        try world.offer(late, to: world.providerA, ago: 40 * 60, window: 30 * 60)
        let expired = await providerRequestError { try await world.commands.accept(providerId: world.providerA, requestId: late, now: world.now) }
        #expect(expired == .offerExpired)
        #expect(expired?.messageFR == "Offre expirée : acceptation refusée" && expired?.kind == .conflict)

        let swept = try world.request("Expirée par le routage")
        let sweptOffer = try world.offer(swept, to: world.providerA)
        try world.database.writeBlocking(now: world.now) { tx in _ = try tx.update(.requestOffers, key: sweptOffer, ["state": "expired"]) }
        let afterSweep = await providerRequestError { try await world.commands.accept(providerId: world.providerA, requestId: swept, now: world.now) }
        #expect(afterSweep == .offerExpired)

        let cancelled = try world.request("Annulée")
        try world.offer(cancelled, to: world.providerA)
        try world.event(cancelled, .cancelled, by: .client)
        let afterCancel = await providerRequestError {
            try await world.commands.accept(providerId: world.providerA, requestId: cancelled, now: world.now)
        }
        #expect(afterCancel == .requestCancelled)

        let declined = try world.request("Déclinée")
        try world.offer(declined, to: world.providerA)
        _ = try await world.commands.decline(providerId: world.providerA, requestId: declined, reason: .agendaPlein, now: world.now)
        let afterDecline = await providerRequestError {
            try await world.commands.accept(providerId: world.providerA, requestId: declined, now: world.now)
        }
        #expect(afterDecline?.code == "offer_already_answered")

        #expect(try world.events(late).isEmpty)
        #expect(try world.events(cancelled).map(\.kind) == [.cancelled])
        #expect(try world.events(declined).map(\.kind) == [.declined])
    }

    @Test("an open offer on a declined request: the re-offer is recorded, then the accept applies")
    func acceptAfterReoffer() async throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA, ago: 20 * 60)
        _ = try await world.commands.decline(
            providerId: world.providerA, requestId: request, reason: .horsZone, now: world.now.addingTimeInterval(-900))
        try world.offer(request, to: world.providerB, ago: 5 * 60)  // routing offered again without a reoffered event
        let result = try await world.commands.accept(providerId: world.providerB, requestId: request, now: world.now)
        #expect(result.status == "acceptee")
        #expect(try world.events(request).map(\.kind) == [.declined, .reoffered, .accepted])
    }

    @Test("decline: reason and note kept; the request-level event only when no open offer remains")
    func decline() async throws {
        let world = try RequestsWorld()
        let request = try world.request()
        let offerA = try world.offer(request, to: world.providerA)
        try world.offer(request, to: world.providerB)
        let first = try await world.commands.decline(
            providerId: world.providerA, requestId: request, reason: .budgetInsuffisant, note: "  Le budget ne couvre pas le matériel ",
            now: world.now)
        #expect(first.status == "declinee" && first.offerState == "declined")
        #expect(try world.events(request).isEmpty)
        let row = try #require(try world.read { try Row.fetchOne($0, sql: "SELECT * FROM request_offers WHERE id = ?", arguments: [offerA]) })
        #expect(row["decline_reason"] as String == "budget_insuffisant")
        #expect(row["decline_note"] as String == "Le budget ne couvre pas le matériel")

        _ = try await world.commands.decline(providerId: world.providerB, requestId: request, reason: .indisponible, now: world.now)
        let events = try world.events(request)
        #expect(events.map(\.kind) == [.declined])
        #expect(events.first?.actorRole == .provider && events.first?.actorId == world.providerB && events.first?.reasonCode == "indisponible")

        let again = try await world.commands.decline(providerId: world.providerB, requestId: request, reason: .autre, now: world.now)
        #expect(again.replayed)
        #expect(try world.events(request).count == 1)
        let long = await providerRequestError {
            try await world.commands.decline(
                providerId: world.providerA, requestId: request, reason: .autre, note: String(repeating: "x", count: 501), now: world.now)
        }
        #expect(long?.field == "note" && long?.kind == .invalid)
    }

    @Test("every decline reason is stored as its code", arguments: DeclineReason.allCases)
    func declineReasons(reason: DeclineReason) async throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        _ = try await world.commands.decline(providerId: world.providerA, requestId: request, reason: reason, now: world.now)
        #expect(try world.count("SELECT count(*) FROM request_offers WHERE decline_reason = ?", [reason.rawValue]) == 1)
        #expect(try world.events(request).first?.reasonCode == reason.rawValue)
    }

    @Test("decline after accepting, after expiry")
    func refusedDeclines() async throws {
        let world = try RequestsWorld()
        let accepted = try world.request()
        try world.offer(accepted, to: world.providerA)
        _ = try await world.commands.accept(providerId: world.providerA, requestId: accepted, now: world.now)
        let afterAccept = await providerRequestError {
            try await world.commands.decline(providerId: world.providerA, requestId: accepted, reason: .agendaPlein, now: world.now)
        }
        #expect(afterAccept?.code == "action_not_allowed")
        let late = try world.request()
        try world.offer(late, to: world.providerA, ago: 3_600)
        let expired = await providerRequestError {
            try await world.commands.decline(providerId: world.providerA, requestId: late, reason: .autre, now: world.now)
        }
        #expect(expired?.code == "offer_expired")
    }

    @Test("mission steps move forward, skip, replay without a second event")
    func stages() async throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        _ = try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now)
        let arrived = try await world.commands.updateStatus(
            providerId: world.providerA, requestId: request, stage: .arrived, now: world.now.addingTimeInterval(600))
        #expect(arrived.status == "en_cours" && arrived.stage == "arrive")
        #expect(arrived.mission?.steps.map(\.done) == [true, true, false, false, false])
        let again = try await world.commands.updateStatus(
            providerId: world.providerA, requestId: request, stage: .arrived, now: world.now.addingTimeInterval(660))
        #expect(again.replayed)
        let done = try await world.commands.updateStatus(
            providerId: world.providerA, requestId: request, stage: .completed, note: "Joint changé", now: world.now.addingTimeInterval(3_600))
        #expect(done.status == "terminee" && done.statusLabel == "Terminée")
        #expect(done.mission?.steps.allSatisfy(\.done) == true)
        #expect(done.mission?.steps.last?.at == UTCTimestamp.format(world.now.addingTimeInterval(3_600)))
        #expect(try world.events(request).map(\.kind) == [.accepted, .arrived, .completed])
        #expect(MissionStage(code: "reparation") == .repairing && MissionStage(code: "diagnosed") == .diagnosed && MissionStage(code: "x") == nil)
    }

    @Test("a refused step says why in French and leaves no event", arguments: [MissionStage.arrived, .diagnosed, .repairing, .completed])
    func refusedSteps(stage: MissionStage) async throws {
        let world = try RequestsWorld()
        // Not accepted yet.
        let offered = try world.request()
        try world.offer(offered, to: world.providerA)
        let early = await providerRequestError {
            try await world.commands.updateStatus(providerId: world.providerA, requestId: offered, stage: stage, now: world.now)
        }
        #expect(early?.code == "illegal_transition" && early?.messageFR.hasPrefix("Mission pas encore acceptée") == true)
        #expect(try world.events(offered).isEmpty)

        // Cancelled by the client before any work.
        let cancelled = try world.request()
        try world.offer(cancelled, to: world.providerA, ago: 300)
        _ = try await world.commands.accept(providerId: world.providerA, requestId: cancelled, now: world.now.addingTimeInterval(-200))
        try world.event(cancelled, .cancelled, by: .client, at: world.now.addingTimeInterval(-100))
        let changes = try world.changeCount()
        let afterCancel = await providerRequestError {
            try await world.commands.updateStatus(providerId: world.providerA, requestId: cancelled, stage: stage, now: world.now)
        }
        #expect(afterCancel?.code == "illegal_transition" && afterCancel?.messageFR == "Étape signalée après l'annulation de la demande")
        #expect(try world.events(cancelled).map(\.kind) == [.accepted, .cancelled])
        #expect(try world.changeCount() == changes)
    }

    @Test("going back to a skipped stage is refused and leaves no event")
    func goingBack() async throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        _ = try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now)
        _ = try await world.commands.updateStatus(
            providerId: world.providerA, requestId: request, stage: .repairing, now: world.now.addingTimeInterval(60))
        let back = await providerRequestError {
            try await world.commands.updateStatus(
                providerId: world.providerA, requestId: request, stage: .diagnosed, now: world.now.addingTimeInterval(120))
        }
        #expect(back?.code == "illegal_transition")
        #expect(back?.messageFR == "Étape « Diagnostic » déjà dépassée : la mission en est à « Réparation »")
        #expect(try world.events(request).map(\.kind) == [.accepted, .repairing])
        #expect(try world.count("SELECT count(*) FROM missions WHERE request_id = ? AND status = 'reparation'", [request]) == 1)
    }
}
