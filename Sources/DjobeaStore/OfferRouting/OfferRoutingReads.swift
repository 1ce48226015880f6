import DjobeaDomain
import Foundation
import GRDB
import Logging

/// A request loaded for routing: the domain's view plus what the provider's notification shows.
struct RoutedRequest: Sendable {
    var request: OfferRequest
    var title: String
    var zoneName: String?
    var clientName: String?
    var budgetMin: Int?
    var budgetMax: Int?
}

/// The reads of offer routing: a handful of indexed queries per request, run inside the routing transaction so that
/// what is decided is what was read.
enum OfferRoutingReads {
    /// Requests that may need a step: Nouvelle or Déclinée (or no lifecycle row yet, as after a sync), and any request
    /// that still has a pending offer. Oldest first.
    ///
    /// - Parameter zoneIds: the zones this hub owns; nil for every zone in the database.
    static func routableRequestIds(zoneIds: Set<String>?, in db: Database) throws -> [String] {
        var zoneFilter = ""
        var arguments: [any DatabaseValueConvertible] = []
        if let zoneIds {
            guard !zoneIds.isEmpty else { return [] }
            zoneFilter = "AND r.zone_id IN (\(databaseQuestionMarks(count: zoneIds.count)))"
            arguments = zoneIds.sorted() + zoneIds.sorted()
        }
        return try String.fetchAll(
            db,
            sql: """
                SELECT id FROM (
                    SELECT r.id, r.created_at FROM service_requests r LEFT JOIN missions m ON m.request_id = r.id
                    WHERE (m.request_id IS NULL OR m.status IN (\([RequestStatus.nouvelle, .declinee].sqlList))) \(zoneFilter)
                    UNION
                    SELECT r.id, r.created_at FROM request_offers o JOIN service_requests r ON r.id = o.request_id
                    WHERE o.state = \(OfferState.pending.sqlLiteral) \(zoneFilter)
                ) ORDER BY created_at, id
                """,
            arguments: StatementArguments(arguments))
    }

    /// The request with its folded status; a request without a `missions` row gets one now (a local projection).
    static func request(id: String, now: Date, in db: Database) throws -> RoutedRequest? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT r.id, r.client_id, r.service_id, r.zone_id, r.urgency, r.created_at, r.wished_at, r.title,
                            r.budget_min, r.budget_max, z.name AS zone_name, c.name AS client_name,
                            m.status, m.provider_id AS assigned_provider_id,
                            (SELECT max(occurred_at) FROM mission_events e
                                WHERE e.request_id = r.id AND e.kind = \(MissionEventKind.reopened.sqlLiteral)) AS reopened_at
                        FROM service_requests r
                        LEFT JOIN zones z ON z.id = r.zone_id
                        LEFT JOIN clients c ON c.id = r.client_id
                        LEFT JOIN missions m ON m.request_id = r.id
                        WHERE r.id = ?
                        """), arguments: [id])
        else { return nil }
        let urgencyText: String = row["urgency"]
        guard let urgency = Urgency(rawValue: urgencyText), let createdAt = UTCTimestamp.parse(row["created_at"]) else {
            throw StoreError.invalid("service_requests \(id): unreadable urgency or created_at")
        }
        var status: RequestStatus
        var assigned: String? = row["assigned_provider_id"]
        if let text: String = row["status"], let folded = RequestStatus(rawValue: text) {
            status = folded
        } else {
            let state = try MissionProjection.refresh(requestId: id, in: db)
            status = state.status
            assigned = state.providerId
        }
        // A reopen restarts routing; a reopen stamped ahead of this hub's clock counts from now.
        let reopenedAt = (row["reopened_at"] as String?).flatMap(UTCTimestamp.parse).map { min($0, now) }
        let request = OfferRequest(
            id: id, clientId: row["client_id"], serviceId: row["service_id"], zoneId: row["zone_id"], urgency: urgency,
            createdAt: createdAt, wishedAt: (row["wished_at"] as String?).flatMap(UTCTimestamp.parse), status: status,
            assignedProviderId: assigned, routingSince: max(createdAt, reopenedAt ?? createdAt))
        return RoutedRequest(
            request: request, title: row["title"], zoneName: row["zone_name"], clientName: row["client_name"],
            budgetMin: row["budget_min"], budgetMax: row["budget_max"])
    }

    /// Every offer of the request, in rank order.
    static func offers(requestId: String, in db: Database) throws -> [OfferRecord] {
        try RequestOfferRecord.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM request_offers WHERE request_id = ? ORDER BY rank, id"), arguments: [requestId]
        ).map { offer in
            guard let offeredAt = UTCTimestamp.parse(offer.offeredAt), let expiresAt = UTCTimestamp.parse(offer.expiresAt) else {
                throw StoreError.invalid("request_offers \(offer.id): unreadable times")
            }
            return OfferRecord(
                id: offer.id, providerId: offer.providerId, rank: Int(offer.rank), offeredAt: offeredAt, expiresAt: expiresAt, state: offer.state)
        }
    }

    /// Providers of the request's service in its zone, and every provider already offered it, with their figures.
    ///
    /// Mean response time: offers of the last `responseHistory`, from offer to answer; an expired offer counts its
    /// whole window (not answering is slow), and an answer at the very instant of the offer (an automatic
    /// acceptance) is left out.
    static func candidates(for request: OfferRequest, now: Date, responseHistory: TimeInterval, logger: Logger, in db: Database) throws
        -> [OfferCandidate]
    {
        let nowText = UTCTimestamp.format(now)
        let urgencyList = "(\(Urgency.allCases.sqlList))"
        let answeredStates = "(\([OfferState.accepted, .declined].sqlList))"
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT p.id, p.level, p.away_mode, p.away_until,
                        -- A provider central moved to another hub (rule 14) gets no more offers here: read as suspended.
                        CASE WHEN EXISTS (SELECT 1 FROM partition_left pl WHERE pl.table_name = 'providers' AND pl.row_key = p.id)
                            THEN \(OfferCandidate.AccountStatus.suspended.sqlLiteral) ELSE p.account_status END AS account_status,
                        st.working_hours, coalesce(st.auto_accept_familiar_clients, 0) AS auto_accept,
                        (SELECT group_concat(service_id) FROM provider_services WHERE provider_id = p.id) AS service_ids,
                        (SELECT group_concat(zone_id) FROM provider_zones WHERE provider_id = p.id) AS zone_ids,
                        (SELECT avg(stars) FROM ratings WHERE provider_id = p.id) AS rating_average,
                        (SELECT count(*) FROM ratings WHERE provider_id = p.id) AS rating_count,
                        (SELECT count(*) FROM missions WHERE provider_id = p.id
                            AND status IN (\(RequestStatus.openMission.sqlList))) AS open_missions,
                        (SELECT avg((julianday(coalesce(o.answered_at, o.expires_at)) - julianday(o.offered_at)) * 1440.0)
                            FROM request_offers o WHERE o.provider_id = p.id AND o.offered_at >= ? AND o.offered_at < ?
                            AND ((o.state IN \(answeredStates) AND o.answered_at > o.offered_at) OR o.state = \(OfferState.expired.sqlLiteral))
                        ) AS response_minutes,
                        EXISTS (SELECT 1 FROM missions m JOIN service_requests r ON r.id = m.request_id
                            WHERE m.provider_id = p.id AND m.status = \(RequestStatus.terminee.sqlLiteral)
                                AND r.client_id = ? AND r.id <> ?) AS familiar,
                        (SELECT group_concat(starts_at || '/' || ends_at) FROM absences WHERE provider_id = p.id AND ends_at > ?) AS absences,
                        -- "Types de demandes à recevoir": urgencies and services; an empty list (or none of a kind) accepts all.
                        (coalesce(st.request_types, '[]') = '[]' OR (
                            (NOT EXISTS (SELECT 1 FROM json_each(st.request_types) j WHERE j.value IN \(urgencyList))
                                OR EXISTS (SELECT 1 FROM json_each(st.request_types) j WHERE j.value = ?))
                            AND (NOT EXISTS (SELECT 1 FROM json_each(st.request_types) j WHERE j.value NOT IN \(urgencyList))
                                OR EXISTS (SELECT 1 FROM json_each(st.request_types) j JOIN services s ON s.code = j.value WHERE s.id = ?))
                        )) AS wants_type
                    FROM providers p LEFT JOIN provider_settings st ON st.provider_id = p.id
                    WHERE (p.id IN (SELECT provider_id FROM provider_services WHERE service_id = ?)
                            AND p.id IN (SELECT provider_id FROM provider_zones WHERE zone_id = ?))
                        OR p.id IN (SELECT provider_id FROM request_offers WHERE request_id = ?)
                    ORDER BY p.id
                    """),
            arguments: [
                UTCTimestamp.format(now.addingTimeInterval(-responseHistory)), nowText, request.clientId, request.id, nowText,
                request.urgency.rawValue, request.serviceId, request.serviceId, request.zoneId, request.id,
            ])
        return rows.map { row in
            let providerId: String = row["id"]
            var hours = WorkingHours.seedDefault
            if let json: String = row["working_hours"] {
                if let parsed = WorkingHours(json: json) {
                    hours = parsed
                } else {
                    logger.warning("offers.working_hours.unreadable", metadata: ["provider": "\(providerId)"])
                }
            }
            return OfferCandidate(
                providerId: providerId, serviceIds: idSet(row["service_ids"]), zoneIds: idSet(row["zone_ids"]),
                level: ProviderLevel(rawValue: row["level"]) ?? .bronze, averageRating: row["rating_average"], ratingCount: row["rating_count"],
                averageResponseMinutes: row["response_minutes"], openMissions: row["open_missions"], workingHours: hours,
                absences: absences(row["absences"]), awayMode: row["away_mode"],
                awayUntil: (row["away_until"] as String?).flatMap(UTCTimestamp.parse),
                // An unknown status is treated as not active: routing never guesses in a provider's favour.
                accountStatus: OfferCandidate.AccountStatus(rawValue: row["account_status"]) ?? .suspended,
                isFamiliarClient: row["familiar"], autoAcceptFamiliarClients: row["auto_accept"], wantsRequestType: row["wants_type"])
        }
    }

    private static func idSet(_ text: String?) -> Set<String> {
        Set((text ?? "").split(separator: ",").map(String.init))
    }

    private static func absences(_ text: String?) -> [DateInterval] {
        (text ?? "").split(separator: ",").compactMap { pair in
            let bounds = pair.split(separator: "/")
            guard bounds.count == 2, let start = UTCTimestamp.parse(String(bounds[0])), let end = UTCTimestamp.parse(String(bounds[1])),
                end > start
            else { return nil }
            return DateInterval(start: start, end: end)
        }
    }
}
