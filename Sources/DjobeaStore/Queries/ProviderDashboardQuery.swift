import DjobeaDomain
import Foundation
import GRDB

/// The seed's KPI cards and 30-day charts for one provider, computed from the rows (nothing cached).
public struct ProviderDashboard: Sendable, Hashable, Codable {
    public struct DayAmount: Sendable, Hashable, Codable {
        public var day: String
        public var amount: XAF
    }

    enum CodingKeys: String, CodingKey {
        case todayNew = "today_new"
        case inProgress = "in_progress"
        case todayDone = "today_done"
        case weekGross = "week_gross"
        case weekNet = "week_net"
        case acceptanceRate7d = "acceptance_rate_7d"
        case averageRating = "average_rating"
        case ratingCount = "rating_count"
        case ratingTrend = "rating_trend"
        case averageResponseMinutes7d = "average_response_minutes_7d"
        case revenueByDay = "revenue_by_day"
        case revenueByService = "revenue_by_service"
        case missionsByService = "missions_by_service"
        case heatmap
    }

    /// Offers made today and still waiting for this provider's answer.
    public var todayNew: Int
    /// Missions of this provider accepted or under way now.
    public var inProgress: Int
    /// Missions completed today.
    public var todayDone: Int
    /// Payments received this week (Monday to now), duplicates and reversals settled by the ledger fold.
    public var weekGross: XAF
    /// `weekGross` minus Djobea's commission recorded this week.
    public var weekNet: XAF
    /// Accepted offers over answered or expired offers, last 7 days; nil without any.
    public var acceptanceRate7d: Double?
    public var averageRating: Double?
    public var ratingCount: Int
    /// Average of the last 30 days minus the 30 days before; nil if either is empty.
    public var ratingTrend: Double?
    /// Mean minutes between an offer and its answer over the last 7 days.
    public var averageResponseMinutes7d: Double?
    /// Revenue per local day, oldest first, 30 entries.
    public var revenueByDay: [DayAmount]
    /// Revenue of the last 30 days by service code.
    public var revenueByService: [String: XAF]
    /// Completed missions of the last 30 days by service code.
    public var missionsByService: [String: Int]
    /// Offers received in the last 30 days by local weekday (index 0 = Monday) and hour.
    public var heatmap: [[Int]]
}

/// Computes `ProviderDashboard` with a handful of indexed queries.
public enum ProviderDashboardQuery {
    static let calendar = DoualaCalendar()

    public static func compute(providerId: String, now: Date, in db: Database) throws -> ProviderDashboard {
        let today = calendar.today(now: now)
        let week = calendar.thisWeek(now: now)
        let last7 = calendar.lastDays(7, now: now)
        let last30 = calendar.last30Days(now: now)
        let previous30Start = last30.start.addingTimeInterval(-30 * 86_400)

        // Offers: today's new, acceptance, response time, heatmap.
        var todayNew = 0
        var answered7 = 0
        var accepted7 = 0
        var responseSeconds: [Double] = []
        var heatmap = Array(repeating: Array(repeating: 0, count: 24), count: 7)
        let offers = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT state, offered_at, answered_at FROM request_offers WHERE provider_id = ? AND offered_at >= ?"),
            arguments: [providerId, UTCTimestamp.format(last30.start)])
        while let row = try offers.next() {
            guard let offeredAt = UTCTimestamp.parse(row[1]) else { continue }
            let state = OfferState(rawValue: row[0])
            heatmap[calendar.weekday(offeredAt) - 1][calendar.hour(offeredAt)] += 1
            if state == .pending && offeredAt >= today.start { todayNew += 1 }
            guard offeredAt >= last7.start else { continue }
            if state == .accepted || state == .declined || state == .expired { answered7 += 1 }
            if state == .accepted { accepted7 += 1 }
            if let answeredText: String = row[2], let answeredAt = UTCTimestamp.parse(answeredText), state != .expired {
                responseSeconds.append(answeredAt.timeIntervalSince(offeredAt))
            }
        }

        // Missions: in progress now, done today, by service over 30 days.
        let inProgress =
            try Int.fetchOne(
                db.cachedStatement(
                    sql: "SELECT count(*) FROM missions WHERE provider_id = ? AND status IN (\(RequestStatus.openMission.sqlList))"),
                arguments: [providerId]) ?? 0
        var todayDone = 0
        var missionsByService: [String: Int] = [:]
        let completed = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT m.completed_at, s.code FROM missions m
                    JOIN service_requests r ON r.id = m.request_id JOIN services s ON s.id = r.service_id
                    WHERE m.provider_id = ? AND m.completed_at >= ? AND m.status = \(RequestStatus.terminee.sqlLiteral)
                    """), arguments: [providerId, UTCTimestamp.format(last30.start)])
        while let row = try completed.next() {
            missionsByService[row[1], default: 0] += 1
            if let at = UTCTimestamp.parse(row[0]), at >= today.start { todayDone += 1 }
        }

        // Ledger: the provider's whole ledger folded once (`ProviderLedgerFold`, shared with charts and finance), so
        // a reversal or duplicate whose twin predates the window still counts right; effects land in day, service, week.
        let ledger = try ProviderLedgerFold.load(providerId: providerId, in: db)
        let weekTotals = ledger.totals(in: week)
        let weekGross = weekTotals.paid
        let weekCommission = weekTotals.commission
        var revenueByService: [String: XAF] = [:]
        for (line, effect) in ledger.counted(in: last30) where effect.paid != .zero {
            revenueByService[ledger.owner(of: line).serviceCode, default: .zero] += effect.paid
        }
        let revenueByDay = ledger.paidByDay(in: last30, calendar: calendar).map { ProviderDashboard.DayAmount(day: $0.day, amount: $0.amount) }

        // Ratings: overall and trend.
        let ratings = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT avg(stars), count(*),
                        avg(CASE WHEN created_at >= ? THEN stars END),
                        avg(CASE WHEN created_at >= ? AND created_at < ? THEN stars END)
                    FROM ratings WHERE provider_id = ?
                    """),
            arguments: [
                UTCTimestamp.format(last30.start), UTCTimestamp.format(previous30Start), UTCTimestamp.format(last30.start), providerId,
            ])
        let recent: Double? = ratings?[2]
        let earlier: Double? = ratings?[3]

        return ProviderDashboard(
            todayNew: todayNew, inProgress: inProgress, todayDone: todayDone, weekGross: weekGross,
            weekNet: weekGross - weekCommission,
            acceptanceRate7d: answered7 > 0 ? Double(accepted7) / Double(answered7) : nil, averageRating: ratings?[0],
            ratingCount: ratings?[1] ?? 0, ratingTrend: recent.flatMap { recent in earlier.map { recent - $0 } },
            averageResponseMinutes7d: responseSeconds.isEmpty ? nil : responseSeconds.reduce(0, +) / Double(responseSeconds.count) / 60,
            revenueByDay: revenueByDay, revenueByService: revenueByService, missionsByService: missionsByService, heatmap: heatmap)
    }
}
