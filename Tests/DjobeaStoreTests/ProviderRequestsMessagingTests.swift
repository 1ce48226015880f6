import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Provider requests: messages, questions, new slots, calls")
struct ProviderRequestsMessagingTests {
    /// A world with one request accepted by provider A.
    private func accepted() async throws -> (RequestsWorld, String) {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        _ = try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now)
        return (world, request)
    }

    private func message(_ world: RequestsWorld, _ id: String?) throws -> Row {
        try #require(try world.read { try Row.fetchOne($0, sql: "SELECT * FROM messages WHERE id = ?", arguments: [id]) })
    }

    @Test("a quick reply from the seed's templates is queued on WhatsApp")
    func quickReply() async throws {
        let (world, request) = try await accepted()
        let result = try await world.commands.sendMessage(
            providerId: world.providerA, requestId: request, templateCode: "arrive_15min", now: world.now.addingTimeInterval(60))
        let row = try message(world, result.messageId)
        #expect(row["body"] as String == "J'arrive dans 15 minutes")
        #expect(row["direction"] as String == "out" && row["channel"] as String == "whatsapp" && row["delivery_status"] as String == "queued")
        #expect(row["template_code"] as String == "arrive_15min")
        #expect(row["sent_at"] as String == UTCTimestamp.format(world.now.addingTimeInterval(60)))
    }

    @Test("template variables are filled; a missing one is refused")
    func variables() async throws {
        let (world, request) = try await accepted()
        let filled = try await world.commands.sendMessage(
            providerId: world.providerA, requestId: request, templateCode: "arrive_dans", variables: ["minutes": "20"], now: world.now)
        #expect(try message(world, filled.messageId)["body"] as String == "Bonjour Awa, j'arrive dans 20 minutes")
        let missing = await providerRequestError {
            try await world.commands.sendMessage(providerId: world.providerA, requestId: request, templateCode: "arrive_dans", now: world.now)
        }
        #expect(missing?.field == "variables" && missing?.messageFR == "Valeur manquante pour {minutes}")
        let edited = try await world.commands.sendMessage(
            providerId: world.providerA, requestId: request, templateCode: "arrive_15min", body: "J'arrive dans 5 minutes, {client} !", now: world.now
        )
        #expect(try message(world, edited.messageId)["body"] as String == "J'arrive dans 5 minutes, Awa !")
        let free = try await world.commands.sendMessage(
            providerId: world.providerA, requestId: request, templateCode: nil, body: "Je suis devant le portail {bleu}", now: world.now)
        #expect(try message(world, free.messageId)["body"] as String == "Je suis devant le portail {bleu}")
    }

    @Test("bad messages: unknown template, empty, too long, before acceptance")
    func refusedMessages() async throws {
        let (world, request) = try await accepted()
        let unknown = await providerRequestError {
            try await world.commands.sendMessage(providerId: world.providerA, requestId: request, templateCode: "inconnu", now: world.now)
        }
        #expect(unknown?.field == "template_code")
        let empty = await providerRequestError {
            try await world.commands.sendMessage(providerId: world.providerA, requestId: request, templateCode: nil, body: "   ", now: world.now)
        }
        #expect(empty?.field == "body")
        let long = await providerRequestError {
            try await world.commands.sendMessage(
                providerId: world.providerA, requestId: request, templateCode: nil, body: String(repeating: "é", count: 1_001), now: world.now)
        }
        #expect(long?.field == "body")
        let offered = try world.request("Autre")
        try world.offer(offered, to: world.providerA)
        let early = await providerRequestError {
            try await world.commands.sendMessage(providerId: world.providerA, requestId: offered, templateCode: "arrive_15min", now: world.now)
        }
        #expect(early?.code == "action_not_allowed" && early?.kind == .conflict)
        #expect(try world.count("SELECT count(*) FROM messages WHERE template_code <> 'acceptation'") == 0)
    }

    @Test("ask for details with a question template or one's own question, even before accepting")
    func askForDetails() async throws {
        let world = try RequestsWorld()
        let request = try world.request()
        try world.offer(request, to: world.providerA)
        let asked = try await world.commands.askForDetails(
            providerId: world.providerA, requestId: request, questionCode: "question_photo", now: world.now)
        #expect(try message(world, asked.messageId)["body"] as String == "Pouvez-vous m'envoyer une photo du problème ?")
        let own = try await world.commands.askForDetails(
            providerId: world.providerA, requestId: request, questionCode: nil, customQuestion: "Le compteur est-il accessible ?", now: world.now)
        let row = try message(world, own.messageId)
        #expect(row["template_code"] as String == "question_libre" && row["body"] as String == "Le compteur est-il accessible ?")
        let both = await providerRequestError {
            try await world.commands.askForDetails(
                providerId: world.providerA, requestId: request, questionCode: "question_photo", customQuestion: "Et ça ?", now: world.now)
        }
        #expect(both?.field == "question_code")
        let reply = await providerRequestError {
            try await world.commands.askForDetails(providerId: world.providerA, requestId: request, questionCode: "arrive_15min", now: world.now)
        }
        #expect(reply?.field == "question_code")
    }

    @Test("postpone: a new slot in Douala time, a message to the client, the previous proposal superseded")
    func postpone() async throws {
        let (world, request) = try await accepted()
        let start = RequestsWorld.at("2026-12-02T08:00:00.000Z")
        let first = try await world.commands.postpone(
            providerId: world.providerA, requestId: request, proposedStart: start, proposedEnd: start.addingTimeInterval(7_200), now: world.now)
        #expect(try message(world, first.messageId)["body"] as String == "Je vous propose mercredi 2 décembre entre 9 h et 11 h.")
        let second = try await world.commands.postpone(
            providerId: world.providerA, requestId: request, proposedStart: start.addingTimeInterval(86_400),
            proposedEnd: start.addingTimeInterval(86_400 + 3_600), note: "Je passe avec la pièce.", now: world.now)
        #expect(
            try message(world, second.messageId)["body"] as String == "Je vous propose jeudi 3 décembre entre 9 h et 10 h. Je passe avec la pièce.")
        let card = try #require(try world.detail(world.providerA, request))
        #expect(card.slotProposals.map(\.state) == ["superseded", "proposed"])
        #expect(card.slotProposals.last?.id == second.proposalId)
        #expect(card.slotProposals.first?.label == "mercredi 2 décembre entre 9 h et 11 h")
    }

    @Test("postpone refuses a past, far or inverted slot, and a mission under way")
    func refusedSlots() async throws {
        let (world, request) = try await accepted()
        func field(_ start: Date, _ end: Date) async -> String? {
            await providerRequestError {
                try await world.commands.postpone(
                    providerId: world.providerA, requestId: request, proposedStart: start, proposedEnd: end, now: world.now)
            }?.field
        }
        #expect(await field(world.now.addingTimeInterval(-60), world.now.addingTimeInterval(3_600)) == "proposed_start")
        #expect(await field(world.now.addingTimeInterval(61 * 86_400), world.now.addingTimeInterval(61 * 86_400 + 3_600)) == "proposed_start")
        #expect(await field(world.now.addingTimeInterval(7_200), world.now.addingTimeInterval(3_600)) == "proposed_end")
        #expect(await field(world.now.addingTimeInterval(3_600), world.now.addingTimeInterval(3_600 + 13 * 3_600)) == "proposed_end")
        _ = try await world.commands.updateStatus(providerId: world.providerA, requestId: request, stage: .arrived, now: world.now)
        let started = await providerRequestError {
            try await world.commands.postpone(
                providerId: world.providerA, requestId: request, proposedStart: world.now.addingTimeInterval(86_400),
                proposedEnd: world.now.addingTimeInterval(90_000), now: world.now)
        }
        #expect(started?.code == "action_not_allowed")
        #expect(try world.count("SELECT count(*) FROM slot_proposals") == 0)
    }

    @Test("calls: logged with duration, note updated, bad input refused")
    func calls() async throws {
        let (world, request) = try await accepted()
        let call = try await world.commands.recordCall(
            providerId: world.providerA, requestId: request, direction: .missed, startedAt: world.now, durationSeconds: 0, now: world.now)
        let callId = try #require(call.callId)
        _ = try await world.commands.updateCallNote(
            providerId: world.providerA, requestId: request, callId: callId, note: "Rappeler après 18 h", now: world.now)
        #expect(try world.detail(world.providerA, request)?.calls.first?.note == "Rappeler après 18 h")
        let missedWithDuration = await providerRequestError {
            try await world.commands.recordCall(
                providerId: world.providerA, requestId: request, direction: .missed, startedAt: world.now, durationSeconds: 30, now: world.now)
        }
        #expect(missedWithDuration?.field == "duration_seconds")
        let future = await providerRequestError {
            try await world.commands.recordCall(
                providerId: world.providerA, requestId: request, direction: .out, startedAt: world.now.addingTimeInterval(3_600), durationSeconds: 30,
                now: world.now)
        }
        #expect(future?.field == "started_at")
        let otherRequest = try world.request("Autre")
        try world.offer(otherRequest, to: world.providerA)
        let wrongRequest = await providerRequestError {
            try await world.commands.updateCallNote(providerId: world.providerA, requestId: otherRequest, callId: callId, note: "x", now: world.now)
        }
        #expect(wrongRequest == .notFound)
    }
}
