import DjobeaDomain
import Foundation
import GRDB

/// The dashboard's four charts over a rolling window (`GET /provider/dashboard/chart-data/{period}`).
public struct ProviderChartData: Codable, Sendable, Hashable {
    public struct DayRevenue: Codable, Sendable, Hashable {
        /// Local day "2026-11-25".
        public var day: String
        public var amount: Int
        public var amountLabel: String
    }

    /// One slice of the service donut.
    public struct ServiceSlice: Codable, Sendable, Hashable {
        public var serviceCode: String
        public var serviceName: String
        public var amount: Int
        public var amountLabel: String
        /// Part of the window's revenue, 0...1 (0 when there is none).
        public var share: Double
        /// Missions of this service completed in the window.
        public var missionsCompleted: Int
    }

    public struct MonthRating: Codable, Sendable, Hashable {
        /// Local month "2026-11".
        public var month: String
        /// "Novembre 2026".
        public var label: String
        /// Rounded to 0.01; nil without ratings.
        public var average: Double?
        public var count: Int
    }

    public var range: PeriodRange
    /// One entry per local day of the window, oldest first.
    public var revenueByDay: [DayRevenue]
    public var revenueTotal: Int
    public var revenueTotalLabel: String
    /// Largest first.
    public var revenueByService: [ServiceSlice]
    /// Offers received, by local weekday (index 0 = Monday) then hour 0...23.
    public var heatmap: [[Int]]
    public var heatmapMax: Int
    /// The current local month and the two before it, oldest first.
    public var ratingTrend: [MonthRating]
}

/// Computes `ProviderChartData` from the rows: one ledger fold (`ProviderLedgerFold`), one scan of offers, one of
/// completed missions and one of ratings, all on per-provider indexes.
public enum ProviderCharts {
    public static func chartData(providerId: String, period: ChartPeriod, now: Date, in db: Database) throws -> ProviderChartData {
        try ProviderAccount.requireProvider(providerId, in: db)
        let calendar = DoualaCalendar()
        let window = calendar.lastDays(period.days, now: now)
        let ledger = try ProviderLedgerFold.load(providerId: providerId, in: db)

        let days = ledger.paidByDay(in: window, calendar: calendar).map {
            ProviderChartData.DayRevenue(day: $0.day, amount: $0.amount.francs, amountLabel: $0.amount.formatted)
        }
        let total = ledger.totals(in: window).paid
        var byService: [String: (name: String, amount: XAF)] = [:]
        for (line, effect) in ledger.counted(in: window) where effect.paid != .zero {
            let owner = ledger.owner(of: line)
            byService[owner.serviceCode, default: (owner.serviceName, .zero)].amount += effect.paid
        }
        let completed = try completedMissionsByService(providerId: providerId, window: window, in: db)
        for (code, item) in completed where byService[code] == nil { byService[code] = (item.name, .zero) }
        let slices = byService.map { code, item in
            ProviderChartData.ServiceSlice(
                serviceCode: code, serviceName: item.name, amount: item.amount.francs, amountLabel: item.amount.formatted,
                share: total > .zero ? Double(item.amount.francs) / Double(total.francs) : 0, missionsCompleted: completed[code]?.count ?? 0)
        }.sorted { ($1.amount, $0.serviceCode) < ($0.amount, $1.serviceCode) }

        let heatmap = try OfferHeatmap.counts(providerId: providerId, in: window, at: db, calendar: calendar)
        return ProviderChartData(
            range: PeriodRange(period: period.rawValue, interval: window, label: "\(period.days) derniers jours"), revenueByDay: days,
            revenueTotal: total.francs, revenueTotalLabel: total.formatted, revenueByService: slices, heatmap: heatmap,
            heatmapMax: heatmap.flatMap { $0 }.max() ?? 0, ratingTrend: try ratingTrend(providerId: providerId, now: now, in: db))
    }

    /// Completed missions whose completion falls in `window`, by service code.
    private static func completedMissionsByService(
        providerId: String, window: DateInterval, in db: Database
    ) throws -> [String: (name: String, count: Int)] {
        var result: [String: (name: String, count: Int)] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT s.code, s.name_fr, count(*) AS n FROM missions m
                    JOIN service_requests r ON r.id = m.request_id JOIN services s ON s.id = r.service_id
                    WHERE m.provider_id = ? AND m.status = \(RequestStatus.terminee.sqlLiteral) AND m.completed_at >= ? AND m.completed_at < ?
                    GROUP BY s.code, s.name_fr
                    """), arguments: [providerId, UTCTimestamp.format(window.start), UTCTimestamp.format(window.end)])
        while let row = try rows.next() { result[row["code"]] = (row["name_fr"], row["n"]) }
        return result
    }

    /// Average stars and count for the current local month and the two before it.
    static func ratingTrend(providerId: String, now: Date, in db: Database) throws -> [ProviderChartData.MonthRating] {
        var months = [EarningsPeriod.month.interval(containing: now)]
        while months.count < 3, let first = months.first { months.insert(EarningsPeriod.month.previous(first), at: 0) }
        guard let from = months.first?.start, let to = months.last?.end else { return [] }
        let calendar = DoualaCalendar()
        var sums: [String: (stars: Int, count: Int)] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT stars, created_at FROM ratings WHERE provider_id = ? AND created_at >= ? AND created_at < ?"),
            arguments: [providerId, UTCTimestamp.format(from), UTCTimestamp.format(to)])
        while let row = try rows.next() {
            guard let at = UTCTimestamp.parse(row["created_at"]) else { continue }
            sums[calendar.monthKey(at), default: (0, 0)].stars += row["stars"]
            sums[calendar.monthKey(at), default: (0, 0)].count += 1
        }
        return months.map { month in
            let key = calendar.monthKey(month.start)
            let (year, number) = EarningsPeriod.yearMonth(of: month.start)
            let sum = sums[key] ?? (0, 0)
            let average = sum.count > 0 ? (Double(sum.stars) / Double(sum.count) * 100).rounded() / 100 : nil
            return .init(month: key, label: EarningsPeriod.monthLabelFR(year: year, month: number), average: average, count: sum.count)
        }
    }
}

/// Offers made to a provider, by local weekday and hour: the "créneaux les plus demandés" heatmap.
enum OfferHeatmap {
    /// 7 rows (index 0 = Monday) of 24 hourly counts of offers made in `interval`.
    static func counts(providerId: String, in interval: DateInterval, at db: Database, calendar: DoualaCalendar) throws -> [[Int]] {
        var heatmap = Array(repeating: Array(repeating: 0, count: 24), count: 7)
        let offers = try String.fetchCursor(
            db.cachedStatement(sql: "SELECT offered_at FROM request_offers WHERE provider_id = ? AND offered_at >= ? AND offered_at < ?"),
            arguments: [providerId, UTCTimestamp.format(interval.start), UTCTimestamp.format(interval.end)])
        while let text = try offers.next() {
            guard let at = UTCTimestamp.parse(text) else { continue }
            heatmap[calendar.weekday(at) - 1][calendar.hour(at)] += 1
        }
        return heatmap
    }
}
