import DjobeaDomain
import DjobeaPostgres
import DjobeaTestSupport
import Testing

@Suite("PostgreSQL sessions", .enabled(if: PostgresTestDatabase.isAvailable))
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

    @Test("a connection the server ends is replaced by a new one")
    func reconnects() async throws {
        try await PostgresTestDatabase.with(connections: 1) { test in
            let pid = try await test.database.transaction { try $0.scalar("SELECT pg_backend_pid()") }
            // Another pool ends it, as a server restart would.
            let other = try await PostgresDatabase.connect(url: test.url, connections: 1, logger: PostgresTestDatabase.logger)
            try await other.session { _ = try $0.query("SELECT pg_terminate_backend($1::int)", [pid ?? .null]) }
            await other.close()
            // The first use of the dead connection fails (or finds it closed); the next transaction reconnects.
            _ = try? await test.database.transaction { try $0.execute("SELECT 1") }
            let newPid = try await test.database.transaction { try $0.scalar("SELECT pg_backend_pid()") }
            #expect(newPid != pid)
        }
    }
}
