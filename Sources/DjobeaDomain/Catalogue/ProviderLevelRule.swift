import Foundation

/// What a provider did in the rule's window (the last 12 months): missions completed and ratings received.
public struct ProviderActivity: Sendable, Equatable {
    /// Missions of the provider whose status is `terminee`, completed within the window.
    public var completedMissions: Int
    /// Ratings the provider received within the window.
    public var ratingCount: Int
    /// The sum of their stars (1 to 5 each).
    public var ratingStars: Int

    public init(completedMissions: Int, ratingCount: Int, ratingStars: Int) {
        self.completedMissions = max(0, completedMissions)
        self.ratingCount = max(0, ratingCount)
        self.ratingStars = max(0, ratingStars)
    }

    /// The average rating, nil without ratings.
    public var averageRating: Double? {
        ratingCount == 0 ? nil : Double(ratingStars) / Double(ratingCount)
    }
}

/// The rule that gives a provider their level (bronze by default), from their activity over the last 12 months. Each
/// level above bronze asks for a number of completed missions, a number of ratings and an average rating; the highest
/// level whose three thresholds are all met is the provider's. Compared in integers (stars × 10 against the average
/// in tenths × ratings), so every node computes the same level.
public enum ProviderLevelRule {
    /// The window the activity is counted over: the 365 days before the computation.
    public static let windowDays = 365

    /// What one level asks for.
    public struct Threshold: Sendable, Equatable {
        public var level: ProviderLevel
        public var minimumMissions: Int
        public var minimumRatings: Int
        /// The minimum average rating in tenths of a star (45 = 4,5 ★).
        public var minimumAverageTenths: Int

        public var minimumAverage: Double { Double(minimumAverageTenths) / 10 }
    }

    /// From the highest level down; bronze needs nothing.
    public static let thresholds: [Threshold] = [
        Threshold(level: .platine, minimumMissions: 150, minimumRatings: 40, minimumAverageTenths: 47),
        Threshold(level: .or, minimumMissions: 60, minimumRatings: 15, minimumAverageTenths: 45),
        Threshold(level: .argent, minimumMissions: 20, minimumRatings: 5, minimumAverageTenths: 40),
    ]

    /// The level the rule gives for `activity`.
    public static func level(for activity: ProviderActivity) -> ProviderLevel {
        thresholds.first { meets(activity, $0) }?.level ?? .bronze
    }

    /// Whether `activity` meets every threshold of `threshold`.
    public static func meets(_ activity: ProviderActivity, _ threshold: Threshold) -> Bool {
        activity.completedMissions >= threshold.minimumMissions && activity.ratingCount >= threshold.minimumRatings
            && activity.ratingCount > 0 && activity.ratingStars * 10 >= threshold.minimumAverageTenths * activity.ratingCount
    }

    /// The start of the window for a computation at `now`.
    public static func windowStart(now: Date) -> Date {
        now.addingTimeInterval(-Double(windowDays) * 86_400)
    }

    /// The rule, in French, as ops and the API show it.
    public static var descriptionFR: String {
        let lines = thresholds.map { threshold in
            "\(threshold.level.labelFR) : au moins \(threshold.minimumMissions) missions terminées, \(threshold.minimumRatings) avis "
                + "et une note moyenne d'au moins \(decimalFR(tenths: threshold.minimumAverageTenths)) ★"
        }
        return "Niveau calculé sur les 12 derniers mois (missions terminées et avis reçus) : le plus haut niveau dont toutes "
            + "les conditions sont remplies. " + lines.joined(separator: " ; ") + " ; Bronze sinon (niveau de départ)."
    }

    /// The activity in French, e.g. « 32 missions terminées, note moyenne 4,3 ★ sur 12 avis ».
    public static func activityFR(_ activity: ProviderActivity) -> String {
        let missions =
            "\(activity.completedMissions) mission\(activity.completedMissions > 1 ? "s" : "") terminée\(activity.completedMissions > 1 ? "s" : "")"
        guard activity.ratingCount > 0 else { return missions + ", aucun avis" }
        // Rounded half up to a tenth, in integers.
        let tenths = (activity.ratingStars * 100 / activity.ratingCount + 5) / 10
        return missions + ", note moyenne \(decimalFR(tenths: tenths)) ★ sur \(activity.ratingCount) avis"
    }

    /// 45 → « 4,5 ».
    static func decimalFR(tenths: Int) -> String {
        "\(tenths / 10),\(tenths % 10)"
    }
}
