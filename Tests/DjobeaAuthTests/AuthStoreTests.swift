import DjobeaDomain
import DjobeaStore
import Foundation
import GRDB
import Testing

@testable import DjobeaAuth

/// The clean-up the auth stores do on the side, which the service tests do not look at.
@Suite("Auth stores: retention of outbox messages, challenges, failure counts and sessions")
struct AuthStoreTests {
    /// A summary as pending, sent, failed and expired counts, and the last error.
    struct Counts: Equatable {
        let byStatus: [Int]
        let lastError: String?
        init(_ byStatus: [Int], _ lastError: String?) {
            self.byStatus = byStatus
            self.lastError = lastError
        }
    }

    func counts(_ summary: NotificationOutboxSummary) -> Counts {
        Counts([summary.pending, summary.sent, summary.failed, summary.expired], summary.lastError)
    }

    static let start = Date(timeIntervalSince1970: 1_790_000_000)
    static let day: TimeInterval = 86_400

    @Test func theOutboxForgetsSentMessagesAfterAWeekAndGivenUpOnesAfterAMonth() async throws {
        let outbox = NotificationOutboxStore(try NodeDatabase.inMemory())
        let t0 = Self.start
        for (id, expiresAt) in [("a", nil), ("b", nil), ("c", t0.addingTimeInterval(60))] as [(String, Date?)] {
            try await outbox.enqueue(
                QueuedNotification(id: id, recipient: "+237699000001", template: "otp_login", sealedContent: "scellé", expiresAt: expiresAt),
                now: t0)
        }
        #expect(try await outbox.nextDue() == t0)
        #expect(try await outbox.due(now: t0, limit: 10).map(\.id) == ["a", "b", "c"])
        try await outbox.markSent(id: "a", now: t0)
        try await outbox.markFailed(id: "b", error: "numéro refusé", retryAt: nil)

        #expect(try await outbox.purgeAndExpire(now: t0.addingTimeInterval(61)) == 1)
        #expect(
            counts(try await outbox.summary()) == Counts([0, 1, 1, 1], "expiré avant l'envoi"))
        #expect(try await outbox.nextDue() == nil)

        #expect(try await outbox.purgeAndExpire(now: t0.addingTimeInterval(8 * Self.day)) == 0)
        #expect(
            counts(try await outbox.summary()) == Counts([0, 0, 1, 1], "expiré avant l'envoi"))

        #expect(try await outbox.purgeAndExpire(now: t0.addingTimeInterval(31 * Self.day)) == 0)
        #expect(counts(try await outbox.summary()) == Counts([0, 0, 0, 0], nil))
    }

    @Test func issuingACodeForgetsChallengesOlderThanTwoDaysAndALimitedSendStoresNothing() async throws {
        let database = try NodeDatabase.inMemory()
        let challenges = OTPChallengeStore(database)
        let t0 = Self.start
        let limits = [OTPSendLimit(count: 1, window: 60)]
        func issue(_ id: String, phone: String, at now: Date) async throws -> OTPIssue {
            try await challenges.issue(
                NewOTPChallenge(id: id, phone: phone, purpose: "login", codeHash: "h", expiresAt: now.addingTimeInterval(300)),
                message: QueuedNotification(id: "m-\(id)", recipient: phone, template: "otp_login", sealedContent: "s", expiresAt: nil),
                limits: limits, now: now)
        }

        #expect(try await issue("c1", phone: AuthHarness.unknownPhone, at: t0) == .unknownPhone)
        #expect(try await issue("c2", phone: AuthHarness.unknownPhone, at: t0.addingTimeInterval(10)) == .limited(retryAfter: 50))
        #expect(try await issue("c3", phone: AuthHarness.activePhone, at: t0.addingTimeInterval(2 * Self.day + 1)) == .unknownPhone)

        let ids = try database.readBlocking { db in try String.fetchAll(db, sql: "SELECT id FROM otp_challenges ORDER BY id") }
        #expect(ids == ["c3"])
        #expect(try await NotificationOutboxStore(database).summary().pending == 0)
    }

    @Test func countingAFailureForgetsQuietUnlockedRowsOnly() async throws {
        let guards = AuthGuardStore(try NodeDatabase.inMemory())
        let t0 = Self.start
        let policy = LockoutPolicy(maxFailures: 1, baseLock: 3 * Self.day, maxLock: 3 * Self.day)
        func fail(_ subject: String, at now: Date, policy: LockoutPolicy = LockoutPolicy()) async throws -> AuthFailureState {
            try await guards.recordFailure(
                subject: subject, factor: .password, now: now, forgetBefore: now.addingTimeInterval(-policy.failureMemory),
                next: { policy.afterFailure($0, now: now) })
        }

        #expect(try await fail("quiet", at: t0) == AuthFailureState(failures: 1, lastFailureAt: t0))
        let locked = try await fail("locked", at: t0, policy: policy)
        #expect(locked.lockedUntil == t0.addingTimeInterval(3 * Self.day))
        _ = try await fail("other", at: t0.addingTimeInterval(2 * Self.day))

        #expect(try await guards.state(subject: "quiet", factor: .password) == AuthFailureState())
        #expect(try await guards.state(subject: "locked", factor: .password) == locked)
        #expect(try await guards.state(subject: "other", factor: .password).failures == 1)
    }

    @Test func openingASessionForgetsTheProvidersSessionsExpiredOverADayAgo() async throws {
        let hub = try await AuthHarness()
        let first = try await hub.login()
        hub.clock.advance(hub.service.settings.sessionDuration + 2 * Self.day)
        let second = try await hub.login()

        #expect(try hub.sessionRow(first.sessionId) == nil)
        #expect(try hub.sessionRow(second.sessionId) != nil)
    }
}
