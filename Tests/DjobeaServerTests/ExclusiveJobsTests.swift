import Foundation
import Testing

@testable import DjobeaServer

/// The job lock's watchdog never waits on a check that does not answer: a stuck check counts as the lock lost.
@Suite("Exclusive jobs: a check that does not answer")
struct ExclusiveJobsTests {
    @Test("an answer within the limit is returned; a stuck one gives nil at the limit, without waiting for it")
    func answersWithin() async throws {
        #expect(await ExclusiveJobs.answers(within: .seconds(5)) { true } == true)
        let started = Date()
        // A body that ignores cancellation and takes far longer than the limit (a query on a silent connection).
        let stuck = await ExclusiveJobs.answers(within: .milliseconds(200)) { () -> Bool in
            usleep(3_000_000)
            return true
        }
        #expect(stuck == nil)
        #expect(Date().timeIntervalSince(started) < 2, "returned at the limit, not when the stuck body ended")
    }
}
