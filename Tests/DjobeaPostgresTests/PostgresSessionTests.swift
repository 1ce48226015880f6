import DjobeaDomain
import DjobeaPostgres
import DjobeaTestSupport
import Foundation
import Testing

@Suite("PostgreSQL sessions", .enabled(if: PostgresTestDatabase.isAvailable), .timeLimit(.minutes(2)))
struct PostgresSessionTests {
    struct Refused: Error {}

    static let insertHub = "INSERT INTO hubs (id, name, created_at) VALUES ($1, $2, '2026-03-02T08:00:00.000Z')"

    static func hubCount(_ database: PostgresDatabase) async throws -> ColumnValue? {
        try await database.transaction { try $0.scalar("SELECT count(*) FROM hubs") }
    }

    @Test("values map to the sync's: integers and booleans to integer, text to text, NULL to null")
    func values() async throws {
        try await PostgresTestDatabase.with(migrated: false) { test in
            let row = try await test.database.transaction { session in
                try session.query(
                    "SELECT 1::int2, 2::int4, $1::int8, true, false, 'x'::varchar, $2::text, NULL::text, NULL::bigint, $3::text",
                    [.integer(-9_007_199_254_740_993), .text("é ✓"), .null])
            }
            #expect(
                row == [
                    [
                        .integer(1), .integer(2), .integer(-9_007_199_254_740_993), .integer(1), .integer(0), .text("x"), .text("é ✓"), .null, .null,
                        .null,
                    ]
                ])
            await #expect(throws: PostgresDatabaseError.self) {
                try await test.database.transaction { try $0.query("SELECT 1.5::numeric") }
            }
        }
    }

    @Test("execute returns the rows affected")
    func rowsAffected() async throws {
        try await PostgresTestDatabase.with { test in
            let counts = try await test.database.transaction { session in
                [
                    try session.execute(Self.insertHub, [.text("h1"), .text("Bonamoussadi")]),
                    try session.execute(Self.insertHub, [.text("h2"), .text("Akwa")]),
                    try session.execute("UPDATE hubs SET created_at = $1", [.text("2026-03-03T08:00:00.000Z")]),
                    try session.execute("DELETE FROM hubs WHERE id = $1", [.text("nope")]),
                ]
            }
            #expect(counts == [1, 1, 2, 0])
        }
    }

    @Test("a unique, check or not-null violation throws PostgresConstraintViolation and the transaction writes nothing")
    func constraintViolations() async throws {
        try await PostgresTestDatabase.with { test in
            let cases: [(ColumnValue, ColumnValue, String)] = [
                (.text("h2"), .text("Bonamoussadi"), "23505"), (.text("h2"), .text(""), "23514"), (.text("h2"), .null, "23502"),
            ]
            for (id, name, state) in cases {
                await #expect {
                    try await test.database.transaction { session in
                        try session.execute(Self.insertHub, [.text("h1"), .text("Bonamoussadi")])
                        try session.execute(Self.insertHub, [id, name])
                    }
                } throws: { error in
                    (error as? PostgresConstraintViolation)?.sqlState == state
                }
                let value1 = try await Self.hubCount(test.database)
                #expect(value1 == .integer(0))
            }
        }
    }

    @Test("a body that throws rolls back; other server errors carry their SQLSTATE")
    func rollbackAndServerErrors() async throws {
        try await PostgresTestDatabase.with { test in
            await #expect(throws: Refused.self) {
                try await test.database.transaction { session in
                    try session.execute(Self.insertHub, [.text("h1"), .text("Bonamoussadi")])
                    throw Refused()
                }
            }
            let value2 = try await Self.hubCount(test.database)
            #expect(value2 == .integer(0))
            await #expect {
                try await test.database.transaction { try $0.execute("SELEC 1") }
            } throws: { error in
                (error as? PostgresDatabaseError)?.sqlState == "42601" && String(describing: error).contains("Erreur PostgreSQL 42601")
            }
            // A failed statement the body ignores still fails the transaction: COMMIT would roll it back silently.
            await #expect {
                try await test.database.transaction { session in
                    try session.execute(Self.insertHub, [.text("h1"), .text("Bonamoussadi")])
                    _ = try? session.execute(Self.insertHub, [.text("h1"), .text("Bonamoussadi")])
                }
            } throws: { error in
                (error as? PostgresDatabaseError)?.sqlState == "25P02"
            }
            let value3 = try await Self.hubCount(test.database)
            #expect(value3 == .integer(0))
            // The pool still works after all that.
            _ = try await test.database.transaction { try $0.execute(Self.insertHub, [.text("h1"), .text("Bonamoussadi")]) }
            let value4 = try await Self.hubCount(test.database)
            #expect(value4 == .integer(1))
        }
    }

    @Test("a connection the server ends is replaced: the next transaction starts on a new one")
    func reconnects() async throws {
        try await PostgresTestDatabase.with(connections: 1) { test in
            let other = try await PostgresDatabase.connect(url: test.url, connections: 1, logger: PostgresTestDatabase.logger)
            do {
                for _ in 0..<10 {
                    let pid = try await test.database.transaction { try $0.scalar("SELECT pg_backend_pid()") }
                    // Another pool ends it, as a server restart would, and waits until it is gone.
                    try await other.session { session in
                        try session.execute("SELECT pg_terminate_backend($1::int)", [pid ?? .null])
                        while try session.scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", [pid ?? .null]) != .integer(0) {
                            usleep(10_000)
                        }
                    }
                    let newPid = try await test.database.transaction { try $0.scalar("SELECT pg_backend_pid()") }
                    #expect(newPid != pid)
                }
            } catch {
                await other.close()
                throw error
            }
            await other.close()
        }
    }
}

@Suite("PostgreSQL connections", .enabled(if: PostgresTestDatabase.isAvailable), .timeLimit(.minutes(2)))
struct PostgresConnectionTests {
    @Test("no more connections than asked: transactions beyond them wait their turn")
    func poolLimit() async throws {
        try await PostgresTestDatabase.with(connections: 2) { test in
            let database = test.database
            let seen = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await database.transaction { session in
                            try session.execute("SELECT pg_sleep(0.01)")
                            return try session.scalar(
                                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"
                            )?.integerValue ?? 0
                        }
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            #expect(seen.count == 20)
            #expect(seen.allSatisfy { (1...2).contains($0) })
        }
    }

    @Test("a server that cannot be reached, or a database that does not exist, is a readable connection error")
    func unreachable() async throws {
        let cluster = try #require(PostgresTestDatabase.clusterURL)
        var missing = try PostgresURL(cluster)
        missing.database = "djobea_nowhere"
        let cases = [
            ("postgresql://djobea@127.0.0.1:1/postgres", "127.0.0.1:1"),
            ("postgresql://\(missing.user)@\(missing.host):\(missing.port)/djobea_nowhere", "djobea_nowhere"),
        ]
        for (url, detail) in cases {
            await #expect {
                _ = try await PostgresDatabase.connect(url: url, connections: 1, logger: PostgresTestDatabase.logger)
            } throws: { error in
                let text = String(describing: error)
                return text.hasPrefix("Connexion PostgreSQL perdue ou impossible") && text.contains(detail)
            }
        }
    }
}
