import DjobeaDomain
import Foundation
import GRDB

/// Which way a call went.
public enum CallDirection: String, Codable, Sendable, CaseIterable {
    case out, `in`, missed
}

extension ProviderRequestCommands {
    // MARK: - Messages

    /// Sends a quick reply (seed §4) on a request assigned to `providerId`.
    ///
    /// - Parameters:
    ///   - templateCode: a `reply` template (the provider's own first, else the catalogue's); its `{variables}` are
    ///     filled from the request (`client`, `prestataire`, `titre`, `service`, `zone`) and `variables` (`minutes`…).
    ///   - body: the text as the provider edited it; replaces the template's text. One of the two is required.
    ///   - variables: values for the template's other variables, 1...100 characters each.
    public func sendMessage(
        providerId: String, requestId: String, templateCode: String?, body: String? = nil, variables: [String: String] = [:],
        idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> ProviderCommandResult {
        try await run("message", providerId, requestId, idempotencyKey, .standard, now) { tx, context in
            guard context.isMine else {
                throw ProviderRequestError.actionNotAllowed("Messagerie disponible après l'acceptation de la demande")
            }
            var text = body
            if let templateCode {
                guard let template = try ClientMessages.template(code: templateCode, kind: "reply", providerId: providerId, in: tx.db) else {
                    throw ProviderRequestError.invalid("template_code", "Modèle de message inconnu")
                }
                text = try ClientMessages.fill(body ?? template, context: context, extra: variables, in: tx.db)
            }
            guard let text else { throw ProviderRequestError.invalid("body", "Message vide") }
            return RequestCommandOutcome(messageId: try ClientMessages.queue(text, templateCode: templateCode, context: context, in: tx))
        }
    }

    /// "Demander précisions": a question template (kind `question`) or the provider's own question (≤ 500
    /// characters), while the offer is open or the mission not finished.
    public func askForDetails(
        providerId: String, requestId: String, questionCode: String?, customQuestion: String? = nil, idempotencyKey: String? = nil,
        now: Date = Date()
    ) async throws -> ProviderCommandResult {
        let custom = try Self.text(customQuestion, field: "custom_question", max: 500)
        guard (questionCode == nil) != (custom == nil) else {
            throw ProviderRequestError.invalid("question_code", "Choisissez une question type ou écrivez votre question")
        }
        return try await run("ask_details", providerId, requestId, idempotencyKey, .standard, now) { tx, context in
            guard context.offerIsOpen || (context.isMine && !context.missionStatus.isTerminal) else {
                throw ProviderRequestError.actionNotAllowed("Demande fermée : plus de question possible")
            }
            var text = custom
            if let questionCode {
                guard let template = try ClientMessages.template(code: questionCode, kind: "question", providerId: providerId, in: tx.db) else {
                    throw ProviderRequestError.invalid("question_code", "Question type inconnue")
                }
                text = try ClientMessages.fill(template, context: context, extra: [:], in: tx.db)
            }
            let id = try ClientMessages.queue(text ?? "", templateCode: questionCode ?? "question_libre", context: context, in: tx)
            return RequestCommandOutcome(messageId: id)
        }
    }

    // MARK: - Postpone

    /// "Reporter": proposes a new slot to the client, as a `slot_proposals` row and a WhatsApp message in Douala time
    /// ("Je vous propose mardi 2 décembre entre 9 h et 11 h."). The slot must start in the future, within 60 days,
    /// and last at most 12 hours. A newer proposal supersedes the previous one.
    public func postpone(
        providerId: String, requestId: String, proposedStart: Date, proposedEnd: Date, note: String? = nil, idempotencyKey: String? = nil,
        now: Date = Date()
    ) async throws -> ProviderCommandResult {
        let note = try Self.text(note, field: "note", max: 500)
        guard proposedStart > now else { throw ProviderRequestError.invalid("proposed_start", "Le créneau proposé doit être dans le futur") }
        guard proposedStart <= now.addingTimeInterval(60 * 86_400) else {
            throw ProviderRequestError.invalid("proposed_start", "Créneau trop lointain : 60 jours au plus")
        }
        guard proposedEnd > proposedStart, proposedEnd.timeIntervalSince(proposedStart) <= 12 * 3_600 else {
            throw ProviderRequestError.invalid("proposed_end", "La fin du créneau doit suivre le début, 12 heures au plus")
        }
        return try await run("postpone", providerId, requestId, idempotencyKey, .standard, now) { tx, context in
            guard context.offerIsOpen || (context.isMine && context.missionStatus == .acceptee) else {
                throw ProviderRequestError.actionNotAllowed("Report impossible : la mission a commencé ou la demande est fermée")
            }
            let slot = ProviderRequestWording.slot(start: proposedStart, end: proposedEnd)
            let body = "Je vous propose \(slot)." + (note.map { " " + $0 } ?? "")
            let providerName = try String.fetchOne(tx.db, sql: "SELECT name FROM providers WHERE id = ?", arguments: [providerId]) ?? ""
            let messageId = try ClientMessages.queue(
                body, templateCode: "report_creneau", context: context,
                template: (WhatsAppTemplates.slotProposal.name, [providerName, context.title, slot]), in: tx)
            // `slot_proposals` is hub-local: plain SQL, no change log.
            try tx.db.execute(
                sql: """
                    UPDATE slot_proposals SET state = \(SlotProposalState.superseded.sqlLiteral)
                    WHERE request_id = ? AND provider_id = ? AND state = \(SlotProposalState.proposed.sqlLiteral)
                    """,
                arguments: [requestId, providerId])
            let id = DjobeaID.v7(now: now)
            try SlotProposalRecord(
                id: id, requestId: requestId, providerId: providerId, proposedStart: UTCTimestamp.format(proposedStart),
                proposedEnd: UTCTimestamp.format(proposedEnd), note: note, messageId: messageId, state: .proposed, createdAt: UTCTimestamp.format(now)
            ).insert(tx.db)
            return RequestCommandOutcome(messageId: messageId, proposalId: id)
        }
    }

    // MARK: - Calls

    /// Logs a call with the client of a request assigned to `providerId`.
    ///
    /// `startedAt` within the last 30 days (5 minutes of clock skew allowed), duration 0...4 h (0 for a missed
    /// call), note ≤ 2000 characters.
    public func recordCall(
        providerId: String, requestId: String, direction: CallDirection, startedAt: Date, durationSeconds: Int, note: String? = nil,
        idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> ProviderCommandResult {
        let note = try Self.text(note, field: "note", max: 2_000)
        guard startedAt <= now.addingTimeInterval(5 * 60), startedAt >= now.addingTimeInterval(-30 * 86_400) else {
            throw ProviderRequestError.invalid("started_at", "Heure d'appel invalide")
        }
        guard (0...14_400).contains(durationSeconds), direction != .missed || durationSeconds == 0 else {
            throw ProviderRequestError.invalid("duration_seconds", "Durée d'appel invalide")
        }
        return try await run("record_call", providerId, requestId, idempotencyKey, .standard, now) { tx, context in
            guard context.isMine else { throw ProviderRequestError.actionNotAllowed("Appel possible après l'acceptation de la demande") }
            let id = DjobeaID.v7(now: now)
            try tx.insert(
                CallLogRecord(
                    id: id, providerId: providerId, clientId: context.clientId, requestId: requestId, direction: direction,
                    startedAt: UTCTimestamp.format(startedAt), durationSeconds: Int64(durationSeconds), note: note))
            return RequestCommandOutcome(callId: id)
        }
    }

    /// Writes or clears the note after a call ("Notes post-appel"). A call of another provider or request is `not_found`.
    public func updateCallNote(providerId: String, requestId: String, callId: String, note: String?, now: Date = Date()) async throws
        -> ProviderCommandResult
    {
        let note = try Self.text(note, field: "note", max: 2_000)
        return try await run("update_call_note", providerId, requestId, nil, .standard, now) { tx, _ in
            guard
                var call = try CallLogRecord.fetchOne(
                    tx.db, sql: "SELECT * FROM call_logs WHERE id = ? AND provider_id = ? AND request_id = ?",
                    arguments: [callId, providerId, requestId])
            else { throw ProviderRequestError.notFound }
            call.note = note
            try tx.update(call, columns: [.note])
            return RequestCommandOutcome(callId: callId)
        }
    }
}
