import Foundation

/// Decides the next step of one request's offers from its state, its offers and the candidate providers.
///
/// Pure and deterministic: the hub that owns the zone runs it on every new request and at every sweep, in the order
/// it receives events (CONFLICTS.md rules 1–3); it reads no phone clock, only the hub's `now`. Running it again
/// after its step was applied, at the same `now`, gives an empty step.
///
/// The rules, in order:
/// 1. A request that is not Nouvelle or Déclinée is never offered again; its pending offers (other than the assigned
///    provider's) are withdrawn.
/// 2. Pending offers past `expires_at` expire. Pending offers of a provider now away, absent, suspended, or no longer
///    covering the service or zone are withdrawn, and their slots go to others ("Redirection automatique").
/// 3. Before the deadline, if an eligible provider in hours is a familiar client's provider with
///    `auto_accept_familiar_clients` on, the best ranked of them gets the request at once; other pending offers are
///    withdrawn.
/// 4. Otherwise, before the deadline, free slots (`parallelOffers` minus pending) are filled from the ranking, providers
///    in hours first, as far as the budget (`maxOffers`, withdrawn offers aside) allows.
/// 5. With nothing pending and nobody offered, the request expires (an `expired` event by the system: `declined` is a
///    provider's event) if its deadline passed, if its budget is spent, or if nobody could take it even later; else it
///    waits for the next sweep. Every provider having declined is the last case: declined providers are not asked
///    twice, so the request expires unless someone may still come back (hours, away mode, absence).
public enum OfferRouter {
    public static func step(
        request: OfferRequest, offers: [OfferRecord], candidates: [OfferCandidate], policy: OfferPolicy, now: Date
    ) -> OfferStep {
        var step = OfferStep(requestId: request.id, outcome: .offering)
        let pending = offers.filter { $0.state == .pending }.sorted { $0.rank < $1.rank }

        // 1. Closed requests.
        guard request.isRoutable else {
            step.outcome = .closed(request.status)
            for offer in pending where offer.providerId != request.assignedProviderId {
                step.withdrawals.append(.init(offerId: offer.id, providerId: offer.providerId, reason: .requestClosed(request.status)))
            }
            return step
        }

        // Each provider's offer of this request, from the offers themselves (the source of truth).
        var offerStates: [String: OfferState] = [:]
        for offer in offers.sorted(by: { $0.rank < $1.rank }) { offerStates[offer.providerId] = offer.state }
        var seen: Set<String> = []
        var verdicts: [(candidate: OfferCandidate, verdict: OfferVerdict)] = []
        for var candidate in candidates where seen.insert(candidate.providerId).inserted {
            candidate.offerState = offerStates[candidate.providerId]
            let verdict = OfferEligibility.check(candidate, request, at: now, urgentOutsideHours: policy.urgentOutsideWorkingHours)
            verdicts.append((candidate, verdict))
        }
        let verdictOf = Dictionary(verdicts.map { ($0.candidate.providerId, $0.verdict) }, uniquingKeysWith: { first, _ in first })

        // 2. Expiry and redirection of pending offers.
        var stillPending: [OfferRecord] = []
        for offer in pending {
            if offer.expiresAt <= now {
                step.expiredOfferIds.append(offer.id)
            } else if let reason = verdictOf[offer.providerId]?.reason, reason.withdrawsPendingOffer {
                step.withdrawals.append(.init(offerId: offer.id, providerId: offer.providerId, reason: .providerUnavailable(reason)))
            } else {
                stillPending.append(offer)
            }
        }

        let rule = policy.rule(for: request.urgency)
        let isOpen = now < policy.deadline(for: request)
        let window = policy.offerWindow(for: request.urgency)
        let nextRank = (offers.map(\.rank).max() ?? 0) + 1
        func offer(_ candidate: OfferCandidate, rank: Int, outsideHours: Bool) -> OfferStep.NewOffer {
            .init(providerId: candidate.providerId, rank: rank, offeredAt: now, expiresAt: now.addingTimeInterval(window), outsideHours: outsideHours)
        }
        let inHours = policy.ranking.sorted(verdicts.filter { $0.verdict == .eligible }.map(\.candidate))
        let outsideHours = policy.ranking.sorted(verdicts.filter { $0.verdict == .eligibleOutsideHours }.map(\.candidate))

        // 3. Automatic acceptance for a familiar client.
        if isOpen, let familiar = inHours.first(where: { $0.isFamiliarClient && $0.autoAcceptFamiliarClients }) {
            step.reoffer = request.status == .declinee
            step.autoAccept = offer(familiar, rank: nextRank, outsideHours: false)
            for offer in stillPending {
                step.withdrawals.append(.init(offerId: offer.id, providerId: offer.providerId, reason: .autoAccepted))
            }
            step.outcome = .autoAccepted(providerId: familiar.providerId)
            return step
        }

        // 4. Fill the free slots within the budget.
        let withdrawnNow = Set(step.withdrawals.map(\.offerId))
        let used = offers.filter { $0.offeredAt >= request.routingSince && $0.state != .withdrawn && !withdrawnNow.contains($0.id) }.count
        let budget = max(0, rule.maxOffers - used)
        let slots = max(0, rule.parallelOffers - stillPending.count)
        if isOpen {
            let picks = (inHours.map { ($0, false) } + outsideHours.map { ($0, true) }).prefix(min(slots, budget))
            for (index, pick) in picks.enumerated() {
                step.newOffers.append(offer(pick.0, rank: nextRank + index, outsideHours: pick.1))
            }
        }
        if !step.newOffers.isEmpty || !stillPending.isEmpty {
            // A Déclinée request with offers out goes back to Nouvelle, so that an accept of them is legal.
            step.reoffer = request.status == .declinee
            step.outcome = .offering
            return step
        }

        // 5. Nothing out: give up or wait.
        let mayComeLater = verdicts.contains { ($0.verdict.reason?.isTemporary ?? false) && $0.candidate.offerState == nil }
        if !isOpen {
            step.outcome = .expired(.deadlinePassed)
        } else if budget == 0 {
            step.outcome = .expired(.roundsExhausted)
        } else if !mayComeLater {
            let declined = offers.contains { $0.offeredAt >= request.routingSince && $0.state == .declined }
            step.outcome = .expired(declined ? .allDeclined : .noProvider)
        } else {
            step.outcome = .waiting
        }
        return step
    }

    /// Whether a provider's decline is also the request's `declined` event: only when no other offer of it is still
    /// pending at `now`. With parallel offers (urgent requests), a decline while others are out must not turn the
    /// request Déclinée, or a later accept by another provider would be refused by the fold.
    public static func declineEndsRequest(offers: [OfferRecord], decliningProviderId: String, now: Date) -> Bool {
        !offers.contains { $0.providerId != decliningProviderId && $0.state == .pending && $0.expiresAt > now }
    }
}
