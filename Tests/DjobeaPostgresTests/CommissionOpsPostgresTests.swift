import DjobeaDomain
import DjobeaPostgres
import DjobeaReplication
import DjobeaStore
import DjobeaTestSupport
import Foundation
import Testing

/// Commission rate versions and provider levels on central's PostgreSQL, through the storage seam: the version, its
/// replay and refusals, the audit lines (the widened `ops_actions` kinds), the derived commission and the level rule.
@Suite("Commission rates and levels on PostgreSQL", .enabled(if: PostgresTestDatabase.isAvailable), .timeLimit(.minutes(2)))
struct CommissionOpsPostgresTests {
    @Test("a version, its replay, a backdated refusal, the new rate for later completions, and a level recomputed with its audit line")
    func ratesAndLevels() async throws {
        try await PostgresTestDatabase.with { test in
            let storage = try await PostgresReplicaStorage.open(database: test.database, role: .central)
            let intake = IntakeStore(storage)
            let earlier = Date().addingTimeInterval(-3_600)
            try await intake.seedReferenceData(now: earlier)
            _ = try await storage.enrolHub(name: "Hub Akwa", zoneCodes: ["zone-pg"], now: earlier)
            let service = try #require(ServiceCatalogue.builtIn.first).code.rawValue
            let providerId = try await intake.registerProvider(
                ProviderRegistration(name: "Jean Kouam", phone: "+237695000021", services: [service], zones: ["zone-pg"]), now: earlier)
            let store = OpsStore(storage)
            let effective = Date().addingTimeInterval(3_600)
            let input = CommissionRateInput(
                level: "bronze", basisPoints: 2_500, effectiveFrom: UTCTimestamp.format(effective), reason: "Nouvelle grille")
            let added = try await store.addCommissionRate(input, actor: OpsActor("ops-marie"), idempotencyKey: "taux-pg")
            let replay = try await store.addCommissionRate(input, actor: OpsActor("ops-marie"), idempotencyKey: "taux-pg")
            #expect(replay.replayed && replay.rateId == added.rateId)
            do {
                _ = try await store.addCommissionRate(
                    CommissionRateInput(
                        level: "bronze", basisPoints: 900, effectiveFrom: UTCTimestamp.format(effective.addingTimeInterval(-60)), reason: "x"),
                    actor: OpsActor("ops-marie"))
                Issue.record("a version before the level's latest was accepted")
            } catch let refusal as OpsRefusal {
                #expect(refusal.code == "commission_rate_backdated")
            }
            let grid = try await store.commissionRateGrid()
            #expect(grid.levels.first?.future.map(\.id) == [try #require(added.rateId)])

            let before = try await CommissionFixtures.completedMission(
                storage, providerId: providerId, zone: "zone-pg", service: service, clientPhone: "+237677000031", total: 20_000,
                completedAt: effective.addingTimeInterval(-60), stars: 5)
            let after = try await CommissionFixtures.completedMission(
                storage, providerId: providerId, zone: "zone-pg", service: service, clientPhone: "+237677000032", total: 20_000,
                completedAt: effective.addingTimeInterval(60), stars: 4)
            #expect(try await CommissionFixtures.commission(storage, requestId: before)?.amount == 2_000)
            #expect(
                try await CommissionFixtures.commission(storage, requestId: after).map { ($0.amount, $0.rateId) } ?? (0, "") == (
                    5_000, added.rateId ?? ""
                ))

            // Two missions are not enough for argent: the rule leaves bronze; by hand it becomes or, logged.
            let recomputed = try await store.recomputeLevels(actor: OpsActor("ops-marie"))
            #expect(recomputed.changed == 0)
            let levels = try await store.providerLevels(now: effective.addingTimeInterval(120))
            let jean = try #require(levels.providers.first)
            #expect(jean.completedMissions == 2 && jean.ratingCount == 2 && jean.averageRating == 4.5 && jean.computedLevel == "bronze")
            let manual = try await store.setProviderLevel(id: providerId, level: "or", reason: "Partenaire", actor: OpsActor("ops-marie"))
            #expect(manual.level == "or")
            #expect(try await CommissionFixtures.level(storage, providerId: providerId) == "or")
            let back = try await store.setProviderLevel(id: providerId, level: "auto", reason: "Retour", actor: OpsActor("ops-marie"))
            #expect(back.level == "bronze" && back.summary.hasPrefix("Niveau de Jean Kouam : Or → Bronze, rendu à la règle"))
            #expect(
                try await store.auditTrail().map(\.kind).sorted()
                    == ["add_commission_rate", "override_provider_level", "recompute_levels", "set_provider_level"])
        }
    }
}
