import DjobeaDomain
import DjobeaPostgres
import DjobeaTestSupport
import GRDB
import Testing

/// The CHECK expressions that differ in SQL between SQLite and PostgreSQL (GLOB, json_valid) and those whose meaning
/// could (LIKE, length, text order) give the same answer on the same values in both.
@Suite("PostgreSQL CHECK translations agree with SQLite", .enabled(if: PostgresTestDatabase.isAvailable), .timeLimit(.minutes(2)))
struct PostgresCheckTranslationTests {
    struct Translation: Sendable {
        var sqlite: String
        var postgres: String
        var values: [String]
    }

    static let translations = [
        Translation(
            sqlite: "? GLOB '+237[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'", postgres: "$1 ~ '^[+]237[0-9]{9}$'",
            values: ["+237612345678", "237612345678", "+2376123456789", "+23761234567a", "+237 12345678", "+237٦١٢٣٤٥٦٧٨", "x+237612345678", ""]),
        Translation(
            sqlite: "? GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'", postgres: "$1 ~ '^[0-9]{4}-[0-1][0-9]$'",
            values: ["2026-03", "2026-3", "2026-13", "2026-20", "20260-03", "abcd-01", "2026-03\n"]),
        Translation(
            sqlite: "json_valid(?)", postgres: "djobea_json_valid($1)",
            values: ["{}", "[]", #"{"a":[1,2.5,null,true]}"#, "{", "null", "1", #""x""#, "", "{a:1}", "[1,]", " {} ", "[] x"]),
        Translation(sqlite: "? LIKE '%_@_%'", postgres: "$1 LIKE '%_@_%'", values: ["a@b", "@b", "a@", "A@B.cm", "ab"]),
        Translation(sqlite: "length(?) BETWEEN 1 AND 4", postgres: "length($1) BETWEEN 1 AND 4", values: ["é✓ab", "é✓abc", "", "🇨🇲"]),
        Translation(
            sqlite: "? > '2026-03-02T08:00:00.000Z'", postgres: "$1 > '2026-03-02T08:00:00.000Z'",
            values: ["2026-03-02T08:00:00.001Z", "2026-03-02T07:59:59.999Z", "2026-03-02t09", "2026-03-02T08:00:00.000Z", "Z", "a"]),
    ]

    @Test("each translated expression answers as SQLite's on the same values")
    func agree() async throws {
        let sqlite = try DatabaseQueue()
        let expected = try await sqlite.read { db in
            try Self.translations.map { translation in
                try translation.values.map { try Int64.fetchOne(db, sql: "SELECT \(translation.sqlite)", arguments: [$0]) }
            }
        }
        try await PostgresTestDatabase.with { test in
            let actual = try await test.database.transaction { session in
                try Self.translations.map { translation in
                    try translation.values.map { try session.scalar("SELECT \(translation.postgres)", [.text($0)])?.integerValue }
                }
            }
            for (index, translation) in Self.translations.enumerated() {
                #expect(actual[index] == expected[index], "\(translation.postgres) on \(translation.values)")
            }
        }
    }
}
