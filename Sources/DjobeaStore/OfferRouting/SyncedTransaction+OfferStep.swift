import DjobeaDomain
import Foundation
import GRDB

extension SyncedTransaction {
    /// Writes one routing step: offer states, new offers and their notifications, and the request-level events.
    ///
    /// Order matters for the fold: a `reoffered` event comes before an automatic `accepted`. Every row goes through
    /// the change log. Returns the request's state after the step's events, or nil when it appended none.
    @discardableResult
    func apply(_ step: OfferStep, to routed: RoutedRequest) throws -> MissionState? {
        let requestId = routed.request.id
        for offerId in step.expiredOfferIds {
            try setOffer(offerId, state: .expired)
        }
        for withdrawal in step.withdrawals {
            try setOffer(withdrawal.offerId, state: .withdrawn)
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
                providerId: offer.providerId, kind: .system, requestId: requestId, title: "Demande acceptée pour vous : \(routed.title)",
                body: "\(routed.clientName ?? "Votre client") vous a déjà confié une mission : la demande vous est attribuée "
                    + "(acceptation automatique activée).")
        }
        if let expiry = step.requestExpiry {
            state = try appendMissionEvent(requestId: requestId, kind: .expired, actorRole: .system, reasonCode: expiry.rawValue, note: expiry.noteFR)
                .state
        }
        return state
    }

    private func setOffer(_ offerId: String, state: OfferState) throws {
        guard var offer = try RequestOfferRecord.fetchOne(db, sql: "SELECT * FROM request_offers WHERE id = ?", arguments: [offerId]) else {
            throw StoreError.rowNotFound(table: SyncedTable.requestOffers.rawValue, key: offerId)
        }
        offer.state = state
        try update(offer, columns: [.state])
    }

    private func insertOffer(_ offer: OfferStep.NewOffer, requestId: String, state: OfferState) throws {
        let offeredAt = UTCTimestamp.format(offer.offeredAt)
        try insert(
            RequestOfferRecord(
                id: DjobeaID.v7(now: now), requestId: requestId, providerId: offer.providerId, rank: Int64(offer.rank), offeredAt: offeredAt,
                expiresAt: UTCTimestamp.format(offer.expiresAt), state: state, answeredAt: state == .accepted ? offeredAt : nil, seenAt: nil,
                declineReason: nil, declineNote: nil))
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
            providerId: offer.providerId, kind: urgent ? .urgentRequest : .newRequest, requestId: routed.request.id,
            title: urgent ? "Demande urgente : \(routed.title)" : "Nouvelle demande : \(routed.title)", body: body)
    }

    private func notify(providerId: String, kind: NotificationKind, requestId: String, title: String, body: String) throws {
        try insert(
            NotificationRecord(
                id: DjobeaID.v7(now: now), providerId: providerId, kind: kind, requestId: requestId, title: title, body: body,
                createdAt: UTCTimestamp.format(now), seenAt: nil))
    }
}
