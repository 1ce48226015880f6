import DjobeaDomain
import Foundation
import GRDB

/// What one provider may see of one request, read in one query: the only door to a request in this area.
///
/// A provider sees a request only if it was OFFERED to them (a `request_offers` row) or is ASSIGNED to them
/// (`missions.provider_id`); `visibleSQL` starts from exactly those rows, so nothing else can come out of it.
struct ProviderRequestContext: Sendable {
    var providerId: String
    var requestId: String
    var title: String
    var description: String
    var address: String
    var urgency: Urgency
    var budgetMin: Int?
    var budgetMax: Int?
    var wishedTimeLabel: String?
    var wishedAt: String?
    var createdAt: String
    var service: CodeName
    var zone: CodeName
    var clientId: String
    var clientName: String
    var clientPhone: String
    var missionStatus: RequestStatus
    var assignedProviderId: String?
    /// The offer of the request to this provider, as stored.
    var offer: RequestOfferRecord?
    /// The status as this provider sees it (see `visibleSQL`).
    var view: RequestStatus

    /// The request is assigned to this provider.
    var isMine: Bool { assignedProviderId == providerId }

    /// The offer to this provider waits for an answer and may still be accepted.
    var offerIsOpen: Bool { view == .nouvelle && offer?.state == .pending && !isMine }

    var statusLabel: String {
        guard view == .expiree else { return view.labelFR }
        if let assigned = assignedProviderId, assigned != providerId { return "Attribuée à un autre prestataire" }
        if offer?.state == .withdrawn || offer?.state == .accepted { return "Offre retirée" }
        return view.labelFR
    }

    /// The list line.
    func item(now: Date) -> ProviderRequestItem {
        let created = UTCTimestamp.parse(createdAt) ?? now
        return ProviderRequestItem(
            id: requestId, title: title, service: service, zone: zone, urgency: CodeLabel(code: urgency.rawValue, label: urgency.labelFR),
            status: view.group.rawValue, stage: view.rawValue, statusLabel: statusLabel, createdAt: createdAt,
            askedAgo: ProviderRequestWording.ago(created, now: now), budgetMin: budgetMin, budgetMax: budgetMax,
            budgetLabel: ProviderRequestWording.budget(min: budgetMin, max: budgetMax),
            clientFirstName: ProviderRequestWording.firstName(clientName), offerId: offer?.id, offerUnseen: offer.map { $0.seenAt == nil } ?? false,
            offerExpiresAt: offerIsOpen ? offer?.expiresAt : nil)
    }

    /// The title as client messages quote it: at most 80 characters, cut with "…".
    var shortTitle: String { title.count > 80 ? String(title.prefix(79)) + "…" : title }
}

enum ProviderRequestAccess {
    /// Every request visible to `:provider`, with its provider view in `view_status`. Named arguments: `provider`, `now`.
    ///
    /// The provider's view: their own mission's status once assigned to them; otherwise their offer decides
    /// (declined → declinee, expired → expiree even if someone else took the request); a cancelled request is
    /// annulee; an open offer (pending, not past its expiry, nobody assigned) is nouvelle; anything else
    /// (withdrawn, taken by another provider, past expiry) is expiree.
    static let visibleSQL = visible(oneRequest: false)

    /// `visibleSQL`, or with `oneRequest` only the request named `:request` (an index lookup, not the provider's whole list).
    static func visible(oneRequest: Bool) -> String {
        let only = oneRequest ? " AND request_id = :request" : ""
        return """
            SELECT r.id, r.title, r.description, r.address, r.urgency, r.budget_min, r.budget_max, r.wished_time_label, r.wished_at,
                r.created_at, s.code AS service_code, s.name_fr AS service_name, z.code AS zone_code, z.name AS zone_name,
                c.id AS client_id, c.name AS client_name, c.phone AS client_phone,
                m.status AS mission_status, m.provider_id AS assigned_provider_id,
                o.id AS offer_id, o.rank AS offer_rank, o.state AS offer_state, o.offered_at, o.expires_at, o.seen_at, o.answered_at, o.decline_reason,
                o.decline_note,
                CASE
                    WHEN m.provider_id = :provider THEN m.status
                    WHEN o.state = \(OfferState.declined.sqlLiteral) THEN \(RequestStatus.declinee.sqlLiteral)
                    WHEN o.state = \(OfferState.expired.sqlLiteral) THEN \(RequestStatus.expiree.sqlLiteral)
                    WHEN m.status = \(RequestStatus.annulee.sqlLiteral) THEN \(RequestStatus.annulee.sqlLiteral)
                    WHEN o.state = \(OfferState.pending.sqlLiteral) AND m.provider_id IS NULL
                        AND m.status IN (\([RequestStatus.nouvelle, .declinee, .expiree].sqlList))
                        AND o.expires_at > :now THEN \(RequestStatus.nouvelle.sqlLiteral)
                    ELSE \(RequestStatus.expiree.sqlLiteral)
                END AS view_status
            FROM (
                SELECT request_id FROM request_offers WHERE provider_id = :provider\(only)
                UNION SELECT request_id FROM missions WHERE provider_id = :provider\(only)
            ) AS mine
            JOIN service_requests r ON r.id = mine.request_id
            JOIN missions m ON m.request_id = r.id
            JOIN services s ON s.id = r.service_id
            JOIN zones z ON z.id = r.zone_id
            JOIN clients c ON c.id = r.client_id
            LEFT JOIN request_offers o ON o.request_id = r.id AND o.provider_id = :provider
            """
    }

    private static let oneRequestSQL = visible(oneRequest: true)

    /// The request as `providerId` may see it, or nil: unknown id, malformed id and someone else's request alike.
    static func load(providerId: String, requestId: String, now: Date, in db: Database) throws -> ProviderRequestContext? {
        guard DjobeaID.isValid(requestId), DjobeaID.isValid(providerId) else { return nil }
        let row = try Row.fetchOne(
            db.cachedStatement(sql: oneRequestSQL),
            arguments: ["provider": providerId, "now": UTCTimestamp.format(now), "request": requestId])
        return try row.map { try context(from: $0, providerId: providerId) }
    }

    /// Like `load`, throwing `not_found` instead of returning nil.
    static func require(providerId: String, requestId: String, now: Date, in db: Database) throws -> ProviderRequestContext {
        guard let context = try load(providerId: providerId, requestId: requestId, now: now, in: db) else {
            throw ProviderRequestError.notFound
        }
        return context
    }

    static func context(from row: Row, providerId: String) throws -> ProviderRequestContext {
        let urgencyText: String = row["urgency"]
        let missionText: String = row["mission_status"]
        let viewText: String = row["view_status"]
        guard let urgency = Urgency(rawValue: urgencyText), let mission = RequestStatus(rawValue: missionText),
            let view = RequestStatus(rawValue: viewText)
        else { throw StoreError.invalid("service_requests: unknown urgency \(urgencyText) or status \(missionText)") }
        var offer: RequestOfferRecord?
        if let offerId: String = row["offer_id"] {
            let stateText: String = row["offer_state"]
            let reasonText: String? = row["decline_reason"]
            guard let state = OfferState(rawValue: stateText) else { throw StoreError.invalid("request_offers: unknown state \(stateText)") }
            let reason = try reasonText.map {
                guard let reason = DeclineReason(rawValue: $0) else { throw StoreError.invalid("request_offers: unknown decline reason \($0)") }
                return reason
            }
            offer = RequestOfferRecord(
                id: offerId, requestId: row["id"], providerId: providerId, rank: row["offer_rank"], offeredAt: row["offered_at"],
                expiresAt: row["expires_at"], state: state, answeredAt: row["answered_at"], seenAt: row["seen_at"], declineReason: reason,
                declineNote: row["decline_note"])
        }
        return ProviderRequestContext(
            providerId: providerId, requestId: row["id"], title: row["title"], description: row["description"], address: row["address"],
            urgency: urgency, budgetMin: row["budget_min"], budgetMax: row["budget_max"], wishedTimeLabel: row["wished_time_label"],
            wishedAt: row["wished_at"], createdAt: row["created_at"],
            service: CodeName(code: row["service_code"], name: row["service_name"]), zone: CodeName(code: row["zone_code"], name: row["zone_name"]),
            clientId: row["client_id"], clientName: row["client_name"], clientPhone: row["client_phone"], missionStatus: mission,
            assignedProviderId: row["assigned_provider_id"], offer: offer, view: view)
    }
}
