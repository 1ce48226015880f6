import DjobeaTestSupport
import Foundation
import Testing

/// The property test's schedules (`SyncProperty`, as `SyncPropertyTests` runs them on SQLite) with central on
/// PostgreSQL: central's writes, the sync exchange and every check go through `PostgresReplicaStorage`; hubs stay
/// SQLite and run the real `SyncEngine`. Fewer schedules than on SQLite (each costs more), the busy variant, and the
/// regression seeds. Central's snapshots (restored before every schedule) are copies of its tables in schemas of their own.
///
/// Serialized, as the SQLite suite: its schedules are CPU-bound, and a read the status probe makes from the engine's
/// synchronous progress callback waits on another thread of the cooperative pool.
@Suite("Sync property with central on PostgreSQL", .serialized, .enabled(if: PostgresTestDatabase.isAvailable))
struct SyncPropertyPostgresTests {
    @Test("100 random schedules converge with central on PostgreSQL")
    func randomSchedulesConverge() async throws {
        let failures = try await PostgresTestDatabase.with { test in
            try await SyncProperty.runSchedules(
                count: 100, scale: 100, busyHubs: SyncProperty.probes.contains("busy-hubs"), opsActions: !SyncProperty.probes.contains("no-ops"),
                central: .postgres(test.database))
        }
        #expect(failures.isEmpty, "\(failures.count) schedule(s) diverged; replay one with SYNC_PROPERTY_SEED:\n\(failures.joined(separator: "\n"))")
    }

    @Test("25 random schedules with busy hubs and ops actions converge with central on PostgreSQL")
    func busySchedulesConverge() async throws {
        let failures = try await PostgresTestDatabase.with { test in
            try await SyncProperty.runSchedules(count: 25, scale: 100, busyHubs: true, opsActions: true, central: .postgres(test.database))
        }
        #expect(
            failures.isEmpty,
            "\(failures.count) schedule(s) diverged; replay one with SYNC_PROPERTY_PROBE=busy-hubs SYNC_PROPERTY_SEED:\n\(failures.joined(separator: "\n"))"
        )
    }

    @Test("a zone's move takes away the clients the old hub held through its requests (PostgreSQL)")
    func zoneMoveTellsClientsOfItsRequests() async throws {
        let failures = try await PostgresTestDatabase.with { test in
            try await SyncProperty.run(seeds: [5_335_615_469_271_384_197], busyHubs: true, opsActions: true, central: .postgres(test.database))
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("an unpushed accept by a provider moved to another hub is admitted where its request is (PostgreSQL)")
    func acceptByMovedProviderConverges() async throws {
        let failures = try await PostgresTestDatabase.with { test in
            try await SyncProperty.run(seeds: [5_335_615_469_271_384_074], busyHubs: true, opsActions: true, central: .postgres(test.database))
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("a partition that grew is re-fed even if the first re-fed answer is lost (PostgreSQL)")
    func partitionChangeSurvivesLostPullAnswer() async throws {
        let outcome = try await PostgresTestDatabase.with { test in
            let outcome = try await SyncProperty.partitionGrowsWhileAnswerLost(central: .postgres(test.database))
            return (outcome.before, outcome.after, outcome.failure.map { "\($0)" })
        }
        #expect(outcome.0 == 0, "not in Hub Un's partition yet")
        #expect(outcome.2 == nil, "\(outcome.2 ?? "")")
        #expect(outcome.1 == 1, "Hub Un holds the provider")
    }
}
