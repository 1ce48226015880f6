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
        // A body that ignores cancellation and takes far longer than the limit (a query on a silent connection). It waits
        // without holding a thread, so the test does not starve others on a loaded machine.
        let stuck = await ExclusiveJobs.answers(within: .milliseconds(200)) { () -> Bool in
            await withCheckedContinuation { continuation in
                DispatchQueue.global().asyncAfter(deadline: .now() + 30) { continuation.resume() }
            }
            return true
        }
        #expect(stuck == nil)
        #expect(Date().timeIntervalSince(started) < 20, "returned at the limit, not when the stuck body ended (30 s)")
    }
}
