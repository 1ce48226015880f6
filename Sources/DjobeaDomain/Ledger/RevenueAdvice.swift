import Foundation

/// Rule-based advice on a month's revenue: each recommendation explains itself with the provider's own figures.
///
/// Rules, in the order they are returned:
/// 1. the goal: reached (`goal_reached`), not yet (`goal_gap`: what is missing per remaining working day, against
///    the provider's usual working day), no goal (`set_goal`: the projection as a realistic target), or no history
///    (`no_history`);
/// 2. `unpaid_invoices`: completed missions not fully paid, their total (and the share of the gap it would cover);
/// 3. `weekday_contrast`: the weakest working weekday earns at most half the best weekday (each seen at least 4
///    times, at least 2 000 FCFA apart);
/// 4. `low_acceptance`: fewer than 60 % of at least 5 offers of the last 30 days accepted.
public enum RevenueAdvice {
    public struct Recommendation: Hashable, Sendable {
        /// Stable: `goal_reached`, `goal_gap`, `set_goal`, `no_history`, `unpaid_invoices`, `weekday_contrast`, `low_acceptance`.
        public let code: String
        public let textFR: String
    }

    /// Offers answered or left to expire over the last 30 days.
    public struct OfferFacts: Hashable, Sendable {
        public var accepted: Int
        public var declined: Int
        public var expired: Int

        public init(accepted: Int, declined: Int, expired: Int) {
            self.accepted = accepted
            self.declined = declined
            self.expired = expired
        }

        public var offered: Int { accepted + declined + expired }
    }

    public struct Facts: Hashable, Sendable {
        public var forecast: RevenueForecast
        /// The month's revenue goal; nil when none is set.
        public var target: XAF?
        /// The provider's working weekdays (1 = Monday ... 7 = Sunday).
        public var workingDays: Set<Int>
        public var offers: OfferFacts
        /// Completed missions whose invoice is not fully paid, and what remains due on them.
        public var unpaidCount: Int
        public var unpaidTotal: XAF

        public init(
            forecast: RevenueForecast, target: XAF?, workingDays: Set<Int>, offers: OfferFacts, unpaidCount: Int, unpaidTotal: XAF
        ) {
            self.forecast = forecast
            self.target = target
            self.workingDays = workingDays
            self.offers = offers
            self.unpaidCount = unpaidCount
            self.unpaidTotal = unpaidTotal
        }
    }

    /// Observations a weekday needs before it is compared.
    static let minimumWeekdayDays = 4
    static let minimumContrast = XAF(2_000)
    static let minimumOffers = 5
    /// Below this share of offers accepted, in percent, the acceptance rule speaks.
    static let acceptanceThreshold = 60

    public static func recommendations(_ facts: Facts) -> [Recommendation] {
        [goal(facts), unpaid(facts), weekdayContrast(facts), acceptance(facts)].compactMap { $0 }
    }

    /// Working days left in the month (today included), by the provider's hours.
    public static func remainingWorkingDays(_ facts: Facts) -> Int {
        facts.forecast.remainingDays.filter { facts.workingDays.contains($0.weekday) }.count
    }

    // MARK: - Rules

    static func goal(_ facts: Facts) -> Recommendation? {
        let forecast = facts.forecast
        guard let target = facts.target, target > .zero else {
            guard forecast.historyDays > 0 else {
                return Recommendation(
                    code: "no_history",
                    textFR: "Pas encore de revenus sur les \(RevenueForecast.historyLength) derniers jours : la projection et les conseils "
                        + "s'affineront avec vos premières missions payées.")
            }
            return Recommendation(
                code: "set_goal",
                textFR: "Fixez-vous un objectif : au rythme de vos \(forecast.historyDays) derniers jours, ce mois-ci devrait vous rapporter "
                    + "environ \(forecast.projection.formatted) (entre \(forecast.low.formatted) et \(forecast.high.formatted)).")
        }
        if forecast.earned >= target {
            return Recommendation(
                code: "goal_reached",
                textFR: "Objectif atteint : \(forecast.earned.formatted) encaissés pour un objectif de \(target.formatted). "
                    + "Au rythme actuel, le mois devrait finir vers \(forecast.projection.formatted) : visez plus haut le mois prochain.")
        }
        let gap = target - forecast.earned
        let lead = "Il vous manque \(gap.formatted) pour atteindre votre objectif de \(target.formatted)"
        if forecast.remainingDays.isEmpty {
            return Recommendation(
                code: "goal_gap", textFR: "Mois terminé : il a manqué \(gap.formatted) pour atteindre l'objectif de \(target.formatted).")
        }
        let days = remainingWorkingDays(facts)
        guard days > 0 else {
            return Recommendation(
                code: "goal_gap",
                textFR: lead + " et il ne vous reste aucun jour travaillé ce mois-ci selon vos horaires : une mission un jour de repos "
                    + "ou l'encaissement de vos factures impayées peut combler l'écart.")
        }
        let perDay = XAF((gap.francs + days - 1) / days)
        var text = lead + " : \(perDay.formatted) par jour travaillé restant (\(days) \(days == 1 ? "jour" : "jours") selon vos horaires)"
        if let usual = usualWorkingDay(facts) {
            text += ", contre \(usual.formatted) en moyenne par jour travaillé sur vos \(forecast.historyDays) derniers jours"
        }
        return Recommendation(code: "goal_gap", textFR: text + ".")
    }

    static func unpaid(_ facts: Facts) -> Recommendation? {
        guard facts.unpaidCount > 0, facts.unpaidTotal > .zero else { return nil }
        let invoices =
            facts.unpaidCount == 1
            ? "1 facture de mission terminée reste à encaisser"
            : "\(facts.unpaidCount) factures de missions terminées restent à encaisser"
        var text = "\(invoices), pour \(facts.unpaidTotal.formatted) : relancez ces clients, cet argent compte dans votre objectif dès qu'il est reçu"
        if let target = facts.target, target > facts.forecast.earned {
            let gap = target - facts.forecast.earned
            let share = min(100, Int((Double(facts.unpaidTotal.francs) / Double(gap.francs) * 100).rounded()))
            text += " (de quoi couvrir \(percentFR(share)) de ce qui vous manque)"
        }
        return Recommendation(code: "unpaid_invoices", textFR: text + ".")
    }

    static func weekdayContrast(_ facts: Facts) -> Recommendation? {
        let seen = facts.forecast.weekdays.filter { $0.days >= minimumWeekdayDays }
        let working = seen.filter { facts.workingDays.contains($0.weekday) }
        guard let best = seen.max(by: { ($0.mean, $1.weekday) < ($1.mean, $0.weekday) }),
            let weak = (working.isEmpty ? seen : working).min(by: { ($0.mean, $0.weekday) < ($1.mean, $1.weekday) }),
            best.weekday != weak.weekday, best.mean - weak.mean >= minimumContrast, best.mean.francs >= 2 * weak.mean.francs
        else { return nil }
        var text = "Vos \(weak.nameFR)s rapportent en moyenne \(weak.mean.formatted) contre \(best.mean.formatted) les \(best.nameFR)s"
        if facts.workingDays.contains(best.weekday) {
            text +=
                " : soyez disponible et réactif le \(best.nameFR), et gardez le \(weak.nameFR) pour les devis, les achats de matériel et les relances."
        } else {
            text += " : le \(best.nameFR) ne fait pas partie de vos jours de travail, l'ajouter à vos horaires vous ouvrirait ces demandes."
        }
        return Recommendation(code: "weekday_contrast", textFR: text)
    }

    static func acceptance(_ facts: Facts) -> Recommendation? {
        let offers = facts.offers
        guard offers.offered >= minimumOffers else { return nil }
        let percent = Int((Double(offers.accepted) / Double(offers.offered) * 100).rounded(.down))
        guard percent < acceptanceThreshold else { return nil }
        var text = "Vous avez accepté \(offers.accepted) des \(offers.offered) demandes reçues ces 30 derniers jours (\(percentFR(percent)))"
        if offers.expired > 0 {
            text += offers.expired == 1 ? ", dont 1 expirée sans réponse" : ", dont \(offers.expired) expirées sans réponse"
        }
        return Recommendation(code: "low_acceptance", textFR: text + " : répondre plus vite et accepter davantage, c'est plus de missions payées.")
    }

    // MARK: - Helpers

    /// The mean of the working weekdays' means (weekdays seen at least once); nil without any.
    static func usualWorkingDay(_ facts: Facts) -> XAF? {
        let means = facts.forecast.weekdays.filter { facts.workingDays.contains($0.weekday) && $0.days > 0 }.map(\.mean.francs)
        guard !means.isEmpty else { return nil }
        return XAF(Int((Double(means.reduce(0, +)) / Double(means.count)).rounded()))
    }

    /// "40 %" (narrow no-break space before the sign).
    public static func percentFR(_ value: Int) -> String {
        "\(value)\u{202F}%"
    }
}
