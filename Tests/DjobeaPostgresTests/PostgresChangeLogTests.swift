import DjobeaDomain
import DjobeaPostgres
import DjobeaTestSupport
import Foundation
import Testing

/// Whether the writers still write (the reader stops when they are done).
private actor Writing {
    private(set) var isOn = true
    func stop() { isOn = false }
}

@Suite("PostgreSQL change log order", .enabled(if: PostgresTestDatabase.isAvailable), .timeLimit(.minutes(2)))
struct PostgresChangeLogTests {
    static func change(writer: Int, seq: Int64) -> RowChange {
        RowChange(
            originNode: "writer-\(writer)", originSeq: seq, hlc: HLC(wallMillis: 1_772_438_400_000 + seq), table: "hubs",
            key: "hub-\(writer)-\(seq)", operation: .insert, columns: ["id": .text("hub-\(writer)-\(seq)"), "name": .text("Hub \(seq)")])
    }

    static func pull(_ database: PostgresDatabase, after cursor: Int64) async throws -> [Int64] {
        try await database.transaction { session in
            try session.query("SELECT local_seq FROM change_log WHERE local_seq > $1 ORDER BY local_seq", [.integer(cursor)])
                .compactMap { $0.first?.integerValue }
        }
    }

    @Test("8 writers × 150 transactions: a reader pulling by cursor sees every entry once, in order, without gaps")
    func commitOrder() async throws {
        try await PostgresTestDatabase.with(connections: 9) { test in
            let database = test.database
            let writing = Writing()
            let reader = Task {
                var seen: [Int64] = []
                while await writing.isOn {
                    seen += try await Self.pull(database, after: seen.last ?? 0)
                }
                return seen
            }
            let writers = Task {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for writer in 0..<8 {
                        group.addTask {
                            var next: Int64 = 1
                            for _ in 0..<150 {
                                let count = Int.random(in: 1...4)
                                let first = next
                                next += Int64(count)
                                let pause = UInt32.random(in: 0...1500)
                                try await database.transaction { session in
                                    for index in 0..<count {
                                        try PostgresChangeLog.append(
                                            session, Self.change(writer: writer, seq: first + Int64(index)), recordedAt: "2026-03-02T08:00:00.000Z")
                                    }
                                    // Commit late, sometimes: what would let a reader pass a number that is not yet visible.
                                    usleep(pause)
                                }
                            }
                            return Int(next - 1)
                        }
                    }
                    return try await group.reduce(0, +)
                }
            }
            let outcome = await writers.result
            await writing.stop()
            var seen = try await reader.value
            let written = try outcome.get()
            seen += try await Self.pull(database, after: seen.last ?? 0)
            #expect(seen.count == written)
            #expect(seen == Array(1...Int64(written)))
            let stored = try await database.transaction { session in
                try session.query("SELECT count(*), max(local_seq), count(DISTINCT (origin_node, origin_seq)) FROM change_log")
            }
            #expect(stored == [[.integer(Int64(written)), .integer(Int64(written)), .integer(Int64(written))]])
        }
    }

    @Test("a rolled-back append gives its number back; a deleted head's number is not given again")
    func numbers() async throws {
        try await PostgresTestDatabase.with { test in
            let database = test.database
            let first = try await database.transaction { try PostgresChangeLog.append($0, Self.change(writer: 0, seq: 1), recordedAt: "t") }
            struct Abandon: Error {}
            await #expect(throws: Abandon.self) {
                try await database.transaction { session in
                    try PostgresChangeLog.append(session, Self.change(writer: 0, seq: 2), recordedAt: "t")
                    throw Abandon()
                }
            }
            let second = try await database.transaction {
                try PostgresChangeLog.append($0, Self.change(writer: 0, seq: 2), recordedAt: "t", held: true)
            }
            #expect([first, second] == [1, 2])
            let third = try await database.transaction { session in
                try session.execute("DELETE FROM change_log WHERE local_seq = 2")
                return try PostgresChangeLog.append(session, Self.change(writer: 0, seq: 2), recordedAt: "t", quarantined: true)
            }
            #expect(third == 3)
            let row = try await database.transaction { try $0.query("SELECT op, quarantined, held, columns FROM change_log WHERE local_seq = 3") }
            #expect(row == [[.text("insert"), .integer(1), .integer(0), .text(#"{"id":"hub-0-2","name":"Hub 2"}"#)]])
        }
    }
}
