import DjobeaDomain
import DjobeaPostgres
import DjobeaStore
import DjobeaTestSupport
import GRDB
import Testing

/// PostgreSQL's schema against a migrated SQLite node's: the same tables and, table by table, the same columns in the
/// same order, with the same NOT NULL, type (INTEGER as bigint, TEXT as text) and default.
@Suite("PostgreSQL schema parity with SQLite", .enabled(if: PostgresTestDatabase.isAvailable))
struct PostgresSchemaParityTests {
    /// The sync core's local tables that central keeps in PostgreSQL too.
    static let localTables = [
        "node_identity", "change_log", "tombstones", "sync_conflicts", "peers", "hub_credentials", "hub_enrolments",
        "partition_moves", "partition_stakes", "missions",
    ]

    struct Column: Equatable, CustomStringConvertible {
        var name: String
        var type: String
        var notNull: Bool
        var defaultValue: String?

        var description: String {
            "\(name) \(type)\(notNull ? " NOT NULL" : "")\(defaultValue.map { " DEFAULT \($0)" } ?? "")"
        }
    }

    @Test("every synced table and the sync core's local tables have the same columns in both")
    func parity() async throws {
        let tables = SyncedTable.allCases.map(\.rawValue) + Self.localTables
        let sqlite = try NodeDatabase.inMemory(role: .central)
        let expected = try sqlite.readBlocking { db in
            try tables.reduce(into: [String: [Column]]()) { result, table in
                result[table] = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { row in
                    let type: String = row["type"]
                    let primaryKey: Int = row["pk"]
                    let notNull: Bool = row["notnull"]
                    return Column(
                        name: row["name"], type: type == "INTEGER" ? "bigint" : type == "TEXT" ? "text" : type,
                        notNull: notNull || primaryKey > 0, defaultValue: row["dflt_value"])
                }
            }
        }
        let actual = try await PostgresTestDatabase.with { test in
            try await test.database.transaction { session in
                try session.query(
                    """
                    SELECT table_name::text, column_name::text, data_type::text, is_nullable::text, column_default::text
                    FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position
                    """
                ).reduce(into: [String: [Column]]()) { result, row in
                    guard case .text(let table) = row[0], case .text(let name) = row[1], case .text(let type) = row[2] else { return }
                    result[table, default: []].append(
                        Column(name: name, type: type, notNull: row[3] == .text("NO"), defaultValue: Self.normalized(row[4].textValue)))
                }
            }
        }
        #expect(Set(actual.keys) == Set(tables + ["schema_migrations", "change_log_head"]))
        for table in tables {
            let sqliteColumns = try #require(expected[table], "\(table) in SQLite")
            #expect(!sqliteColumns.isEmpty, "\(table) in SQLite")
            #expect(actual[table] == sqliteColumns, "\(table)")
        }
    }

    /// PostgreSQL's default without its cast: `'bronze'::text` is SQLite's `'bronze'`.
    static func normalized(_ value: String?) -> String? {
        guard var value else { return nil }
        for cast in ["::text", "::bigint"] where value.hasSuffix(cast) {
            value.removeLast(cast.count)
        }
        return value
    }
}
