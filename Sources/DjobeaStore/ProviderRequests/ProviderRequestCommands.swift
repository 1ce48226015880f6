import DjobeaDomain
import Foundation
import GRDB

/// The provider's actions on a request (seed §3 "Actions rapides", §4), each one write transaction.
///
/// Every command takes the calling provider and reaches the request only through `ProviderRequestAccess`: a
/// request neither offered nor assigned to them is `not_found`. Commands a phone's outbox may replay take an
/// `idempotencyKey`; a replay with the same key returns the first result, marked `replayed`, and writes nothing.
public struct ProviderRequestCommands: Sendable {
    public let database: NodeDatabase

    public init(database: NodeDatabase) {
        self.database = database
    }

    // MARK: - Accept

    /// Accepts the offer made to `providerId`: the `accepted` mission event, the offer answered, the other pending
    /// offers withdrawn, and a WhatsApp confirmation queued for the client.
    ///
    /// Accepting twice gives the same result and no second event. Refused with `offer_expired` past the offer's
    /// expiry, `already_assigned` when another provider has it, `request_cancelled` after the client cancelled.
    public func accept(providerId: String, requestId: String, idempotencyKey: String? = nil, now: Date = Date()) async throws
        -> ProviderCommandResult
    {
        try await run("accept", providerId, requestId, idempotencyKey, .critical, now) { tx, context in
            if context.isMine { return RequestCommandOutcome(replayed: true) }
            try Self.checkOfferOpen(context, now: now, expiredMessage: ProviderRequestError.offerExpired.messageFR)
            if context.missionStatus == .declinee || context.missionStatus == .expiree {
                // An open offer on a declined or expired request means the hub offered it again; record that
                // if routing has not, so that the accept applies.
                try tx.appendMissionEvent(requestId: context.requestId, kind: .reoffered, actorRole: .system)
            }
            try ProviderMissionStep.append(.accepted, context: context, in: tx) { conflict, before in
                switch (conflict.kind, before.status) {
                case (.alreadyAssigned, _): .alreadyAssigned
                case (_, .annulee): .requestCancelled
                case (_, .expiree): .offerExpired
                default: .illegalTransition(conflict.messageFR)
                }
            }
            if var offer = context.offer {
                offer.state = .accepted
                offer.answeredAt = UTCTimestamp.format(now)
                offer.seenAt = offer.seenAt ?? UTCTimestamp.format(now)
                try tx.update(offer, columns: [.state, .answeredAt, .seenAt])
            }
            let others = try RequestOfferRecord.fetchAll(
                tx.db, sql: "SELECT * FROM request_offers WHERE request_id = ? AND provider_id <> ? AND state = ? ORDER BY id",
                arguments: [context.requestId, context.providerId, OfferState.pending.rawValue])
            for var other in others {
                other.state = .withdrawn
                try tx.update(other, columns: [.state])
            }
            try Self.markRequestNotificationsSeen(context, tx: tx)
            let message = try ClientMessages.acceptance(context, in: tx)
            return RequestCommandOutcome(messageId: message)
        }
    }

    // MARK: - Decline

    /// Declines the offer with a reason and an optional note (≤ 500 characters).
    ///
    /// When no open offer of the request remains and nobody accepted it, the request-level `declined` event is
    /// appended (actor: this provider) so that routing offers it again. Declining twice changes nothing.
    public func decline(
        providerId: String, requestId: String, reason: DeclineReason, note: String? = nil, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> ProviderCommandResult {
        let note = try Self.text(note, field: "note", max: 500)
        return try await run("decline", providerId, requestId, idempotencyKey, .critical, now) { tx, context in
            if context.offer?.state == .declined { return RequestCommandOutcome(replayed: true) }
            if context.isMine {
                throw ProviderRequestError.actionNotAllowed("Demande déjà acceptée : contactez l'équipe Djobea pour vous désister")
            }
            try Self.checkOfferOpen(context, now: now, expiredMessage: "Offre expirée : plus de réponse attendue")
            guard var offer = context.offer else { throw ProviderRequestError.notFound }
            offer.state = .declined
            offer.answeredAt = UTCTimestamp.format(now)
            offer.seenAt = offer.seenAt ?? UTCTimestamp.format(now)
            offer.declineReason = reason
            offer.declineNote = note
            try tx.update(offer, columns: [.state, .answeredAt, .seenAt, .declineReason, .declineNote])
            try Self.markRequestNotificationsSeen(context, tx: tx)
            let open =
                try Int.fetchOne(
                    tx.db, sql: "SELECT count(*) FROM request_offers WHERE request_id = ? AND state = ? AND expires_at > ?",
                    arguments: [context.requestId, OfferState.pending.rawValue, UTCTimestamp.format(now)]) ?? 0
            if open == 0 && context.missionStatus == .nouvelle && context.assignedProviderId == nil {
                try ProviderMissionStep.append(.declined, context: context, reasonCode: reason.rawValue, note: note, in: tx) { conflict, _ in
                    .illegalTransition(conflict.messageFR)
                }
            }
            return RequestCommandOutcome()
        }
    }

    // MARK: - Mission progress

    /// Reports a work stage (Arrivé, Diagnostic, Réparation, Terminé) and returns the new state.
    ///
    /// The step is checked against the folded state first: a refused step throws `illegal_transition` with the
    /// fold's French message and leaves no event. A stage already recorded is a replay: no second event.
    public func updateStatus(
        providerId: String, requestId: String, stage: MissionStage, note: String? = nil, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> ProviderCommandResult {
        let note = try Self.text(note, field: "note", max: 1_000)
        return try await run("update_status", providerId, requestId, idempotencyKey, .critical, now) { tx, context in
            if context.isMine, let status = stage.eventKind.stage {
                let state = MissionStatusFold.fold(try MissionProjection.events(requestId: context.requestId, in: tx.db))
                if state.providerId == providerId, state.time(of: status) != nil, state.status.progressRank != nil {
                    return RequestCommandOutcome(replayed: true)
                }
            }
            try ProviderMissionStep.append(stage.eventKind, context: context, note: note, in: tx) { conflict, before in
                guard conflict.kind == .staleStage, let wanted = stage.eventKind.stage else { return .illegalTransition(conflict.messageFR) }
                // The fold's wording says the event is kept; here it is refused before being written.
                return .illegalTransition("Étape « \(wanted.labelFR) » déjà dépassée : la mission en est à « \(before.status.labelFR) »")
            }
            if stage == .completed { try tx.deriveCommission(requestId: context.requestId) }
            return RequestCommandOutcome()
        }
    }

    // MARK: - Running a command

    /// One transaction: replay lookup, access check, the command, the result, the replay record.
    func run(
        _ command: String, _ providerId: String, _ requestId: String, _ idempotencyKey: String?, _ durability: Durability, _ now: Date,
        _ body: @escaping @Sendable (SyncedTransaction, ProviderRequestContext) throws -> RequestCommandOutcome
    ) async throws -> ProviderCommandResult {
        let key = try RequestCommandReplay.check(idempotencyKey)
        return try await database.write(durability: durability, now: now) { tx in
            if let key,
                let replay = try RequestCommandReplay.lookup(
                    ProviderCommandResult.self, providerId: providerId, key: key, command: command, requestId: requestId, in: tx.db)
            {
                return replay
            }
            let context = try ProviderRequestAccess.require(providerId: providerId, requestId: requestId, now: now, in: tx.db)
            let outcome = try body(tx, context)
            let result = try Self.result(command, outcome, providerId: providerId, requestId: requestId, now: now, in: tx.db)
            if let key, !outcome.replayed { try RequestCommandReplay.store(result, providerId: providerId, key: key, now: now, in: tx.db) }
            return result
        }
    }

    static func result(
        _ command: String, _ outcome: RequestCommandOutcome, providerId: String, requestId: String, now: Date, in db: Database
    ) throws -> ProviderCommandResult {
        let after = try ProviderRequestAccess.require(providerId: providerId, requestId: requestId, now: now, in: db)
        var mission: MissionProgress?
        if after.isMine {
            let events = try MissionProjection.events(requestId: requestId, in: db)
            mission = MissionProgress(MissionStatusFold.fold(events), events: events, providerId: providerId)
        }
        return ProviderCommandResult(
            command: command, requestId: requestId, status: after.view.group.rawValue, stage: after.view.rawValue, statusLabel: after.statusLabel,
            mission: mission, offerState: after.offer?.state.rawValue, messageId: outcome.messageId, proposalId: outcome.proposalId,
            callId: outcome.callId, recordedAt: UTCTimestamp.format(now), replayed: outcome.replayed)
    }

    // MARK: - Checks

    /// Throws unless the offer to this provider is pending, unexpired, and the request still open.
    static func checkOfferOpen(_ context: ProviderRequestContext, now: Date, expiredMessage: String) throws {
        let expired = ProviderRequestError(code: "offer_expired", messageFR: expiredMessage, kind: .conflict)
        if context.missionStatus == .annulee { throw ProviderRequestError.requestCancelled }
        if let assigned = context.assignedProviderId, assigned != context.providerId { throw ProviderRequestError.alreadyAssigned }
        guard let offer = context.offer else { throw ProviderRequestError.actionNotAllowed("Aucune offre pour cette demande") }
        switch offer.state {
        case .pending:
            guard let expiresAt = UTCTimestamp.parse(offer.expiresAt), expiresAt > now else { throw expired }
        case .expired: throw expired
        case .declined: throw ProviderRequestError.offerAlreadyAnswered("Vous avez déjà décliné cette demande")
        case .accepted, .withdrawn: throw ProviderRequestError.actionNotAllowed("Offre retirée : la demande ne vous est plus proposée")
        }
        guard context.offerIsOpen else { throw ProviderRequestError.actionNotAllowed("Demande fermée : action impossible") }
    }

    /// A trimmed optional text, nil when empty; throws past `max` characters.
    static func text(_ value: String?, field: String, max: Int) throws -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        guard trimmed.count <= max else { throw ProviderRequestError.invalid(field, "Texte trop long : \(max) caractères au plus") }
        return trimmed
    }

    /// The request's offer notifications for this provider are answered: mark them seen.
    static func markRequestNotificationsSeen(_ context: ProviderRequestContext, tx: SyncedTransaction) throws {
        let kinds: [NotificationKind] = [.newRequest, .urgentRequest, .offerWaiting]
        let notifications = try NotificationRecord.fetchAll(
            tx.db,
            sql: """
                SELECT * FROM notifications WHERE provider_id = ? AND request_id = ? AND seen_at IS NULL AND kind IN (?, ?, ?) ORDER BY id
                """, arguments: StatementArguments([context.providerId, context.requestId] + kinds.map(\.rawValue)))
        for var notification in notifications {
            notification.seenAt = UTCTimestamp.format(tx.now)
            try tx.update(notification, columns: [.seenAt])
        }
    }
}

/// Appending a provider's mission event only if the fold would apply it.
enum ProviderMissionStep {
    /// Folds the current events plus the would-be event; throws `refusal(conflict, stateBefore)` if the fold keeps
    /// it as a conflict, so that no refused event is ever written. Checked again after the append (the
    /// transaction then rolls back) in case the stamp orders differently from the rehearsal.
    @discardableResult
    static func append(
        _ kind: MissionEventKind, context: ProviderRequestContext, reasonCode: String? = nil, note: String? = nil, in tx: SyncedTransaction,
        refusal: (MissionConflict, MissionState) -> ProviderRequestError
    ) throws -> MissionState {
        let events = try MissionProjection.events(requestId: context.requestId, in: tx.db)
        let before = MissionStatusFold.fold(events)
        let id = DjobeaID.v7(now: tx.now)
        let rehearsal = MissionEvent(
            id: id, requestId: context.requestId, kind: kind, actorRole: .provider, actorId: context.providerId,
            providerId: context.providerId, hlc: tx.stamp(), originNode: tx.origin, reasonCode: reasonCode, note: note)
        if let conflict = MissionStatusFold.fold(events + [rehearsal]).conflicts.first(where: { $0.eventId == id }) {
            throw refusal(conflict, before)
        }
        let (_, state) = try tx.appendMissionEvent(
            requestId: context.requestId, kind: kind, actorRole: .provider, actorId: context.providerId, providerId: context.providerId,
            reasonCode: reasonCode, note: note, id: id)
        if let conflict = state.conflicts.first(where: { $0.eventId == id }) { throw refusal(conflict, before) }
        return state
    }
}
