import DjobeaDomain
import Foundation

/// What each demo provider's dashboard must show whatever the dice said: today's new, in-progress and done
/// missions, requests waiting for an answer (urgent, unseen, over 30 minutes), a late and a partly paid invoice,
/// and a late cancellation kept as a conflict.
extension DemoWorld {
    mutating func planDemoScenarios() {
        let today = calendar.startOfDay(now)
        // Early in the day there is less of "today" to fill: squeeze the scenes into what has passed.
        let squeeze = min(1, max(0.1, now.timeIntervalSince(today) / (7 * 3_600)))
        let minute: TimeInterval = 60
        for index in providers.indices where providers[index].isDemo {
            // Done today, paid on site.
            let doneAt = now.addingTimeInterval(-360 * minute * squeeze)
            script(
                index, .aujourdhui, at: doneAt, answer: .accept(after: 3 * minute),
                timing: MissionTiming(
                    arrival: doneAt.addingTimeInterval(70 * minute * squeeze), diagnoseAfter: 15 * minute * squeeze,
                    repairAfter: 8 * minute * squeeze, repairDuration: 60 * minute * squeeze, invoiceAfter: 10 * minute * squeeze),
                payment: .onSite)
            // On site now, repairing.
            let busyAt = now.addingTimeInterval(-180 * minute * squeeze)
            script(
                index, .urgent, at: busyAt, answer: .accept(after: 4 * minute),
                timing: MissionTiming(
                    arrival: busyAt.addingTimeInterval(50 * minute * squeeze), diagnoseAfter: 15 * minute * squeeze,
                    repairAfter: 10 * minute * squeeze, repairDuration: 140 * minute, invoiceAfter: 10 * minute))
            // Accepted, arriving later today.
            let nextAt = now.addingTimeInterval(-40 * minute * squeeze)
            script(
                index, .aujourdhui, at: nextAt, answer: .accept(after: 5 * minute),
                timing: MissionTiming(
                    arrival: now.addingTimeInterval(90 * minute), diagnoseAfter: 20 * minute, repairAfter: 10 * minute,
                    repairDuration: 60 * minute, invoiceAfter: 10 * minute))
            // Waiting for an answer: urgent and fresh, over 30 minutes, and a planned one; none seen.
            script(index, .urgent, at: now.addingTimeInterval(-4 * minute), answer: .pending)
            script(index, .cetteSemaine, at: now.addingTimeInterval(-45 * minute), answer: .pending)
            script(index, .planifie, at: now.addingTimeInterval(-150 * minute * squeeze), answer: .pending)
            // Late and unpaid; recent and partly paid.
            script(
                index, .cetteSemaine, at: local(today.addingTimeInterval(-13 * 86_400), hour: 9, minute: 20), answer: .accept(after: 6 * minute),
                payment: .never)
            script(
                index, .aujourdhui, at: local(today.addingTimeInterval(-3 * 86_400), hour: 10, minute: 5), answer: .accept(after: 2 * minute),
                payment: .partialOnly)
            if index == 0 {
                script(
                    index, .aujourdhui, at: local(today.addingTimeInterval(-6 * 86_400), hour: 14, minute: 40), answer: .accept(after: 5 * minute),
                    fate: .lateCancel)
            }
        }
    }

    private mutating func script(
        _ provider: Int, _ urgency: Urgency, at createdAt: Date, answer: OfferAnswer, fate: MissionFate = .complete, timing: MissionTiming? = nil,
        payment: PaymentPlan? = nil
    ) {
        // A scene older than the period is left out, so that requests stay within the requested days.
        guard createdAt >= windowStart, createdAt < now else { return }
        // A little jitter, so that scripted times do not fall on round minutes.
        let createdAt = min(now.addingTimeInterval(-30), createdAt.addingTimeInterval(rng.double(-40, 40)))
        var timing = timing.map { timing in
            var jittered = timing
            jittered.arrival = timing.arrival.addingTimeInterval(rng.double(-45, 45))
            jittered.diagnoseAfter = timing.diagnoseAfter * rng.double(0.9, 1.1)
            jittered.repairAfter = timing.repairAfter * rng.double(0.9, 1.1)
            jittered.repairDuration = timing.repairDuration * rng.double(0.95, 1.05)
            return jittered
        }
        if timing == nil, case .accept(let delay) = answer {
            // Scenes in the past follow the usual pace from acceptance.
            let acceptedAt = createdAt.addingTimeInterval(delay)
            timing = MissionTiming(
                arrival: daytime(acceptedAt.addingTimeInterval(rng.minutes(60, 150))), diagnoseAfter: rng.minutes(10, 25),
                repairAfter: rng.minutes(5, 15), repairDuration: rng.minutes(40, 110), invoiceAfter: rng.minutes(5, 20))
        }
        planRequest(
            at: createdAt,
            script: RequestScript(
                provider: provider, urgency: urgency, createdAt: createdAt, answer: answer, fate: fate, timing: timing, payment: payment))
    }
}
