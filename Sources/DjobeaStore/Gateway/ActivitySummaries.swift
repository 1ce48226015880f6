import DjobeaDomain
import DjobeaReplication
import Foundation

/// One period an activity summary covers, in Douala time.
public struct ActivityPeriod: Sendable, Equatable {
    public var frequency: SummaryFrequency
    /// What the figures cover, half-open.
    public var interval: DateInterval
    /// "2026-12-05" (daily), "2026-W49" (ISO week), "2026-11" (monthly): the second half of the `gateway_work` key.
    public var key: String
    /// "du samedi 5 décembre", "de la semaine du 30 novembre au 6 décembre", "de novembre 2026".
    public var labelFR: String
    /// When the summary may be sent.
    public var sendFrom: Date
}

/// A provider's summary of one period, ready to send as the WhatsApp template `resume_activite`.
public struct ActivitySummary: Sendable, Equatable {
    public var providerId: String
    /// E.164.
    public var phone: String
    public var firstName: String
    public var period: ActivityPeriod
    /// Missions of the provider completed (`terminee`) in the period.
    public var completedMissions: Int
    /// Money received in the period, net of reversals, commission not deducted (the earnings' `gross`).
    public var collected: XAF
    /// Average of the ratings given in the period; nil when there was none.
    public var averageRating: Double?
    /// Attempts made before this one (a retried summary).
    public var attempts: Int

    public var periodKey: String { period.key }
    public var periodLabel: String { period.labelFR }
    /// "84 000 FCFA".
    public var collectedLabel: String { collected.formatted }
    /// "4,6/5", or "pas encore de note".
    public var ratingLabel: String { ActivitySummaries.ratingLabel(averageRating) }
    /// The `gateway_work` key: "<provider id>:<period key>".
    public var workKey: String { ActivitySummaries.workKey(providerId: providerId, periodKey: period.key) }
    /// The id handed to the driver (echoed back in status callbacks).
    public var messageId: String { "summary-\(providerId)-\(period.key)" }
    /// Nothing done in the period: no mission completed and nothing received. Such a summary is not sent; it is
    /// recorded as done with the outcome `skipped`.
    public var isEmpty: Bool { completedMissions == 0 && collected == .zero }
    /// The template's body parameters in order: first name, period, "2 missions terminées", amount, "note moyenne 4,5/5".
    public var parameters: [String] {
        [firstName, period.labelFR, Self.missionsPhrase(completedMissions), collectedLabel, Self.ratingPhrase(ratingLabel, averageRating)]
    }

    /// "aucune mission terminée", "1 mission terminée", "2 missions terminées".
    static func missionsPhrase(_ count: Int) -> String {
        switch count {
        case 0: "aucune mission terminée"
        case 1: "1 mission terminée"
        default: "\(count) missions terminées"
        }
    }

    /// "note moyenne 4,5/5", or "pas encore de note sur la période".
    static func ratingPhrase(_ label: String, _ average: Double?) -> String {
        average == nil ? "pas encore de note sur la période" : "note moyenne \(label)"
    }
    /// The rendered French text.
    public var text: String { WhatsAppTemplates.activitySummary.render(parameters) }
}

/// The providers' activity summaries (`provider_settings.summary_frequency`), sent by the gateway as the WhatsApp
/// template `resume_activite`.
///
/// Periods, in Douala time:
/// - daily: the working day, from 20:00 the day before to 20:00 that day, sent from 20:00 ("du samedi 5 décembre");
///   work done after 20:00 counts in the next day's summary, so nothing is counted twice or lost;
/// - weekly: Monday 00:00 to the next Monday 00:00, sent from the following Monday 08:00;
/// - monthly: the 1st 00:00 to the next 1st 00:00, sent from the following 1st at 08:00.
///
/// Only the latest period whose sending time has come is considered, and only while it ended less than
/// `staleAfter` (3 days) ago: a gateway that starts late does not send stale summaries. Each (provider, period) is
/// one `gateway_work` row of kind `summary`, local to the gateway node: claimed with a lease before the driver is
/// called, then done (`sent`, `failed`, `skipped`) or retried later. A summary is a message to the provider, not to
/// a client, so it is no synced `messages` row; once per period is guaranteed by that row on the gateway alone.
public enum ActivitySummaries {
    /// A period that ended longer ago than this is not sent any more.
    public static let staleAfter: TimeInterval = 3 * 86_400
    /// The local hour daily summaries are cut and sent at.
    public static let dailyHour = 20
    /// The local hour weekly and monthly summaries are sent at.
    public static let morningHour = 8

    static let day: TimeInterval = 86_400

    // MARK: - Periods

    /// The latest period of `frequency` whose summary may be sent at `now` (ended or not stale alike); nil for
    /// `never`.
    public static func latestPeriod(_ frequency: SummaryFrequency, now: Date) -> ActivityPeriod? {
        let calendar = DoualaCalendar()
        switch frequency {
        case .never:
            return nil
        case .daily:
            var cut = calendar.startOfDay(now).addingTimeInterval(TimeInterval(dailyHour * 3_600))
            if now < cut { cut = cut.addingTimeInterval(-day) }
            let midnight = calendar.startOfDay(cut)
            return ActivityPeriod(
                frequency: .daily, interval: DateInterval(start: cut.addingTimeInterval(-day), end: cut), key: calendar.dayKey(midnight),
                labelFR: "du " + ProviderRequestWording.local(midnight).day, sendFrom: cut)
        case .weekly:
            var week = EarningsPeriod.week.previous(calendar.thisWeek(now: now))
            if now < week.end.addingTimeInterval(TimeInterval(morningHour * 3_600)) { week = EarningsPeriod.week.previous(week) }
            let lastDay = week.end.addingTimeInterval(-day)
            return ActivityPeriod(
                frequency: .weekly, interval: week, key: isoWeekKey(monday: week.start),
                labelFR: "de la semaine du \(dayMonth(week.start)) au \(dayMonth(lastDay))",
                sendFrom: week.end.addingTimeInterval(TimeInterval(morningHour * 3_600)))
        case .monthly:
            var month = EarningsPeriod.month.previous(calendar.thisMonth(now: now))
            if now < month.end.addingTimeInterval(TimeInterval(morningHour * 3_600)) { month = EarningsPeriod.month.previous(month) }
            let (year, number) = EarningsPeriod.yearMonth(of: month.start)
            return ActivityPeriod(
                frequency: .monthly, interval: month, key: calendar.monthKey(month.start),
                labelFR: "de \(EarningsPeriod.monthNamesFR[number - 1]) \(year)",
                sendFrom: month.end.addingTimeInterval(TimeInterval(morningHour * 3_600)))
        }
    }

    /// The period of `frequency` to send at `now`, if it is not stale (it ended less than `staleAfter` ago).
    public static func currentPeriod(_ frequency: SummaryFrequency, now: Date) -> ActivityPeriod? {
        guard let period = latestPeriod(frequency, now: now), now.timeIntervalSince(period.interval.end) < staleAfter else { return nil }
        return period
    }

    /// "2026-W49": the ISO 8601 week of the week starting on the local Monday `monday` (its year is the year of
    /// its Thursday).
    static func isoWeekKey(monday: Date) -> String {
        let calendar = DoualaCalendar()
        let thursday = monday.addingTimeInterval(3 * day)
        let year = Int(calendar.dayKey(thursday).prefix(4)) ?? 1970
        let januaryFirst = calendar.startOfDay(dayKey: String(format: "%04d-01-01", year)) ?? thursday
        let dayOfYear = Int((thursday.timeIntervalSince(januaryFirst) / day).rounded(.down)) + 1
        return String(format: "%04d-W%02d", year, (dayOfYear - 1) / 7 + 1)
    }

    /// "30 novembre", "1er décembre".
    static func dayMonth(_ date: Date) -> String {
        let key = DoualaCalendar().dayKey(date)
        let dayNumber = Int(key.suffix(2)) ?? 1
        let month = Int(key.dropFirst(5).prefix(2)) ?? 1
        return "\(dayNumber == 1 ? "1er" : String(dayNumber)) \(EarningsPeriod.monthNamesFR[month - 1])"
    }

    /// "4,6/5" (rounded to the tenth), or "pas encore de note".
    public static func ratingLabel(_ average: Double?) -> String {
        guard let average else { return "pas encore de note" }
        let tenths = Int((average * 10).rounded())
        return "\(tenths / 10),\(tenths % 10)/5"
    }

    public static func workKey(providerId: String, periodKey: String) -> String {
        "\(providerId):\(periodKey)"
    }

    // MARK: - Due

    /// The summaries to send at `now`, by provider id: each active provider with a phone whose frequency is not
    /// `never`, for the current period of that frequency (not stale), when it has no `gateway_work` row yet or one
    /// that is neither done, nor leased, nor waiting for a retry.
    ///
    /// Empty summaries (no mission, nothing received) are listed too, flagged `isEmpty`: the sender records them
    /// `skipped` without sending, so that they are not computed again at every pass.
    public static func due(now: Date, limit: Int, in db: any ReplicaConnection) throws -> [ActivitySummary] {
        let periods = Dictionary(
            SummaryFrequency.allCases.compactMap { frequency in currentPeriod(frequency, now: now).map { (frequency, $0) } },
            uniquingKeysWith: { first, _ in first })
        guard !periods.isEmpty else { return [] }
        let nowText = ColumnValue(now)
        let rows = try db.query(
            """
            SELECT p.id, p.name, p.phone, f.frequency, coalesce(w.attempts, 0) AS attempts
            FROM providers p
            LEFT JOIN provider_settings s ON s.provider_id = p.id
            JOIN (SELECT \(SummaryFrequency.daily.sqlLiteral) AS frequency, CAST(? AS TEXT) AS period_key
                  UNION ALL SELECT \(SummaryFrequency.weekly.sqlLiteral), CAST(? AS TEXT)
                  UNION ALL SELECT \(SummaryFrequency.monthly.sqlLiteral), CAST(? AS TEXT)) f
                ON f.frequency = coalesce(s.summary_frequency, \(SummaryFrequency.weekly.sqlLiteral)) AND f.period_key IS NOT NULL
            LEFT JOIN gateway_work w ON w.kind = \(GatewayWorkKind.summary.sqlLiteral) AND w.work_key = p.id || ':' || f.period_key
            WHERE p.account_status = \(OfferCandidate.AccountStatus.active.sqlLiteral) AND p.phone <> ''
                AND (w.work_key IS NULL OR (w.done_at IS NULL AND (w.lease_until IS NULL OR w.lease_until <= ?)
                    AND (w.next_attempt_at IS NULL OR w.next_attempt_at <= ?)))
            ORDER BY p.id LIMIT ?
            """,
            [
                ColumnValue(periods[.daily]?.key), ColumnValue(periods[.weekly]?.key), ColumnValue(periods[.monthly]?.key), nowText, nowText,
                .integer(Int64(limit)),
            ])
        return try rows.compactMap { row in
            guard let frequency = row["frequency"].textValue.flatMap(SummaryFrequency.init(rawValue:)), let period = periods[frequency],
                let id = row["id"].textValue, let name = row["name"].textValue, let phone = row["phone"].textValue
            else { return nil }
            return try summary(
                providerId: id, name: name, phone: phone, period: period, attempts: Int(row["attempts"].integerValue ?? 0), in: db)
        }
    }

    /// The figures of one provider over `period`: missions completed in it, money received in it (the ledger fold
    /// the earnings use: duplicates once, reversals deducted, commission not), ratings given in it.
    static func summary(
        providerId: String, name: String, phone: String, period: ActivityPeriod, attempts: Int, in db: any ReplicaConnection
    ) throws -> ActivitySummary {
        let start = ColumnValue(period.interval.start)
        let end = ColumnValue(period.interval.end)
        let missions =
            try db.firstInteger(
                """
                SELECT count(*) FROM missions
                WHERE provider_id = ? AND status = \(RequestStatus.terminee.sqlLiteral) AND completed_at >= ? AND completed_at < ?
                """, [.text(providerId), start, end]) ?? 0
        // The average is computed here: PostgreSQL's avg and sum of integers are numerics, which the seam does not carry.
        let ratings = try db.query(
            "SELECT count(*) AS n, CAST(coalesce(sum(stars), 0) AS BIGINT) AS total FROM ratings WHERE provider_id = ? AND created_at >= ? AND created_at < ?",
            [.text(providerId), start, end]
        ).first
        let count = ratings?["n"].integerValue ?? 0
        let rating = count > 0 ? Double(ratings?["total"].integerValue ?? 0) / Double(count) : nil
        let collected = try ProviderLedgerFold.load(providerId: providerId, in: db).totals(in: period.interval).paid
        return ActivitySummary(
            providerId: providerId, phone: phone, firstName: ProviderRequestWording.firstName(name), period: period,
            completedMissions: Int(missions), collected: collected, averageRating: rating, attempts: attempts)
    }

    // MARK: - Work rows

    /// How a summary ended.
    public enum Outcome: String, Sendable {
        case sent, failed, skipped
    }

    /// Takes a summary for `lease` seconds; false when another sender holds it or it is done.
    public static func claim(key: String, now: Date, lease: TimeInterval, in db: any ReplicaConnection) throws -> Bool {
        try GatewayWork.claim(.summary, key: key, now: now, lease: lease, in: db)
    }

    /// The summary is done for good: never considered again.
    public static func finish(key: String, outcome: Outcome, error: String? = nil, now: Date, in db: any ReplicaConnection) throws {
        let errorText = ColumnValue(error.map { String($0.prefix(500)) })
        try db.execute(
            """
            INSERT INTO gateway_work (kind, work_key, attempts, done_at, outcome, last_error)
            VALUES (\(GatewayWorkKind.summary.sqlLiteral), ?, 0, ?, ?, ?)
            ON CONFLICT (kind, work_key) DO UPDATE SET lease_until = NULL, next_attempt_at = NULL, done_at = ?, outcome = ?,
                last_error = coalesce(CAST(? AS TEXT), gateway_work.last_error)
            """, [.text(key), ColumnValue(now), .text(outcome.rawValue), errorText, ColumnValue(now), .text(outcome.rawValue), errorText])
    }

    /// A transient failure: try again at `retryAt` (if the period is not stale by then).
    public static func retryLater(key: String, at retryAt: Date, error: String, in db: any ReplicaConnection) throws {
        try GatewayWork.retryLater(.summary, key: key, at: retryAt, error: error, in: db)
    }
}
