import DjobeaPostgres
import DjobeaTestSupport
import Foundation
import Testing

/// Jobs that run once per deployment: of two central processes on one database, one holds the job at a time; it passes
/// to the other when the holder releases it or its connection dies.
@Suite("Once-only jobs through PostgreSQL advisory locks", .enabled(if: PostgresTestDatabase.isAvailable))
struct PostgresJobLockTests {
    @Test func oneProcessHoldsTheJobAtATime() async throws {
        try await PostgresTestDatabase.with(migrated: false) { test in
            let first = try await PostgresJobLock.open(url: test.url, job: "gateway", logger: PostgresTestDatabase.logger)
            let second = try await PostgresJobLock.open(url: test.url, job: "gateway", logger: PostgresTestDatabase.logger)
            let other = try await PostgresJobLock.open(url: test.url, job: "offer-expiry", logger: PostgresTestDatabase.logger)
            #expect(await first.acquire(), "the first process takes the free job")
            #expect(await first.acquire(), "and keeps it at its next turn")
            #expect(await !second.acquire(), "the second skips its turn")
            #expect(await other.acquire(), "another job is another lock")

            let ran = Counter()
            #expect(try await !second.runIfHeld { ran.add() })
            #expect(try await first.runIfHeld { ran.add() })
            #expect(ran.value == 1, "the job ran once")

            await first.release()
            #expect(await second.acquire(), "released: the other process takes it")
            #expect(await !first.acquire())

            await second.close()  // the holder dies: its connection, hence its lock, is gone (once the server notices)
            var taken = false
            for _ in 0..<100 where !taken {
                taken = await first.acquire()
                if !taken { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(taken, "a dead holder's job is taken at a next turn")
            await first.close()
            await other.close()
        }
    }

    @Test func keysAreStableAndDistinct() {
        #expect(PostgresJobLock.key(job: "gateway") == PostgresJobLock.key(job: "gateway"))
        #expect(PostgresJobLock.key(job: "gateway") != PostgresJobLock.key(job: "offer-expiry"))
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add() { lock.withLock { count += 1 } }
}
