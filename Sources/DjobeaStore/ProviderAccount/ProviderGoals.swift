import DjobeaDomain
import Foundation
import GRDB

/// A provider's monthly goal with its progress, projection and advice (`GET /provider/finance/goal`).
///
/// Revenue here is the earnings API's `gross`: money received from clients, before commission, from the same fold
/// of the provider's ledger (`ProviderLedgerFold`), so "earned" equals `GET /provider/finance/earnings/month`'s
/// `gross` at the same instant.
public struct ProviderGoalView: Codable, Sendable, Hashable {
    public struct Goal: Codable, Sendable, Hashable {
        public var id: String
        /// "2026-12".
        public var month: String
        public var targetRevenue: Int
        public var targetRevenueLabel: String
        /// 0 when the provider set none.
        public var targetMissions: Int
    }

    public struct Progress: Codable, Sendable, Hashable {
        /// Received in the month so far (gross, before commission).
        public var earned: Int
        public var earnedLabel: String
        /// `earned` over the goal, in percent rounded to 0.1 (may pass 100); nil without a goal or with a 0 goal.
        public var percent: Double?
        /// Missions completed in the month.
        public var missionsCompleted: Int
        /// Over `target_missions`, in percent rounded to 0.1; nil when no mission target is set.
        public var missionsPercent: Double?
        public var daysInMonth: Int
        /// Days of the month still to come, today included.
        public var daysLeft: Int
        /// Of those, the provider's working days (by their hours).
        public var workingDaysLeft: Int
    }

    public struct WeekdayAverage: Codable, Sendable, Hashable {
        /// 1 = Monday ... 7 = Sunday.
        public var weekday: Int
        /// "lundi".
        public var label: String
        /// Days of this weekday in the history.
        public var days: Int
        public var mean: Int
        public var meanLabel: String
        /// Standard deviation.
        public var spread: Int
        public var spreadLabel: String
    }

    public struct Projection: Codable, Sendable, Hashable {
        /// The month's expected total (gross).
        public var amount: Int
        public var amountLabel: String
        /// The range: about 8 chances in 10 that the month's total falls in it; `low <= amount <= high`.
        public var low: Int
        public var lowLabel: String
        public var high: Int
        public var highLabel: String
        /// Days of history read (at most 90).
        public var historyDays: Int
        /// Monday first.
        public var weekdays: [WeekdayAverage]
        /// Estimated chance of reaching the goal, 0...100; nil without a goal.
        public var chancePercent: Int?
        /// `reached`, `on_track`, `difficult`, `out_of_reach`; nil without a goal.
        public var outlook: String?
        /// "Objectif atteignable".
        public var outlookLabel: String?
        /// The outlook in one sentence, with the figures (`outlook_fr`: `Fr`, not `FR`, so that bodies decode too).
        public var outlookFr: String?
    }

    public struct Recommendation: Codable, Sendable, Hashable {
        public var code: String
        public var textFr: String
    }

    /// "2026-12".
    public var month: String
    /// "Décembre 2026".
    public var monthLabel: String
    public var range: PeriodRange
    public var goal: Goal?
    public var progress: Progress
    public var projection: Projection
    /// How the projection and its range are computed, in French, with the figures (`method_fr`).
    public var methodFr: String
    public var recommendations: [Recommendation]
}

/// `PUT /provider/finance/goal`: the month's targets; keys the endpoint does not know are refused.
public struct GoalChange: Sendable, Hashable {
    /// "YYYY-MM"; nil: the current Douala month.
    public var month: String?
    /// Francs, 0...100 000 000; required.
    public var targetRevenue: Int?
    /// nil: unchanged (0 for a new goal).
    public var targetMissions: Int?
    public var unknownFields: [String] = []

    public init(month: String?, targetRevenue: Int?, targetMissions: Int?) {
        self.month = month
        self.targetRevenue = targetRevenue
        self.targetMissions = targetMissions
    }
}

/// Reads and writes `goals` (one row per provider and month) and computes the goal view.
public enum ProviderGoals {
    public static let maxTargetRevenue = 100_000_000
    public static let maxTargetMissions = 10_000
    /// How far ahead a goal may be set, and how far back one may be read, in months.
    public static let monthsAhead = 12
    public static let monthsBack = 12

    /// The current Douala month at `now`.
    public static func currentMonth(now: Date) -> CalendarMonth {
        CalendarMonth(containing: LocalDay(containing: now))
    }

    /// Parses `key` as a month a goal may be read for (`writing`: set for); the French reason when it may not.
    public static func month(_ key: String, now: Date, writing: Bool) -> Result<CalendarMonth, MonthRefusal> {
        guard let month = CalendarMonth(key: key) else { return .failure(MonthRefusal(reasonFR: "mois au format AAAA-MM attendu (ex. 2026-12)")) }
        let current = currentMonth(now: now)
        if month > current.adding(months: monthsAhead) {
            return .failure(MonthRefusal(reasonFR: "au plus \(monthsAhead) mois à l'avance"))
        }
        if writing, month < current {
            return .failure(MonthRefusal(reasonFR: "un mois passé ne peut plus être modifié"))
        }
        if month < current.adding(months: -monthsBack) {
            return .failure(MonthRefusal(reasonFR: "au plus \(monthsBack) mois en arrière"))
        }
        return .success(month)
    }

    public struct MonthRefusal: Error, Hashable, Sendable {
        public var reasonFR: String
    }

    /// Sets (creates or changes) the goal of one month; answers the month's view at `tx.now`.
    @discardableResult
    public static func setGoal(providerId: String, change: GoalChange, in tx: SyncedTransaction) throws -> ProviderGoalView {
        try AccountValidation.refuseUnknown(change.unknownFields)
        try ProviderAccount.requireProvider(providerId, in: tx.db)
        var month = currentMonth(now: tx.now)
        if let key = change.month {
            switch Self.month(key, now: tx.now, writing: true) {
            case .success(let parsed): month = parsed
            case .failure(let refusal): throw ProviderAccountError.invalidField(field: "month", reasonFR: refusal.reasonFR)
            }
        }
        guard let revenue = change.targetRevenue else {
            throw ProviderAccountError.invalidField(field: "target_revenue", reasonFR: "objectif de revenus obligatoire (en FCFA)")
        }
        guard (0...maxTargetRevenue).contains(revenue) else {
            throw ProviderAccountError.invalidField(field: "target_revenue", reasonFR: "entre 0 et 100 000 000 FCFA")
        }
        if let missions = change.targetMissions, !(0...maxTargetMissions).contains(missions) {
            throw ProviderAccountError.invalidField(field: "target_missions", reasonFR: "entre 0 et \(maxTargetMissions) missions")
        }
        if var record = try goalRecord(providerId: providerId, month: month, in: tx.db) {
            var columns: [GoalRecord.Columns] = []
            if record.targetRevenue != Int64(revenue) {
                record.targetRevenue = Int64(revenue)
                columns.append(.targetRevenue)
            }
            if let missions = change.targetMissions, record.targetMissions != Int64(missions) {
                record.targetMissions = Int64(missions)
                columns.append(.targetMissions)
            }
            if !columns.isEmpty { try tx.update(record, columns: columns) }
        } else {
            try tx.insert(
                GoalRecord(
                    id: DjobeaID.v7(now: tx.now), providerId: providerId, month: month.key, targetRevenue: Int64(revenue),
                    targetMissions: Int64(change.targetMissions ?? 0)))
        }
        return try view(providerId: providerId, month: month, now: tx.now, in: tx.db)
    }

    /// The goal view of `month` (default: the current Douala month) at `now`.
    public static func view(providerId: String, month requested: CalendarMonth? = nil, now: Date, in db: Database) throws -> ProviderGoalView {
        try ProviderAccount.requireProvider(providerId, in: db)
        let calendar = DoualaCalendar()
        let month = requested ?? currentMonth(now: now)
        let today = LocalDay(containing: now)
        guard let monthStart = calendar.startOfDay(dayKey: month.firstDay.key),
            let monthEnd = calendar.startOfDay(dayKey: month.next.firstDay.key)
        else { throw ProviderAccountError.invalidField(field: "month", reasonFR: "mois hors calendrier") }
        let monthInterval = DateInterval(start: monthStart, end: monthEnd)
        let todayInterval = calendar.today(now: now)

        let record = try goalRecord(providerId: providerId, month: month, in: db)
        let ledger = try ProviderLedgerFold.load(providerId: providerId, in: db)
        let earned = ledger.totals(in: monthInterval).paid
        let earnedToday = month.contains(today) ? ledger.totals(in: todayInterval).paid : .zero
        let forecast = RevenueForecast.project(
            month: month, today: today, history: try history(providerId: providerId, ledger: ledger, before: todayInterval.start, in: db),
            earned: earned, earnedToday: earnedToday)

        let unpaid = try ProviderFinance.pendingPayments(providerId: providerId, ledger: ledger, now: now, in: db)
        let facts = RevenueAdvice.Facts(
            forecast: forecast, target: record.map { XAF(Int($0.targetRevenue)) },
            workingDays: Set(try ProviderAccount.settings(providerId: providerId, in: db).workingHours.days),
            offers: try offerFacts(providerId: providerId, since: calendar.last30Days(now: now).start, in: db), unpaidCount: unpaid.payments.count,
            unpaidTotal: unpaid.total)
        let missions = try completedMissions(providerId: providerId, in: monthInterval, db: db)

        let target = record.map { XAF(Int($0.targetRevenue)) }
        let goal = record.map {
            ProviderGoalView.Goal(
                id: $0.id, month: $0.month, targetRevenue: Int($0.targetRevenue), targetRevenueLabel: XAF(Int($0.targetRevenue)).formatted,
                targetMissions: Int($0.targetMissions))
        }
        let progress = ProviderGoalView.Progress(
            earned: earned.francs, earnedLabel: earned.formatted, percent: target.flatMap { percent(earned.francs, of: $0.francs) },
            missionsCompleted: missions, missionsPercent: goal.flatMap { percent(missions, of: $0.targetMissions) },
            daysInMonth: month.dayCount, daysLeft: forecast.remainingDays.count, workingDaysLeft: RevenueAdvice.remainingWorkingDays(facts))
        let projection = ProviderGoalView.Projection(
            amount: forecast.projection.francs, amountLabel: forecast.projection.formatted, low: forecast.low.francs,
            lowLabel: forecast.low.formatted, high: forecast.high.francs, highLabel: forecast.high.formatted, historyDays: forecast.historyDays,
            weekdays: forecast.weekdays.map {
                .init(
                    weekday: $0.weekday, label: $0.nameFR, days: $0.days, mean: $0.mean.francs, meanLabel: $0.mean.formatted,
                    spread: $0.spread.francs, spreadLabel: $0.spread.formatted)
            }, chancePercent: target.map(forecast.chancePercent(target:)), outlook: target.map { forecast.outlook(target: $0).rawValue },
            outlookLabel: target.map { forecast.outlook(target: $0).labelFR }, outlookFr: target.map(forecast.outlookFR(target:)))
        return ProviderGoalView(
            month: month.key, monthLabel: EarningsPeriod.monthLabelFR(year: month.year, month: month.month),
            range: PeriodRange(period: "month", interval: monthInterval, label: EarningsPeriod.monthLabelFR(year: month.year, month: month.month)),
            goal: goal, progress: progress, projection: projection, methodFr: forecast.methodFR,
            recommendations: RevenueAdvice.recommendations(facts).map { .init(code: $0.code, textFr: $0.textFR) })
    }

    // MARK: - Reads

    static func goalRecord(providerId: String, month: CalendarMonth, in db: Database) throws -> GoalRecord? {
        try GoalRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM goals WHERE provider_id = ? AND month = ?"), arguments: [providerId, month.key])
    }

    /// Received money per local day over the `RevenueForecast.historyLength` days before `end` (today's local
    /// midnight), from the provider's first day (days before they joined are not zeros of theirs).
    static func history(providerId: String, ledger: ProviderLedgerFold, before end: Date, in db: Database) throws -> [DayRevenue] {
        var start = end.addingTimeInterval(-Double(RevenueForecast.historyLength * 86_400))
        if let joined = try String.fetchOne(db.cachedStatement(sql: "SELECT joined_at FROM providers WHERE id = ?"), arguments: [providerId])
            .flatMap(UTCTimestamp.parse)
        {
            start = max(start, DoualaCalendar().startOfDay(joined))
        }
        guard start < end else { return [] }
        return ledger.paidByDay(in: DateInterval(start: start, end: end)).compactMap { day in
            LocalDay(key: day.day).map { DayRevenue(day: $0, amount: day.amount) }
        }
    }

    /// Offers made since `since`, by how they ended (pending and withdrawn ones are left out).
    static func offerFacts(providerId: String, since: Date, in db: Database) throws -> RevenueAdvice.OfferFacts {
        var facts = RevenueAdvice.OfferFacts(accepted: 0, declined: 0, expired: 0)
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT state, count(*) AS n FROM request_offers WHERE provider_id = ? AND offered_at >= ? GROUP BY state"),
            arguments: [providerId, UTCTimestamp.format(since)])
        while let row = try rows.next() {
            let count: Int = row["n"]
            switch OfferState(rawValue: row["state"]) {
            case .accepted: facts.accepted = count
            case .declined: facts.declined = count
            case .expired: facts.expired = count
            case .pending, .withdrawn, nil: break
            }
        }
        return facts
    }

    static func completedMissions(providerId: String, in interval: DateInterval, db: Database) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT count(*) FROM missions
                    WHERE provider_id = ? AND status = \(RequestStatus.terminee.sqlLiteral) AND completed_at >= ? AND completed_at < ?
                    """), arguments: [providerId, UTCTimestamp.format(interval.start), UTCTimestamp.format(interval.end)]) ?? 0
    }

    /// `part` over `whole` in percent rounded to 0.1; nil when `whole` is 0.
    static func percent(_ part: Int, of whole: Int) -> Double? {
        guard whole > 0 else { return nil }
        return (Double(part) / Double(whole) * 1_000).rounded() / 10
    }
}
