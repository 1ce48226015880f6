import DjobeaDomain
import Foundation

extension SyncedTransaction {
    /// Writes one routing step: offer states, new offers and their notifications, and the request-level events.
    ///
    /// Order matters for the fold: a `reoffered` event comes before an automatic `accepted`. Every row goes through
    /// the change log. Returns the request's state after the step's events, or nil when it appended none.
    @discardableResult
    func apply(_ step: OfferStep, to routed: RoutedRequest) throws -> MissionState? {
        let requestId = routed.request.id
        for offerId in step.expiredOfferIds {
            try update(.requestOffers, key: offerId, ["state": "expired"])
        }
        for withdrawal in step.withdrawals {
            try update(.requestOffers, key: withdrawal.offerId, ["state": "withdrawn"])
        }
        var state: MissionState?
        if step.reoffer {
            state = try appendMissionEvent(requestId: requestId, kind: .reoffered, actorRole: .system).state
        }
        for offer in step.newOffers {
            try insertOffer(offer, requestId: requestId, state: .pending)
            try notifyOffer(offer, routed)
        }
        if let offer = step.autoAccept {
            try insertOffer(offer, requestId: requestId, state: .accepted)
            // The provider chose this in their settings, so the event is theirs; the reason code says it was automatic.
            state =
                try appendMissionEvent(
                    requestId: requestId, kind: .accepted, actorRole: .provider, actorId: offer.providerId, providerId: offer.providerId,
                    reasonCode: "auto_accept"
                ).state
            try notify(
                providerId: offer.providerId, kind: "system", requestId: requestId, title: "Demande acceptée pour vous : \(routed.title)",
                body: "\(routed.clientName ?? "Votre client") vous a déjà confié une mission : la demande vous est attribuée "
                    + "(acceptation automatique activée).")
        }
        if let expiry = step.requestExpiry {
            state = try appendMissionEvent(requestId: requestId, kind: .expired, actorRole: .system, reasonCode: expiry.rawValue, note: expiry.noteFR)
                .state
        }
        return state
    }

    private func insertOffer(_ offer: OfferStep.NewOffer, requestId: String, state: OfferState) throws {
        try insert(
            .requestOffers,
            [
                "id": .text(DjobeaID.v7(now: now)), "request_id": .text(requestId), "provider_id": .text(offer.providerId),
                "rank": ColumnValue(offer.rank), "offered_at": ColumnValue(offer.offeredAt), "expires_at": ColumnValue(offer.expiresAt),
                "state": .text(state.rawValue), "answered_at": state == .accepted ? ColumnValue(offer.offeredAt) : .null,
            ])
    }

    private func notifyOffer(_ offer: OfferStep.NewOffer, _ routed: RoutedRequest) throws {
        let urgent = routed.request.urgency == .urgent
        let budget: String
        switch (routed.budgetMin, routed.budgetMax) {
        case (let low?, let high?): budget = "\(XAF(low).formatted) – \(XAF(high).formatted)"
        case (nil, let high?): budget = "jusqu'à \(XAF(high).formatted)"
        case (let low?, nil): budget = "à partir de \(XAF(low).formatted)"
        case (nil, nil): budget = "budget à discuter"
        }
        let body = [routed.zoneName, budget, routed.request.urgency.labelFR].compactMap { $0 }.joined(separator: " · ")
        try notify(
            providerId: offer.providerId, kind: urgent ? "urgent_request" : "new_request", requestId: routed.request.id,
            title: urgent ? "Demande urgente : \(routed.title)" : "Nouvelle demande : \(routed.title)", body: body)
    }

    private func notify(providerId: String, kind: String, requestId: String, title: String, body: String) throws {
        try insert(
            .notifications,
            [
                "id": .text(DjobeaID.v7(now: now)), "provider_id": .text(providerId), "kind": .text(kind), "request_id": .text(requestId),
                "title": .text(title), "body": .text(body), "created_at": ColumnValue(now),
            ])
    }
}
