import Foundation

/// The order in which eligible providers are offered a request: a stated, deterministic score.
///
/// `score = bayesianRating − responsePenalty − loadPenalty`, in stars, where
/// - `bayesianRating = (priorWeight × priorMean + Σ stars) / (priorWeight + ratingCount)`: a provider's mean pulled
///   towards `priorMean` as if they had `priorWeight` extra reviews of that value, so one 5★ review (4.17) does
///   not beat forty reviews averaging 4.8 (4.71), and a newcomer starts at the prior;
/// - `responsePenalty = responsePenaltyPerMinute × min(averageResponseMinutes, responseCapMinutes)`, with
///   `defaultResponseMinutes` for a provider without recent offers;
/// - `loadPenalty = loadPenaltyPerMission × openMissions`.
///
/// The score is rounded to a thousandth of a star, so that equal inputs compare equal whatever the float
/// arithmetic; equal scores go to the higher level, then to the smaller provider id.
public struct OfferRanking: Hashable, Sendable {
    public var priorMean: Double
    public var priorWeight: Double
    public var responsePenaltyPerMinute: Double
    public var responseCapMinutes: Double
    public var defaultResponseMinutes: Double
    public var loadPenaltyPerMission: Double

    public init(
        priorMean: Double = 4.0, priorWeight: Double = 5, responsePenaltyPerMinute: Double = 0.02, responseCapMinutes: Double = 60,
        defaultResponseMinutes: Double = 15, loadPenaltyPerMission: Double = 0.25
    ) {
        self.priorMean = priorMean
        self.priorWeight = priorWeight
        self.responsePenaltyPerMinute = responsePenaltyPerMinute
        self.responseCapMinutes = responseCapMinutes
        self.defaultResponseMinutes = defaultResponseMinutes
        self.loadPenaltyPerMission = loadPenaltyPerMission
    }

    /// Prior 4.0★ weighing 5 reviews; 0.02★ per minute of mean response, capped at 60 minutes (15 when unknown);
    /// 0.25★ per open mission.
    public static let standard = OfferRanking()

    /// The rating pulled towards the prior (see the type's summary).
    public func bayesianRating(average: Double?, count: Int) -> Double {
        let count = Double(max(0, count))
        let total = (average ?? priorMean) * count
        return (priorWeight * priorMean + total) / (priorWeight + count)
    }

    /// The score in thousandths of a star.
    public func score(_ candidate: OfferCandidate) -> Int {
        let rating = bayesianRating(average: candidate.averageRating, count: candidate.ratingCount)
        let minutes = min(max(0, candidate.averageResponseMinutes ?? defaultResponseMinutes), responseCapMinutes)
        let value = rating - responsePenaltyPerMinute * minutes - loadPenaltyPerMission * Double(max(0, candidate.openMissions))
        return Int((value * 1000).rounded())
    }

    /// Best first: score, then level, then provider id.
    public func sorted(_ candidates: [OfferCandidate]) -> [OfferCandidate] {
        candidates.map { (candidate: $0, score: score($0)) }
            .sorted { lhs, rhs in
                if lhs.score != rhs.score { return lhs.score > rhs.score }
                if lhs.candidate.level != rhs.candidate.level { return lhs.candidate.level > rhs.candidate.level }
                return lhs.candidate.providerId < rhs.candidate.providerId
            }
            .map(\.candidate)
    }
}
