import DjobeaDomain
import Foundation
import GRDB

/// The provider's requests: the filtered list and the request card. Reads only what `ProviderRequestAccess`
/// lets the calling provider see.
public enum ProviderRequestsQuery {
    // MARK: - List

    /// One page of the requests offered or assigned to `providerId`, filtered and sorted.
    ///
    /// - Parameters:
    ///   - filter: status groups are the provider's view (an offer they declined lists as "declinee" even if
    ///     another provider took the request).
    ///   - page: page ≥ 1, 1...100 per page.
    ///   - now: the time that decides which offers are still open and the "il y a …" phrases.
    /// - Throws: `ProviderRequestError` `invalid_parameter` for a bad filter or page.
    public static func list(
        providerId: String, filter: ProviderRequestFilter = ProviderRequestFilter(), page: ProviderRequestPaging = ProviderRequestPaging(),
        now: Date, in db: Database
    ) throws -> ProviderRequestPage {
        try page.check()
        try filter.checkCodes()
        let range = try filter.createdRange()
        let search = try filter.searchText()
        guard DjobeaID.isValid(providerId) else {
            return ProviderRequestPage(items: [], page: page.page, pageSize: page.pageSize, total: 0, totalPages: 0)
        }

        var conditions: [String] = []
        var arguments: [String: (any DatabaseValueConvertible)?] = ["provider": providerId, "now": UTCTimestamp.format(now)]
        func oneOf(_ column: String, _ values: [String], _ prefix: String) {
            guard !values.isEmpty else { return }
            let names = values.indices.map { "\(prefix)\($0)" }
            for (name, value) in zip(names, values) { arguments[name] = value }
            conditions.append("\(column) IN (\(names.map { ":" + $0 }.joined(separator: ", ")))")
        }
        oneOf("view_status", filter.statuses.flatMap { $0.statuses.map(\.rawValue) }, "st")
        oneOf("urgency", filter.urgencies.map(\.rawValue), "ur")
        oneOf("service_code", filter.serviceCodes, "sv")
        oneOf("zone_code", filter.zoneCodes, "zn")
        if let start = range.start {
            conditions.append("created_at >= :from")
            arguments["from"] = UTCTimestamp.format(start)
        }
        if let end = range.end {
            conditions.append("created_at < :to")
            arguments["to"] = UTCTimestamp.format(end)
        }
        if let search {
            let escaped = search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            arguments["q"] = "%" + escaped + "%"
            conditions.append("(title LIKE :q ESCAPE '\\' OR description LIKE :q ESCAPE '\\' OR address LIKE :q ESCAPE '\\')")
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let order =
            switch filter.sort {
            case .createdDesc: "created_at DESC, id DESC"
            case .createdAsc: "created_at ASC, id ASC"
            case .urgency:
                "CASE urgency WHEN \(Urgency.urgent.sqlLiteral) THEN 0 WHEN \(Urgency.aujourdhui.sqlLiteral) THEN 1 "
                    + "WHEN \(Urgency.cetteSemaine.sqlLiteral) THEN 2 ELSE 3 END, created_at DESC, id DESC"
            }
        let base = "SELECT * FROM (\(ProviderRequestAccess.visibleSQL)) \(whereClause)"
        let statementArguments = StatementArguments(arguments)
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM (\(base))", arguments: statementArguments) ?? 0
        var pageArguments = arguments
        pageArguments["limit"] = page.pageSize
        pageArguments["offset"] = (page.page - 1) * page.pageSize
        let rows = try Row.fetchAll(
            db, sql: "\(base) ORDER BY \(order) LIMIT :limit OFFSET :offset", arguments: StatementArguments(pageArguments))
        let items = try rows.map { try ProviderRequestAccess.context(from: $0, providerId: providerId).item(now: now) }
        return ProviderRequestPage(
            items: items, page: page.page, pageSize: page.pageSize, total: total, totalPages: (total + page.pageSize - 1) / page.pageSize)
    }

    // MARK: - By id

    /// The list items of `requestIds` that `providerId` may see, newest first (`created_at DESC, id DESC`, as the
    /// list's default order). Ids the provider may not see, unknown or malformed ids are left out.
    public static func items(providerId: String, requestIds: some Collection<String>, now: Date, in db: Database) throws
        -> [ProviderRequestItem]
    {
        let ids = requestIds.filter(DjobeaID.isValid)
        guard DjobeaID.isValid(providerId), !ids.isEmpty else { return [] }
        let json = String(decoding: try JSONEncoder().encode(Array(Set(ids)).sorted()), as: UTF8.self)
        return try visibleItems(
            providerId: providerId, condition: "id IN (SELECT value FROM json_each(:ids))", arguments: ["ids": json], now: now, in: db)
    }

    /// Up to `limit` visible items, newest first, strictly after the item `(createdAt, id)` in that order when given:
    /// keyset paging, which neither skips nor repeats an item when requests appear or change between pages.
    static func items(providerId: String, after key: (createdAt: String, id: String)?, limit: Int, now: Date, in db: Database) throws
        -> [ProviderRequestItem]
    {
        guard DjobeaID.isValid(providerId) else { return [] }
        var arguments: [String: (any DatabaseValueConvertible)?] = ["limit": limit]
        var condition: String?
        if let key {
            condition = "(created_at < :after_created OR (created_at = :after_created AND id < :after_id))"
            arguments["after_created"] = key.createdAt
            arguments["after_id"] = key.id
        }
        return try visibleItems(providerId: providerId, condition: condition, arguments: arguments, limit: true, now: now, in: db)
    }

    /// The visible requests of `providerId` matching `condition` (over `visibleSQL`'s columns), newest first.
    private static func visibleItems(
        providerId: String, condition: String?, arguments extra: [String: (any DatabaseValueConvertible)?], limit: Bool = false, now: Date,
        in db: Database
    ) throws -> [ProviderRequestItem] {
        var arguments: [String: (any DatabaseValueConvertible)?] = ["provider": providerId, "now": UTCTimestamp.format(now)]
        arguments.merge(extra) { _, new in new }
        let whereClause = condition.map { "WHERE " + $0 } ?? ""
        let sql =
            "SELECT * FROM (\(ProviderRequestAccess.visibleSQL)) \(whereClause) ORDER BY created_at DESC, id DESC\(limit ? " LIMIT :limit" : "")"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map {
            try ProviderRequestAccess.context(from: $0, providerId: providerId).item(now: now)
        }
    }

    // MARK: - Detail

    /// The request card, or nil when the request does not exist or is neither offered nor assigned to `providerId`.
    public static func detail(providerId: String, requestId: String, now: Date, in db: Database) throws -> ProviderRequestDetail? {
        guard let context = try ProviderRequestAccess.load(providerId: providerId, requestId: requestId, now: now, in: db) else { return nil }
        return try detail(context, now: now, in: db)
    }

    static func detail(_ context: ProviderRequestContext, now: Date, in db: Database) throws -> ProviderRequestDetail {
        let request = context.requestId
        let provider = context.providerId
        let reputation = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT (SELECT count(*) FROM service_requests WHERE client_id = :client) AS requests,
                        (SELECT avg(stars) FROM ratings WHERE client_id = :client) AS stars,
                        (SELECT count(*) FROM ratings WHERE client_id = :client) AS ratings
                    """), arguments: ["client": context.clientId])
        let requests: Int = reputation?["requests"] ?? 0
        let ratings: Int = reputation?["ratings"] ?? 0
        let stars: Double? = reputation?["stars"]
        let client = ProviderRequestDetail.Client(
            name: context.clientName, firstName: ProviderRequestWording.firstName(context.clientName),
            phone: context.isMine ? context.clientPhone : ProviderRequestWording.maskedPhone(context.clientPhone), phoneVisible: context.isMine,
            requestsCount: requests, averageStarsGiven: stars.map { ($0 * 10).rounded() / 10 }, ratingsGiven: ratings,
            reputationLabel: ProviderRequestWording.clientReputation(averageStars: stars, ratings: ratings, requests: requests))

        var mission: MissionProgress?
        var state: MissionState?
        if context.isMine {
            let events = try MissionProjection.events(requestId: request, in: db)
            let folded = MissionStatusFold.fold(events)
            state = folded
            mission = MissionProgress(folded, events: events, providerId: provider)
        }
        let mine: StatementArguments = ["request": request, "provider": provider]
        let materials = try MissionMaterialRecord.fetchAll(
            db.cachedStatement(
                sql: "SELECT * FROM mission_materials WHERE request_id = :request AND provider_id = :provider ORDER BY recorded_at, id"),
            arguments: mine
        ).map(ProviderRequestDetail.Material.init)
        let photos = try PhotoRecord.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT * FROM photos WHERE request_id = :request AND (provider_id IS NULL OR provider_id = :provider)
                        AND kind <> \(PhotoKind.profile.sqlLiteral) ORDER BY taken_at, id
                    """), arguments: mine
        ).map { photo in
            ProviderRequestDetail.Photo(
                id: photo.id, kind: photo.kind.rawValue, sha256: photo.sha256, thumbSha256: photo.thumbSha256, mime: photo.mime,
                width: Int(photo.width), height: Int(photo.height), takenAt: photo.takenAt)
        }
        // The latest 200 messages, oldest first.
        let messages = try MessageRecord.fetchAll(
            db.cachedStatement(
                sql: "SELECT * FROM messages WHERE request_id = :request AND provider_id = :provider ORDER BY sent_at DESC, id DESC LIMIT 200"),
            arguments: mine
        ).reversed().map { message in
            ProviderRequestDetail.Message(
                id: message.id, direction: message.direction.rawValue, channel: message.channel.rawValue, templateCode: message.templateCode,
                body: message.body, sentAt: message.sentAt, deliveryStatus: message.deliveryStatus.rawValue,
                deliveryLabel: message.direction == .incoming ? "Reçu" : message.deliveryStatus.labelFR, statusReason: message.statusReason,
                statusAt: message.statusAt)
        }
        let calls = try CallLogRecord.fetchAll(
            db.cachedStatement(
                sql: "SELECT * FROM call_logs WHERE request_id = :request AND provider_id = :provider ORDER BY started_at, id"),
            arguments: mine
        ).map { call in
            let seconds = Int(call.durationSeconds)
            return ProviderRequestDetail.Call(
                id: call.id, direction: call.direction.rawValue, startedAt: call.startedAt, durationSeconds: seconds,
                durationLabel: ProviderRequestWording.duration(seconds: seconds), note: call.note)
        }
        let slots = try SlotProposalRecord.fetchAll(
            db.cachedStatement(
                sql: "SELECT * FROM slot_proposals WHERE request_id = :request AND provider_id = :provider ORDER BY created_at, id"),
            arguments: mine
        ).map(slotProposal(from:))
        return ProviderRequestDetail(
            summary: context.item(now: now), client: client, address: context.address, description: context.description,
            wishedTime: ProviderRequestDetail.WishedTime(
                label: context.wishedTimeLabel ?? (context.urgency == .urgent ? "Dès que possible" : context.urgency.labelFR),
                at: context.wishedAt),
            mission: mission, materials: materials, photos: photos, messages: Array(messages), calls: calls, slotProposals: slots,
            actions: context.allowedActions(missionStatus: state?.status),
            timer: context.isMine ? try MissionTimer.load(providerId: provider, requestId: request, now: now, in: db) : .empty,
            invoice: context.isMine ? try ProviderRequestCommands.invoiceSummary(providerId: provider, requestId: request, now: now, in: db) : nil)
    }

    static func slotProposal(from record: SlotProposalRecord) -> ProviderRequestDetail.SlotProposal {
        let (start, end) = (record.proposedStart, record.proposedEnd)
        let label = UTCTimestamp.parse(start).flatMap { from in UTCTimestamp.parse(end).map { ProviderRequestWording.slot(start: from, end: $0) } }
        return ProviderRequestDetail.SlotProposal(
            id: record.id, proposedStart: start, proposedEnd: end, label: label ?? "", note: record.note, state: record.state.rawValue,
            messageId: record.messageId, createdAt: record.createdAt)
    }
}

extension ProviderRequestContext {
    /// The card's buttons: accept/decline while the offer is open; the next stages, call and message once assigned.
    ///
    /// - Parameter missionStatus: the freshly folded status when known, else the `missions` projection's.
    func allowedActions(missionStatus folded: RequestStatus? = nil) -> [ProviderRequestAction] {
        if offerIsOpen { return [.accept, .decline, .askDetails, .postpone] }
        guard isMine else { return [] }
        let status = folded ?? missionStatus
        var actions = MissionStage.allCases.filter { MissionLifecycle.transition(from: status, kind: $0.eventKind, reopenTo: nil) != nil }
            .map(\.action)
        actions += [.call, .message]
        if !status.isTerminal { actions.append(.askDetails) }
        if status == .acceptee { actions.append(.postpone) }
        return actions
    }
}
