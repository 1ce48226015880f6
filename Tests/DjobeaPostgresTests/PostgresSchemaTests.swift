import DjobeaDomain
import DjobeaPostgres
import DjobeaTestSupport
import Testing

@Suite("PostgreSQL schema migrations", .enabled(if: PostgresTestDatabase.isAvailable), .timeLimit(.minutes(2)))
struct PostgresSchemaTests {
    @Test("migrating twice applies nothing the second time")
    func idempotent() async throws {
        try await PostgresTestDatabase.with(migrated: false) { test in
            let schema = PostgresSchema(database: test.database)
            let value1 = try await schema.appliedVersion()
            #expect(value1 == 0)
            let value2 = try await schema.migrate()
            #expect(value2 == PostgresSchema.migrations.map(\.version))
            let value3 = try await schema.migrate()
            #expect(value3 == [])
            let value4 = try await schema.appliedVersion()
            #expect(value4 == PostgresSchema.latestVersion)
        }
    }

    @Test("two processes migrating at once: one applies, the other waits and finds it done")
    func concurrent() async throws {
        try await PostgresTestDatabase.with(migrated: false) { test in
            let other = try await PostgresDatabase.connect(url: test.url, connections: 1, logger: PostgresTestDatabase.logger)
            async let first = PostgresSchema(database: test.database).migrate()
            async let second = PostgresSchema(database: other).migrate()
            let applied = try await [first, second]
            await other.close()
            #expect(applied.filter(\.isEmpty).count == 1)
            #expect(applied.flatMap { $0 } == PostgresSchema.migrations.map(\.version))
            let rows = try await test.database.transaction { try $0.query("SELECT version FROM schema_migrations") }
            #expect(rows.count == PostgresSchema.migrations.count)
        }
    }
}
