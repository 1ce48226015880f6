import Foundation

/// One local day's revenue (money received, before commission: the `gross` of the earnings API).
public struct DayRevenue: Hashable, Sendable {
    public var day: LocalDay
    public var amount: XAF

    public init(day: LocalDay, amount: XAF) {
        self.day = day
        self.amount = amount
    }
}

/// A month's revenue projected from the provider's own history, with weekday seasonality.
///
/// Method (deterministic, stated to the provider by `methodFR`):
/// - each weekday's mean and sample standard deviation over the history (the last 90 local days before today,
///   days without revenue counted as 0); a weekday seen fewer than twice takes the spread of all history days, a
///   weekday never seen takes the mean of all history days;
/// - projection = revenue received so far in the month + for every remaining day of the month the mean of its
///   weekday (today counts for what it still lacks to reach its mean: `max(0, mean − received today)`);
/// - range = projection ± 1.2816 × the standard deviation of the remaining days' sum (days taken as independent:
///   the variances add), the 10th and 90th percentiles of a normal law; the low end never goes below what is
///   already received. The projection always lies in the range.
public struct RevenueForecast: Hashable, Sendable {
    /// The days of history the method reads.
    public static let historyLength = 90
    /// The normal quantile of the 90th percentile: the range holds the month's total about 8 times out of 10.
    static let quantile90 = 1.2816

    public struct WeekdayStats: Hashable, Sendable {
        /// 1 = Monday ... 7 = Sunday.
        public let weekday: Int
        /// Days of this weekday in the history.
        public let days: Int
        /// Mean revenue of this weekday, to the franc.
        public let mean: XAF
        /// Sample standard deviation, to the franc.
        public let spread: XAF
        let variance: Double

        /// "mardi".
        public var nameFR: String { RevenueForecast.weekdayNameFR(weekday) }
    }

    /// How the month stands against a goal.
    public enum Outlook: String, CaseIterable, Sendable {
        /// Already received at least the goal.
        case reached
        /// The projection reaches the goal.
        case onTrack = "on_track"
        /// The projection falls short, but the range's high end reaches the goal.
        case difficult
        /// Even the high end falls short.
        case outOfReach = "out_of_reach"

        public var labelFR: String {
            switch self {
            case .reached: "Objectif atteint"
            case .onTrack: "Objectif atteignable"
            case .difficult: "Objectif difficile"
            case .outOfReach: "Objectif hors de portée"
            }
        }
    }

    public let month: CalendarMonth
    /// Monday first, seven entries.
    public let weekdays: [WeekdayStats]
    /// Days of history read (at most `historyLength`).
    public let historyDays: Int
    /// Received in the month so far.
    public let earned: XAF
    /// The days of the month still to come, today included when it is in the month; first first.
    public let remainingDays: [LocalDay]
    /// What the remaining days are expected to add.
    public let expectedRemaining: XAF
    public let projection: XAF
    public let low: XAF
    public let high: XAF
    /// Standard deviation of the remaining days' sum, in francs.
    let deviation: Double

    /// Projects `month` at `today`.
    ///
    /// - Parameters:
    ///   - history: one entry per local day of the history, zero days included; days on or after `today` and
    ///     beyond the last `historyLength` are ignored; a day given twice counts once (its first entry).
    ///   - earned: received in `month` so far (today included).
    ///   - earnedToday: received today (0 when `today` is not in `month`).
    public static func project(
        month: CalendarMonth, today: LocalDay, history: [DayRevenue], earned: XAF, earnedToday: XAF
    ) -> RevenueForecast {
        var seen = Set<Int>()
        let window = history.filter { entry in
            entry.day < today && entry.day.number >= today.number - historyLength && seen.insert(entry.day.number).inserted
        }
        let weekdays = weekdayStats(window)
        let remaining: [LocalDay] =
            if month.contains(today) {
                month.days.filter { $0 >= today }
            } else if month.firstDay > today {
                month.days
            } else {
                []
            }
        var expected = XAF.zero
        var variance = 0.0
        for day in remaining {
            let stats = weekdays[day.weekday - 1]
            if day == today {
                let rest = max(.zero, stats.mean - earnedToday)
                expected += rest
                if rest > .zero { variance += stats.variance }
            } else {
                expected += stats.mean
                variance += stats.variance
            }
        }
        let deviation = variance.squareRoot()
        let half = XAF(Int((quantile90 * deviation).rounded()))
        let projection = earned + expected
        return RevenueForecast(
            month: month, weekdays: weekdays, historyDays: window.count, earned: earned, remainingDays: remaining, expectedRemaining: expected,
            projection: projection, low: max(earned, projection - half), high: projection + half, deviation: deviation)
    }

    /// The chance, in whole percent, that the month's total reaches `target` under the method's normal law; 100
    /// once received, and 100 or 0 when nothing is uncertain any more.
    public func chancePercent(target: XAF) -> Int {
        if earned >= target { return 100 }
        guard deviation > 0 else { return projection >= target ? 100 : 0 }
        let z = Double((target - projection).francs) / deviation
        let chance = 0.5 * erfc(z / 2.0.squareRoot())
        return max(0, min(100, Int((chance * 100).rounded())))
    }

    public func outlook(target: XAF) -> Outlook {
        if earned >= target { return .reached }
        if projection >= target { return .onTrack }
        if high >= target { return .difficult }
        return .outOfReach
    }

    /// "Objectif atteignable : …", the outlook in one French sentence with the figures behind it.
    public func outlookFR(target: XAF) -> String {
        let chance = "environ \(RevenueAdvice.percentFR(chancePercent(target: target))) de chances estimées"
        switch outlook(target: target) {
        case .reached:
            return "Objectif atteint : \(earned.formatted) encaissés pour un objectif de \(target.formatted)."
        case .onTrack:
            return "Objectif atteignable : la projection (\(projection.formatted)) atteint votre objectif (\(target.formatted)), \(chance)."
        case .difficult:
            return "Objectif difficile : la projection (\(projection.formatted)) reste sous votre objectif (\(target.formatted)), "
                + "seul le haut de la fourchette (\(high.formatted)) l'atteint, \(chance)."
        case .outOfReach:
            return "Objectif hors de portée au rythme actuel : même le haut de la fourchette (\(high.formatted)) reste sous votre objectif "
                + "(\(target.formatted))."
        }
    }

    /// The method in one French paragraph, with this forecast's figures.
    public var methodFR: String {
        let received = "vos revenus encaissés ce mois-ci (\(earned.formatted), montants payés par vos clients avant commission)"
        if remainingDays.isEmpty { return "Mois terminé : la projection est le total de \(received)." }
        if historyDays == 0 {
            return "Pas encore d'historique sur les \(Self.historyLength) derniers jours : la projection se limite à \(received)."
        }
        let days = remainingDays.count == 1 ? "le jour restant" : "chacun des \(remainingDays.count) jours restants"
        return
            "Projection : \(received), plus, pour \(days), la moyenne de ce jour de la semaine sur vos \(historyDays) derniers jours "
            + "(aujourd'hui compte pour ce qui manque encore à sa moyenne). Fourchette : la projection plus ou moins 1,28 écart-type "
            + "de la somme des jours restants (jours supposés indépendants), soit environ 8 chances sur 10 que le total du mois y tombe."
    }

    // MARK: - Weekdays

    static let weekdayNamesFR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]

    /// "lundi" for 1 ... "dimanche" for 7.
    public static func weekdayNameFR(_ weekday: Int) -> String {
        weekdayNamesFR[max(1, min(7, weekday)) - 1]
    }

    /// Mean and spread per weekday; fallbacks from all days where a weekday has too few.
    static func weekdayStats(_ days: [DayRevenue]) -> [WeekdayStats] {
        let all = days.map { Double($0.amount.francs) }
        let overallMean = all.isEmpty ? 0 : all.reduce(0, +) / Double(all.count)
        let pooledVariance = sampleVariance(all, mean: overallMean) ?? 0
        return (1...7).map { weekday in
            let values = days.filter { $0.day.weekday == weekday }.map { Double($0.amount.francs) }
            let mean = values.isEmpty ? overallMean : values.reduce(0, +) / Double(values.count)
            let variance = sampleVariance(values, mean: mean) ?? pooledVariance
            return WeekdayStats(
                weekday: weekday, days: values.count, mean: XAF(Int(mean.rounded())), spread: XAF(Int(variance.squareRoot().rounded())),
                variance: variance)
        }
    }

    /// The sample variance (n − 1); nil below two values.
    private static func sampleVariance(_ values: [Double], mean: Double) -> Double? {
        guard values.count >= 2 else { return nil }
        return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    }
}
