import DjobeaDomain
import DjobeaPostgres
import DjobeaTestSupport
import Testing

@Suite("PostgreSQL triggers", .enabled(if: PostgresTestDatabase.isAvailable), .timeLimit(.minutes(2)))
struct PostgresTriggerTests {
    static let now = "2026-03-02T08:00:00.000Z"

    /// A zone of hub h1 with a client, a request and a provider serving it (no foreign keys: any order will do).
    static func seed(_ session: PostgresSession) throws {
        try session.execute(
            "INSERT INTO zones (id, code, name, hub_id, created_at) VALUES ('z1', 'bonamoussadi', 'Bonamoussadi', 'h1', $1)", [.text(now)])
        try session.execute(
            "INSERT INTO clients (id, phone, name, zone_id, created_at) VALUES ('c1', '+237612345678', 'Awa', 'z1', $1)", [.text(now)])
        try session.execute(
            """
            INSERT INTO service_requests (id, client_id, service_id, zone_id, urgency, title, description, address, created_at, updated_at)
            VALUES ('r1', 'c1', 's1', 'z1', 'urgent', 'Fuite', 'Fuite sous l''évier', 'Rue 1', $1, $1)
            """, [.text(now)])
        try session.execute("INSERT INTO provider_zones (id, provider_id, zone_id) VALUES ('pz1', 'p1', 'z1'), ('pz2', 'p2', 'z1')")
        try session.execute(
            """
            INSERT INTO ledger_entries (id, request_id, provider_id, kind, method, amount, hlc, origin_node, recorded_at, recorded_by_role)
            VALUES ('l1', 'r1', 'p1', 'payment', 'cash', 5000, 1, 'hub-1', $1, 'provider')
            """, [.text(now)])
        try session.execute(
            "INSERT INTO commission_rates (id, level, basis_points, effective_from, created_at) VALUES ('cr1', 'bronze', 1000, $1, $1)",
            [.text(now)])
    }

    static func moves(_ session: PostgresSession) throws -> [[ColumnValue]] {
        try session.query("SELECT table_name, row_key FROM partition_moves ORDER BY seq")
    }

    @Test("append-only tables refuse updates and deletes as a constraint violation with SQLite's message")
    func appendOnly() async throws {
        try await PostgresTestDatabase.with { test in
            try await test.database.transaction { try Self.seed($0) }
            let refused: [(String, String)] = [
                ("UPDATE ledger_entries SET amount = 1", "ledger entries are immutable: record a reversal"),
                ("DELETE FROM ledger_entries", "ledger entries are immutable: record a reversal"),
                ("UPDATE commission_rates SET basis_points = 1", "commission rate versions are immutable"),
            ]
            for (sql, message) in refused {
                await #expect {
                    try await test.database.transaction { try $0.execute(sql) }
                } throws: { error in
                    (error as? PostgresConstraintViolation)?.message == message
                }
            }
            // An append-only table without rows lets a statement through (the triggers are per row).
            let deleted = try await test.database.transaction { try $0.execute("DELETE FROM mission_events") }
            #expect(deleted == 0)
        }
    }

    @Test("a request, client, provider or zone changing partition is logged in partition_moves")
    func partitionMoves() async throws {
        try await PostgresTestDatabase.with { test in
            let moves = try await test.database.transaction { session in
                try Self.seed(session)
                var steps: [[[ColumnValue]]] = []
                try session.execute("UPDATE service_requests SET zone_id = 'z1', title = 'Fuite !'")
                steps.append(try Self.moves(session))
                try session.execute("UPDATE service_requests SET zone_id = 'z2'")
                steps.append(try Self.moves(session))
                try session.execute("DELETE FROM partition_moves")
                try session.execute("UPDATE service_requests SET zone_id = 'z1'")
                try session.execute("UPDATE clients SET zone_id = NULL")
                try session.execute(
                    "INSERT INTO providers (id, phone, name, hub_id, joined_at, updated_at) VALUES ('p1', '+237699999999', 'Eto', 'h1', 'x', 'x')")
                try session.execute("UPDATE providers SET hub_id = 'h2'")
                try session.execute("UPDATE zones SET hub_id = 'h2'")
                steps.append(try Self.moves(session).filter { $0[0] != .text("service_requests") || $0[1] != .text("r1") })
                return steps
            }
            #expect(moves[0] == [])
            #expect(moves[1] == [[.text("service_requests"), .text("r1")], [.text("clients"), .text("c1")]])
            // The zones' move names c1 although its own zone is now NULL: it is in z1's partition through r1 (v4).
            #expect(
                moves[2] == [
                    [.text("clients"), .text("c1")], [.text("clients"), .text("c1")], [.text("providers"), .text("p1")],
                    [.text("clients"), .text("c1")], [.text("providers"), .text("p1")], [.text("providers"), .text("p2")],
                ])
        }
    }
}
