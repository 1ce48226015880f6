import DjobeaDomain
import DjobeaPostgres
import DjobeaStore
import DjobeaTestSupport
import GRDB
import Testing

/// PostgreSQL's schema against a migrated SQLite node's: the same tables and, table by table, the same columns in the
/// same order, with the same NOT NULL, type (INTEGER as bigint, TEXT as text) and default.
@Suite("PostgreSQL schema parity with SQLite", .enabled(if: PostgresTestDatabase.isAvailable), .timeLimit(.minutes(2)))
struct PostgresSchemaParityTests {
    /// The sync core's local tables that central keeps in PostgreSQL too.
    static let localTables = [
        "node_identity", "change_log", "tombstones", "sync_conflicts", "peers", "hub_credentials", "hub_enrolments",
        "partition_moves", "partition_stakes", "missions", "provider_request_commands", "ops_actions", "gateway_work", "gateway_inbound",
        "slot_proposals", "collection_work",
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
        // PostgreSQL's own: its migrations, the log head counter, and the secrets central's processes share.
        #expect(Set(actual.keys) == Set(tables + ["schema_migrations", "change_log_head", "central_secrets"]))
        for table in tables {
            let sqliteColumns = try #require(expected[table], "\(table) in SQLite")
            #expect(!sqliteColumns.isEmpty, "\(table) in SQLite")
            #expect(actual[table] == sqliteColumns, "\(table)")
        }
    }

    @Test("each table has the same unique keys and the same number of CHECK constraints in both")
    func constraints() async throws {
        let tables = SyncedTable.allCases.map(\.rawValue) + Self.localTables
        let sqlite = try NodeDatabase.inMemory(role: .central)
        let expected = try sqlite.readBlocking { db in
            try tables.map { table in
                // The primary key (an INTEGER PRIMARY KEY has no index of its own), then the unique indexes.
                let primaryKey = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))")
                    .filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }.map { $0["name"] as String }
                var keys: Set<String> = [primaryKey.joined(separator: ",")]
                for index in try Row.fetchAll(db, sql: "PRAGMA index_list(\(table))") where (index["unique"] as Int) == 1 {
                    let name: String = index["name"]
                    let columns = try Row.fetchAll(db, sql: "PRAGMA index_xinfo(\(name))").filter { ($0["key"] as Int) == 1 }
                        .map { ($0["name"] as String?) ?? "<expr>" }
                    keys.insert(columns.joined(separator: ","))
                }
                let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table])
                return (table, keys, sql?.components(separatedBy: "CHECK").count ?? 0)
            }
        }
        try await PostgresTestDatabase.with { test in
            for (table, keys, checkCount) in expected {
                let (actualKeys, actualChecks) = try await test.database.transaction { session in
                    let keys = try session.query(
                        """
                        SELECT array_to_string(ARRAY(
                            SELECT coalesce(a.attname::text, '<expr>')
                            FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
                            LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                            ORDER BY k.n), ',')
                        FROM pg_index i WHERE i.indrelid = $1::regclass AND i.indisunique
                        """, [.text(table)]
                    ).compactMap { $0.first?.textValue }
                    let checks = try session.scalar(
                        "SELECT count(*) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c'", [.text(table)])
                    return (Set(keys), checks)
                }
                #expect(actualKeys == keys, "\(table)")
                #expect(actualChecks == .integer(Int64(checkCount - 1)), "\(table)")
            }
        }
    }

    @Test("the same triggers, by name (append-only tables, partition moves)")
    func triggers() async throws {
        let sqlite = try NodeDatabase.inMemory(role: .central)
        let expected = try sqlite.readBlocking { db in
            Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        }
        let actual = try await PostgresTestDatabase.with { test in
            try await test.database.transaction { session in
                Set(try session.query("SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal").compactMap { $0.first?.textValue })
            }
        }
        #expect(!expected.isEmpty)
        #expect(actual == expected)
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
