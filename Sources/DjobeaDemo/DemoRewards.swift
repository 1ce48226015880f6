import DjobeaDomain
import DjobeaStore
import Foundation

/// Monthly goals and badges, computed from what the plan says happened.
extension DemoWorld {
    static let badgeLabels: [BadgeCode: String] = [
        .reponseEclair: "Réponse éclair", .clientSatisfait: "Client satisfait", .proDuMois: "Pro du mois", .centMissions: "100 missions",
    ]

    /// The first instants of the local months that overlap the period.
    private var monthStarts: [Date] {
        var starts: [Date] = []
        var month = calendar.thisMonth(now: windowStart).start
        while month <= now {
            starts.append(month)
            month = calendar.thisMonth(now: month).end
        }
        return starts
    }

    mutating func planGoals() {
        let months = max(1, now.timeIntervalSince(windowStart) / (30 * 86_400))
        for index in providers.indices {
            let provider = providers[index]
            let done = stats.completions.filter { $0.provider == index }
            let revenue = Double(done.reduce(0) { $0 + $1.total }) / months
            let missions = Double(done.count) / months
            for start in monthStarts {
                let revenueTarget = max(50_000, Int(revenue * rng.double(0.95, 1.3)) / 5_000 * 5_000)
                let missionTarget = max(5, Int((missions * rng.double(1.0, 1.25)).rounded()))
                let month = calendar.monthKey(start)
                let at = max(provider.joinedAt, start.addingTimeInterval(rng.minutes(7 * 60, 11 * 60)))
                timeline.at(at) { writer in
                    try writer.insert(
                        GoalRecord(
                            id: writer.newId(), providerId: try provider.ref.id(), month: month, targetRevenue: Int64(revenueTarget),
                            targetMissions: Int64(missionTarget)))
                }
            }
        }
    }

    /// Badges for each finished month, awarded on the first of the next month; "100 missions" when crossed.
    mutating func planBadges() {
        var lifetime = providers.map(\.pastMissions)
        for (index, provider) in providers.enumerated() where provider.pastMissions >= 100 {
            let at = daytime(provider.joinedAt.addingTimeInterval(windowStart.timeIntervalSince(provider.joinedAt) * 0.7))
            planBadge(index, code: .centMissions, period: calendar.monthKey(at), at: at)
        }
        for start in monthStarts {
            let end = calendar.thisMonth(now: start).end
            let awardAt = end.addingTimeInterval(9 * 3_600)
            let period = calendar.monthKey(start)
            let done = stats.completions.filter { $0.completedAt >= start && $0.completedAt < end }
            var counts = Array(repeating: 0, count: providers.count)
            var stars = Array(repeating: [Int](), count: providers.count)
            for completion in done {
                counts[completion.provider] += 1
                if let value = completion.stars { stars[completion.provider].append(value) }
            }
            var responses = Array(repeating: [TimeInterval](), count: providers.count)
            for response in stats.responses where response.answeredAt >= start && response.answeredAt < end {
                responses[response.provider].append(response.seconds)
            }
            for index in providers.indices {
                let before = lifetime[index]
                lifetime[index] += counts[index]
                if before < 100, lifetime[index] >= 100 { planBadge(index, code: .centMissions, period: period, at: awardAt) }
                let ratings = stars[index]
                if ratings.count >= 4, Double(ratings.reduce(0, +)) / Double(ratings.count) >= 4.5 {
                    planBadge(index, code: .clientSatisfait, period: period, at: awardAt)
                }
                let times = responses[index]
                if times.count >= 5, times.reduce(0, +) / Double(times.count) <= 8 * 60 {
                    planBadge(index, code: .reponseEclair, period: period, at: awardAt)
                }
            }
            for service in [ServiceCode.plomberie, .electricite, .electromenager] {
                let best = providers.indices.filter { providers[$0].services[0] == service }.max { (counts[$0], $1) < (counts[$1], $0) }
                if let best, counts[best] >= 3 { planBadge(best, code: .proDuMois, period: period, at: awardAt) }
            }
        }
    }

    private mutating func planBadge(_ index: Int, code: BadgeCode, period: String, at time: Date) {
        let provider = providers[index]
        let label = Self.badgeLabels[code] ?? code.rawValue
        let seen = seen(after: time)
        timeline.at(time, rows: 2) { writer in
            try writer.insert(
                BadgeRecord(id: writer.newId(), providerId: try provider.ref.id(), code: code, period: period, awardedAt: writer.stamp))
            try writer.notify(
                provider.ref, .system, request: nil, title: "Nouveau badge : \(label)",
                body: "Bravo \(provider.firstName) ! Badge « \(label) » (\(period)).",
                seenAt: seen)
        }
    }
}
