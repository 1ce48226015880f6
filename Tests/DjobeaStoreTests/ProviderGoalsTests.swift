import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Provider goals: the month's target, progress, projection and advice")
struct ProviderGoalsTests {
    /// Wednesday 25 November 2026, 15:00 in Douala.
    let now = AccountFixture.date("2026-11-25T14:00:00.000Z")

    func set(_ fixture: AccountFixture, _ change: GoalChange, provider: String? = nil, now: Date? = nil) throws -> ProviderGoalView {
        try fixture.database.writeBlocking(now: now ?? self.now) { tx in
            try ProviderGoals.setGoal(providerId: provider ?? fixture.providerId, change: change, in: tx)
        }
    }

    func view(_ fixture: AccountFixture, provider: String? = nil, month: String? = nil) throws -> ProviderGoalView {
        try fixture.database.readBlocking { db in
            try ProviderGoals.view(providerId: provider ?? fixture.providerId, month: month.flatMap(CalendarMonth.init(key:)), now: now, in: db)
        }
    }

    @Test("earned is the earnings API's gross for the month, and progress is its share of the goal")
    func earnedMatchesEarnings() throws {
        let (fixture, _, _) = try ProviderAccountFinanceTests().november()
        let goal = try set(fixture, GoalChange(month: nil, targetRevenue: 60_000, targetMissions: 4))
        let earnings = try fixture.database.readBlocking { db in
            try ProviderFinance.earnings(providerId: fixture.providerId, period: .month, now: now, in: db)
        }
        #expect(goal.month == "2026-11" && goal.monthLabel == "Novembre 2026")
        #expect(goal.progress.earned == earnings.gross)
        #expect(goal.progress.earned == 30_000)
        #expect(goal.progress.percent == 50.0)
        #expect(goal.progress.missionsCompleted == 2 && goal.progress.missionsPercent == 50.0)
        #expect(goal.goal?.targetRevenue == 60_000 && goal.goal?.targetMissions == 4 && goal.goal?.month == "2026-11")
        #expect(goal.goal?.targetRevenueLabel == XAF(60_000).formatted)
        // 25...30 November: six days left, five of them working days (Monday to Saturday).
        #expect(goal.progress.daysInMonth == 30 && goal.progress.daysLeft == 6 && goal.progress.workingDaysLeft == 5)
        #expect(try view(fixture) == goal)
    }

    @Test("the projection has a range around it, a method in French and an outlook; history starts the day the provider joined")
    func projection() throws {
        let (fixture, _, _) = try ProviderAccountFinanceTests().november()
        let view = try set(fixture, GoalChange(month: nil, targetRevenue: 1_000_000, targetMissions: nil))
        let projection = view.projection
        #expect(projection.low <= projection.amount && projection.amount <= projection.high)
        #expect(projection.low >= view.progress.earned)
        // Joined 1 October: 55 days of history before 25 November, not 90.
        #expect(projection.historyDays == 55)
        #expect(projection.weekdays.count == 7 && projection.weekdays.first?.label == "lundi")
        #expect(projection.weekdays.map(\.days).reduce(0, +) == 55)
        #expect(view.methodFr.contains("55 derniers jours") && view.methodFr.contains("avant commission"))
        #expect(projection.outlook == "out_of_reach" && projection.outlookLabel == "Objectif hors de portée")
        #expect(projection.chancePercent == 0)
        #expect(view.recommendations.first?.code == "goal_gap")
        // The electricity job still owes 5 000 FCFA.
        let unpaid = try #require(view.recommendations.first { $0.code == "unpaid_invoices" })
        #expect(unpaid.textFr.hasPrefix("1 facture de mission terminée reste à encaisser, pour \(XAF(5_000).formatted)"))
    }

    @Test("setting a goal writes one row through the change log; a change logs only the changed column; the same values log nothing")
    func writesThroughChangeLog() throws {
        let fixture = try AccountFixture()
        _ = try set(fixture, GoalChange(month: nil, targetRevenue: 150_000, targetMissions: nil))
        #expect(try fixture.changes("goals").count == 1)
        let row = try #require(try fixture.database.readBlocking { db in try Row.fetchOne(db, sql: "SELECT * FROM goals") })
        #expect(row["provider_id"] == fixture.providerId && row["month"] == "2026-11")
        #expect(row["target_revenue"] == 150_000 && row["target_missions"] == 0)
        _ = try set(fixture, GoalChange(month: "2026-11", targetRevenue: 150_000, targetMissions: nil))
        #expect(try fixture.changes("goals").count == 1, "the same goal again writes nothing")
        let changed = try set(fixture, GoalChange(month: "2026-11", targetRevenue: 200_000, targetMissions: nil))
        #expect(changed.goal?.targetRevenue == 200_000 && changed.goal?.targetMissions == 0)
        let logged = try fixture.changes("goals")
        #expect(logged.count == 2)
        #expect(try fixture.database.readBlocking { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM goals") } == 1)
        // Next month: a second row; the view covers the whole of December.
        let december = try set(fixture, GoalChange(month: "2026-12", targetRevenue: 250_000, targetMissions: 12))
        #expect(december.month == "2026-12" && december.progress.daysLeft == 31 && december.progress.earned == 0)
        #expect(try fixture.database.readBlocking { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM goals") } == 2)
        #expect(try view(fixture).goal?.targetRevenue == 200_000)
    }

    @Test("invalid goals are refused with the field at fault, and nothing is written")
    func validation() throws {
        let fixture = try AccountFixture()
        let cases: [(GoalChange, String)] = [
            (GoalChange(month: nil, targetRevenue: nil, targetMissions: nil), "target_revenue"),
            (GoalChange(month: nil, targetRevenue: -1, targetMissions: nil), "target_revenue"),
            (GoalChange(month: nil, targetRevenue: 100_000_001, targetMissions: nil), "target_revenue"),
            (GoalChange(month: nil, targetRevenue: 1_000, targetMissions: -1), "target_missions"),
            (GoalChange(month: nil, targetRevenue: 1_000, targetMissions: 10_001), "target_missions"),
            (GoalChange(month: "2026-13", targetRevenue: 1_000, targetMissions: nil), "month"),
            (GoalChange(month: "novembre", targetRevenue: 1_000, targetMissions: nil), "month"),
            (GoalChange(month: "2026-10", targetRevenue: 1_000, targetMissions: nil), "month"),
            (GoalChange(month: "2027-12", targetRevenue: 1_000, targetMissions: nil), "month"),
        ]
        for (change, field) in cases {
            let error = #expect(throws: ProviderAccountError.self) { try set(fixture, change) }
            #expect(error?.code == "invalid_field" && error?.field == field, "\(change)")
        }
        var unknown = GoalChange(month: nil, targetRevenue: 1_000, targetMissions: nil)
        unknown.unknownFields = ["provider_id"]
        expectAccountError(.unknownField(field: "provider_id")) { _ = try set(fixture, unknown) }
        expectAccountError(.notFound(resource: "provider")) {
            _ = try set(fixture, GoalChange(month: nil, targetRevenue: 1, targetMissions: nil), provider: DjobeaID.v7())
        }
        #expect(try fixture.changes("goals").isEmpty)
        // The bounds themselves are accepted.
        #expect(try set(fixture, GoalChange(month: "2027-11", targetRevenue: 100_000_000, targetMissions: 10_000)).goal?.targetRevenue == 100_000_000)
        #expect(try set(fixture, GoalChange(month: nil, targetRevenue: 0, targetMissions: 0)).progress.percent == nil)
    }

    @Test("a provider reads and writes only their own goal")
    func ownGoalOnly() throws {
        let fixture = try AccountFixture()
        _ = try set(fixture, GoalChange(month: nil, targetRevenue: 150_000, targetMissions: nil))
        #expect(try view(fixture, provider: fixture.otherProviderId).goal == nil)
        let paul = try set(fixture, GoalChange(month: nil, targetRevenue: 90_000, targetMissions: nil), provider: fixture.otherProviderId)
        #expect(paul.goal?.targetRevenue == 90_000)
        #expect(try view(fixture).goal?.targetRevenue == 150_000)
        let owners = try fixture.database.readBlocking { db in try String.fetchAll(db, sql: "SELECT provider_id FROM goals ORDER BY target_revenue") }
        #expect(owners == [fixture.otherProviderId, fixture.providerId])
    }

    @Test("the acceptance advice counts the provider's offers of the last 30 days by how they ended")
    func acceptanceFromOffers() throws {
        let fixture = try AccountFixture()
        // (offered, state): 3 accepted, 2 declined, 4 expired in the window; a withdrawn one, an old one and a pending
        // one are not counted.
        var offers: [(String, String)] = []
        for (count, state) in [(3, "accepted"), (2, "declined"), (4, "expired"), (1, "withdrawn"), (1, "pending")] {
            offers += Array(repeating: ("2026-11-20T09:00:00.000Z", state), count: count)
        }
        offers.append(("2026-10-20T09:00:00.000Z", "declined"))
        for (offeredAt, state) in offers.sorted(by: { $0.0 < $1.0 }) {
            let at = AccountFixture.date(offeredAt)
            let request = try fixture.request(createdAt: at)
            try fixture.database.writeBlocking(now: at) { tx in
                var row: [String: ColumnValue] = [
                    "id": .text(DjobeaID.v7(now: at)), "request_id": .text(request), "provider_id": .text(fixture.providerId),
                    "offered_at": ColumnValue(at), "expires_at": ColumnValue(at.addingTimeInterval(900)), "state": .text(state),
                ]
                if state == "accepted" || state == "declined" { row["answered_at"] = ColumnValue(at.addingTimeInterval(60)) }
                try tx.insert(.requestOffers, row)
            }
        }
        let facts = try fixture.database.readBlocking { db in
            try ProviderGoals.offerFacts(providerId: fixture.providerId, since: DoualaCalendar().last30Days(now: now).start, in: db)
        }
        #expect(facts == RevenueAdvice.OfferFacts(accepted: 3, declined: 2, expired: 4))
        let advice = try #require(try view(fixture).recommendations.first { $0.code == "low_acceptance" })
        #expect(
            advice.textFr.hasPrefix("Vous avez accepté 3 des 9 demandes reçues ces 30 derniers jours (33\u{202F}%), dont 4 expirées sans réponse"))
        #expect(try view(fixture, provider: fixture.otherProviderId).recommendations.allSatisfy { $0.code != "low_acceptance" })
    }

    @Test("the month a goal may name: this month or the next 12 to write, up to 12 back to read")
    func months() {
        func accepted(_ key: String, writing: Bool) -> Bool {
            if case .success = ProviderGoals.month(key, now: now, writing: writing) { return true }
            return false
        }
        #expect(accepted("2026-11", writing: true) && accepted("2027-11", writing: true))
        #expect(!accepted("2027-12", writing: true) && !accepted("2026-10", writing: true))
        #expect(accepted("2026-10", writing: false) && accepted("2025-11", writing: false))
        #expect(!accepted("2025-10", writing: false) && !accepted("2026-1", writing: false))
        // 23:30 UTC on 30 November is already December in Douala.
        #expect(ProviderGoals.currentMonth(now: AccountFixture.date("2026-11-30T23:30:00.000Z")).key == "2026-12")
    }
}
