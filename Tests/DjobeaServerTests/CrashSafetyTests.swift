import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

/// SIGKILL a process in the middle of a burst of money writes, many times: every write it acknowledged must
/// be there, and the database must open cleanly, pass integrity_check and keep its change log in step.
@Suite("Crash safety under SIGKILL", .serialized)
struct CrashSafetyTests {
    /// `djobea-bench`, built next to `djobea` (`DJOBEA_BENCH_BIN` to run another).
    static let bench: URL = {
        if let path = ProcessInfo.processInfo.environment["DJOBEA_BENCH_BIN"] { return URL(fileURLWithPath: path) }
        return DjobeaBinary.url.deletingLastPathComponent().appendingPathComponent("djobea-bench")
    }()

    @Test("25 kills at random points lose no acknowledged write")
    func killsLoseNothing() async throws {
        let directory = try temporaryDirectory("crash")
        defer { try? FileManager.default.removeItem(at: directory) }
        var acknowledged: [String] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<25 {
            let child = try ChildProcess(["write-burst", "--data", directory.path], executable: Self.bench)
            _ = await child.waitForLine(timeout: 30) { $0.hasPrefix("ack ") }
            try await Task.sleep(for: .milliseconds(Int.random(in: 5...150, using: &generator)))
            child.kill(SIGKILL)
            try await Task.sleep(for: .milliseconds(30))
            let acks = child.outputLines.filter { $0.hasPrefix("ack ") }.map { String($0.dropFirst(4)) }
            #expect(!acks.isEmpty, "the burst should have acknowledged writes before the kill: \(child.errorText)")
            acknowledged += acks

            let report = try Maintenance.inspect(path: directory.appendingPathComponent("djobea.sqlite").path)
            #expect(report.integrity == "ok")
            #expect(report.foreignKeyViolations == 0)
        }
        let database = try NodeDatabase.open(path: directory.appendingPathComponent("djobea.sqlite").path, role: .hub)
        let (stored, logged, seqs) = try database.readBlocking { db in
            (
                Set(try String.fetchAll(db, sql: "SELECT id FROM ledger_entries")),
                Set(try String.fetchAll(db, sql: "SELECT row_key FROM change_log WHERE table_name = 'ledger_entries'")),
                try Int64.fetchAll(db, sql: "SELECT origin_seq FROM change_log ORDER BY origin_seq")
            )
        }
        let missing = acknowledged.filter { !stored.contains($0) }
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(5))")
        #expect(stored == logged, "every ledger row has its change-log entry and no more")
        #expect(seqs == Array(1...Int64(seqs.count)), "origin sequence numbers stay gapless across crashes")
        #expect(acknowledged.count >= 25)
    }
}
