import DjobeaDomain
import Foundation
import GRDB

/// Where a provider's copy of their requests stands, as `GET /provider/changes` hands it out and takes it back.
///
/// The text form is opaque to clients but readable in logs:
/// - `d:<seq>`: the copy holds every change of the node's change log up to local sequence `seq`; ask for what came after.
/// - `f:<seq>:<created_at>,<id>`: a full load started at `seq` and has delivered every visible request down to the item
///   `(created_at, id)` in newest-first order; ask for the next page.
public enum ProviderChangesCursor: Sendable, Hashable {
    case delta(seq: Int64)
    case full(seq: Int64, afterCreatedAt: String, afterId: String)

    /// The cursor in `text`, or nil when it is absent or not one this node hands out (the caller then starts a full load).
    public init?(_ text: String?) {
        guard let text, !text.isEmpty, text.utf8.count <= 120 else { return nil }
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let seq = Int64(parts[1]), seq >= 0, parts[1].allSatisfy(\.isASCII) else { return nil }
        switch (parts[0], parts.count) {
        case ("d", 2):
            self = .delta(seq: seq)
        case ("f", 3):
            let key = parts[2]
            guard let comma = key.lastIndex(of: ",") else { return nil }
            let createdAt = String(key[..<comma])
            let id = String(key[key.index(after: comma)...])
            guard DjobeaID.isValid(id), createdAt.count <= 40, UTCTimestamp.parse(createdAt) != nil else { return nil }
            self = .full(seq: seq, afterCreatedAt: createdAt, afterId: id)
        default:
            return nil
        }
    }

    public var text: String {
        switch self {
        case .delta(let seq): "d:\(seq)"
        case .full(let seq, let createdAt, let id): "f:\(seq):\(createdAt),\(id)"
        }
    }

    var seq: Int64 {
        switch self {
        case .delta(let seq), .full(let seq, _, _): seq
        }
    }
}

/// The screens of the app, besides the requests, whose data a change made stale.
public enum ProviderScreen: String, Codable, Sendable, CaseIterable {
    case dashboard, finance, profile, notifications
}

/// The answer of `GET /provider/changes`: what changed in the provider's requests since a cursor.
public struct ProviderChanges: Codable, Sendable, Hashable {
    /// Where to ask from next time (see `ProviderChangesCursor`).
    public var cursor: String
    /// True: a full load; once `more` is false, the app's copy is exactly the requests of the pages of this load (drop the
    /// others). False: apply `requests` (replace by id) and `removed` (delete) to the copy.
    public var full: Bool
    /// More changes (or more pages of a full load) wait: ask again at once with `cursor`.
    public var more: Bool
    /// Requests new or changed, as `GET /provider/requests` lists them, newest first.
    public var requests: [ProviderRequestItem]
    /// Requests the provider saw before and may no longer see (assigned to someone else without an offer to them…).
    public var removed: [String]
    /// Other screens whose data changed: `dashboard`, `finance`, `profile`, `notifications` (`ProviderScreen`).
    public var touched: [String]
}

/// Reads the provider's requests by delta over the node's change log (`change_log.local_seq`), which numbers every
/// local write and every applied remote change.
///
/// A request has changed since `seq` when its own row or a row hanging from it (offers, mission events, messages,
/// calls, photos, materials, work sessions, quotes, ledger entries, invoices, ratings) or its client has a change-log
/// entry after `seq`. The derived `missions` table is not logged; the mission events it folds are. Only requests that
/// `ProviderRequestAccess` lets the provider see are listed; ids in `removed` are only those the provider was linked to
/// (an offer or a mission event naming them), so a feed never names another provider's request.
///
/// Time alone changes nothing here: an open offer that passes its expiry stays `nouvelle` in the app (which knows
/// `offer_expires_at`) until the offer sweep marks it expired, a logged write that the next delta carries.
public enum ProviderChangesQuery {
    public static let defaultLimit = 200
    public static let maxLimit = 500
    /// At most this many change-log entries are examined per answer; a longer gap is served in several answers (`more`).
    static let maxScan: Int64 = 50_000

    /// Tables whose rows carry the `request_id` of the request they belong to.
    static let requestTables = [
        "request_offers", "mission_events", "messages", "call_logs", "photos", "mission_materials", "mission_work_sessions", "quotes",
        "ledger_entries", "invoices", "ratings", "collections", "credit_notes",
    ]
    /// Tables whose changes make a screen stale, when they concern the provider.
    static let financeTables = ["ledger_entries", "invoices", "quotes", "credit_notes"]
    static let profileTables = [
        "provider_settings", "absences", "provider_zones", "provider_services", "provider_certifications", "provider_credentials",
    ]
    static let dashboardTables = ["goals", "badges", "ratings"]

    /// The changes of `providerId`'s requests after `cursor` (nil or unreadable: a full load), at most `limit` requests.
    ///
    /// - Throws: `ProviderRequestError` `invalid_parameter` when `limit` is outside 1...500.
    public static func changes(providerId: String, cursor: ProviderChangesCursor?, limit: Int = defaultLimit, now: Date, in db: Database) throws
        -> ProviderChanges
    {
        guard (1...maxLimit).contains(limit) else {
            throw ProviderRequestError.invalid("limit", "Nombre de demandes par réponse invalide : entre 1 et \(maxLimit)")
        }
        let head = try Int64.fetchOne(db, sql: "SELECT max(local_seq) FROM change_log") ?? 0
        let oldest = try Int64.fetchOne(db, sql: "SELECT min(local_seq) FROM change_log") ?? 0
        // A cursor from the future (another database, a restored backup) or older than the log still holds: start over.
        let usable = cursor.flatMap { cursor -> ProviderChangesCursor? in
            guard cursor.seq <= head, oldest == 0 || cursor.seq >= oldest - 1 else { return nil }
            return cursor
        }
        switch usable {
        case .delta(let seq):
            return try delta(providerId: providerId, since: seq, head: head, limit: limit, now: now, in: db)
        case .full(let seq, let createdAt, let id):
            return try fullPage(providerId: providerId, seq: seq, after: (createdAt, id), limit: limit, now: now, in: db)
        case nil:
            return try fullPage(providerId: providerId, seq: head, after: nil, limit: limit, now: now, in: db)
        }
    }

    /// One page of a full load: visible requests newest first, after `after`.
    static func fullPage(
        providerId: String, seq: Int64, after: (createdAt: String, id: String)?, limit: Int, now: Date, in db: Database
    ) throws -> ProviderChanges {
        var items = try ProviderRequestsQuery.items(providerId: providerId, after: after, limit: limit + 1, now: now, in: db)
        let more = items.count > limit
        if more { items.removeLast() }
        let cursor: ProviderChangesCursor =
            if more, let last = items.last { .full(seq: seq, afterCreatedAt: last.createdAt, afterId: last.id) } else { .delta(seq: seq) }
        return ProviderChanges(
            cursor: cursor.text, full: true, more: more, requests: items, removed: [],
            touched: after == nil ? ProviderScreen.allCases.map(\.rawValue) : [])
    }

    /// The requests changed after `since`, up to `limit` of them, and the screens touched in the same stretch of the log.
    static func delta(providerId: String, since: Int64, head: Int64, limit: Int, now: Date, in db: Database) throws -> ProviderChanges {
        guard DjobeaID.isValid(providerId) else {
            return ProviderChanges(
                cursor: ProviderChangesCursor.delta(seq: head).text, full: false, more: false, requests: [], removed: [], touched: [])
        }
        let window = min(head, since + maxScan)
        let arguments: StatementArguments = ["since": since, "until": window, "provider": providerId]
        // Every request touched in (since, window], with the first sequence that touched it and whether a touching row
        // names this provider (an offer to them, an event about them, even if that row is gone since).
        let tables = requestTables.map { "'\($0)'" }.joined(separator: ", ")
        let touches = try Row.fetchAll(
            db,
            sql: """
                WITH log AS (
                    SELECT local_seq, table_name, row_key, columns FROM change_log WHERE local_seq > :since AND local_seq <= :until AND held = 0 AND quarantined = 0
                ), touch(request_id, seq, provider_id) AS (
                    SELECT row_key, local_seq, NULL FROM log WHERE table_name = 'service_requests'
                    UNION ALL
                    SELECT coalesce(json_extract(log.columns, '$.request_id'),
                            (SELECT json_extract(c.columns, '$.request_id') FROM change_log c
                             WHERE c.table_name = log.table_name AND c.row_key = log.row_key
                                AND json_extract(c.columns, '$.request_id') IS NOT NULL LIMIT 1)),
                        local_seq,
                        coalesce(json_extract(log.columns, '$.provider_id'),
                            (SELECT json_extract(c.columns, '$.provider_id') FROM change_log c
                             WHERE c.table_name = log.table_name AND c.row_key = log.row_key
                                AND json_extract(c.columns, '$.provider_id') IS NOT NULL LIMIT 1))
                    FROM log WHERE table_name IN (\(tables))
                    UNION ALL
                    SELECT r.id, log.local_seq, NULL FROM log JOIN service_requests r ON r.client_id = log.row_key
                    WHERE log.table_name = 'clients'
                )
                SELECT request_id, min(seq) AS first_seq, max(provider_id = :provider) AS names_me
                FROM touch WHERE request_id IS NOT NULL GROUP BY request_id
                """, arguments: arguments)
        // Keep the touched requests this provider sees or saw; the rest are other providers' business.
        let candidateIds = touches.map { $0["request_id"] as String }
        let visible = try ProviderRequestsQuery.items(providerId: providerId, requestIds: candidateIds, now: now, in: db)
        let visibleIds = Set(visible.map(\.id))
        var relevant: [(id: String, first: Int64)] = []
        for row in touches {
            let id: String = row["request_id"]
            let first: Int64 = row["first_seq"]
            let namesMe: Bool = row["names_me"] ?? false
            let linked = visibleIds.contains(id) || namesMe
            if try linked || wasLinked(providerId: providerId, requestId: id, in: db) { relevant.append((id, first)) }
        }
        relevant.sort { ($0.first, $0.id) < ($1.first, $1.id) }
        // Serve the requests first touched up to `through`: all of them when they fit in `limit`, else the longest run
        // of whole sequence numbers that fits (at least one sequence number, to always move on).
        var through = window
        var served = relevant
        if relevant.count > limit {
            // Sorted by first sequence: every request first touched before `cut` is in the first `limit`.
            let cut = relevant[limit].first
            if relevant[0].first < cut {
                served = relevant.filter { $0.first < cut }
                through = cut - 1
            } else {
                served = relevant.filter { $0.first == cut }
                through = cut
            }
        }
        let servedIds = Set(served.map(\.id))
        let requests = visible.filter { servedIds.contains($0.id) }
        let removed = served.map(\.id).filter { !visibleIds.contains($0) }.sorted()
        var touched = try screens(providerId: providerId, since: since, through: through, in: db)
        if !requests.isEmpty || !removed.isEmpty { touched.insert(.dashboard) }
        return ProviderChanges(
            cursor: ProviderChangesCursor.delta(seq: through).text, full: false, more: through < head, requests: requests, removed: removed,
            touched: ProviderScreen.allCases.filter(touched.contains).map(\.rawValue))
    }

    /// Whether `providerId` was ever offered or assigned `requestId` (mission events are append-only; offers are kept).
    static func wasLinked(providerId: String, requestId: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT EXISTS (SELECT 1 FROM mission_events WHERE request_id = :request AND provider_id = :provider)
                        OR EXISTS (SELECT 1 FROM request_offers WHERE request_id = :request AND provider_id = :provider)
                    """), arguments: ["request": requestId, "provider": providerId]) ?? false
    }

    /// The screens other than the requests that changes in `(since, through]` made stale for `providerId`.
    static func screens(providerId: String, since: Int64, through: Int64, in db: Database) throws -> Set<ProviderScreen> {
        guard through > since else { return [] }
        let list = { (names: [String]) in names.map { "'\($0)'" }.joined(separator: ", ") }
        let rows = try Row.fetchAll(
            db,
            sql: """
                WITH log AS (
                    SELECT table_name, row_key, columns FROM change_log WHERE local_seq > :since AND local_seq <= :until AND held = 0 AND quarantined = 0
                        AND table_name IN ('providers', 'notifications', 'commission_rates', 'invoice_lines', 'payment_reminders',
                            \(list(financeTables + profileTables + dashboardTables)))
                )
                SELECT DISTINCT table_name FROM log
                WHERE table_name = 'commission_rates'
                    OR (table_name = 'providers' AND row_key = :provider)
                    OR (table_name IN ('invoice_lines', 'payment_reminders') AND EXISTS (
                        SELECT 1 FROM invoices i WHERE i.provider_id = :provider
                            AND i.id = coalesce(json_extract(log.columns, '$.invoice_id'),
                                (SELECT json_extract(c.columns, '$.invoice_id') FROM change_log c
                                 WHERE c.table_name = log.table_name AND c.row_key = log.row_key
                                    AND json_extract(c.columns, '$.invoice_id') IS NOT NULL LIMIT 1))))
                    OR coalesce(json_extract(log.columns, '$.provider_id'),
                        (SELECT json_extract(c.columns, '$.provider_id') FROM change_log c
                         WHERE c.table_name = log.table_name AND c.row_key = log.row_key
                            AND json_extract(c.columns, '$.provider_id') IS NOT NULL LIMIT 1)) = :provider
                """, arguments: ["since": since, "until": through, "provider": providerId])
        var screens: Set<ProviderScreen> = []
        for row in rows {
            let table: String = row["table_name"]
            if table == "notifications" { screens.insert(.notifications) }
            if table == "providers" || profileTables.contains(table) { screens.insert(.profile) }
            if financeTables.contains(table) || ["commission_rates", "invoice_lines", "payment_reminders"].contains(table) {
                screens.formUnion([.finance, .dashboard])
            }
            if dashboardTables.contains(table) { screens.insert(.dashboard) }
        }
        return screens
    }
}
