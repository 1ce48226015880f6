import DjobeaDomain
import DjobeaStore
import Foundation
import GRDB
import HummingbirdOTP
import Testing

@testable import DjobeaAuth

@Suite("Per-account lock of password and TOTP logins")
struct LoginLockoutTests {
    static let password = "bon-mot-de-passe"

    @Test func twentyFiveWrongPasswordsThenTheRightOneIsRefusedUntilTheLockExpires() async throws {
        let hub = try await AuthHarness()
        try await hub.service.setPassword(providerId: hub.activeId, password: Self.password)
        var answers: [String] = []
        for attempt in 0..<25 {
            let error = await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: "essai-\(attempt)") }
            answers.append(error?.code ?? "none")
        }
        #expect(answers.prefix(4).allSatisfy { $0 == "invalid_credentials" })
        #expect(answers.dropFirst(4).allSatisfy { $0 == "password_locked" })

        let refused = try #require(await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password) })
        #expect(refused.code == "password_locked")
        #expect(refused.kind == .tooManyAttempts)
        #expect(refused.retryAfter == 15 * 60)
        #expect(refused.messageFR.contains("Réessayez dans 15 minutes"))
        // The lock is the account's, in the hub's database: no address, no session, nothing the caller can change.
        let rows = try hub.database.readBlocking { db in
            try Row.fetchAll(db, sql: "SELECT subject, factor, lockouts FROM auth_failures")
        }
        #expect(rows.map { $0["subject"] as String } == ["provider:\(hub.activeId)"])
        #expect(rows.first?["lockouts"] == 1)

        hub.clock.advance(14 * 60)
        #expect(
            await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password) }?.retryAfter == 60)
        hub.clock.advance(61)
        let pair = try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password)
        #expect(try await hub.service.authenticate(accessToken: pair.accessToken).providerId == hub.activeId)
        // The success forgot the failures.
        #expect(try hub.database.readBlocking { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM auth_failures") } == 0)
    }

    @Test func aSuccessResetsTheCountAndRepeatedLocksGrow() async throws {
        let hub = try await AuthHarness()
        try await hub.service.setPassword(providerId: hub.activeId, password: Self.password)
        func wrong(_ count: Int) async -> [String] {
            var codes: [String] = []
            for _ in 0..<count {
                codes.append(
                    await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: "mauvais-mot") }?.code ?? "")
            }
            return codes
        }
        // Four wrong, one right, four wrong: never locked.
        #expect(await wrong(4).allSatisfy { $0 == "invalid_credentials" })
        _ = try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password)
        #expect(await wrong(4).allSatisfy { $0 == "invalid_credentials" })
        _ = try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password)

        // Without a success in between, each lock lasts twice as long as the last one.
        #expect(await wrong(5).last == "password_locked")
        hub.clock.advance(15 * 60)
        let second = await wrong(5)
        #expect(second.prefix(4).allSatisfy { $0 == "invalid_credentials" })
        let locked = await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password) }
        #expect(locked?.code == "password_locked")
        #expect(locked?.retryAfter == 30 * 60)
        #expect(locked?.messageFR.contains("30 minutes") == true)
    }

    @Test func anUnknownEmailLocksTheSameWaySoTheAnswerTellsNothing() async throws {
        let hub = try await AuthHarness()
        var answers: [String] = []
        for _ in 0..<6 {
            answers.append(
                await authError { try await hub.service.loginWithPassword(email: "Personne@Example.cm", password: "mauvais-mot") }?.code ?? "")
        }
        #expect(answers == Array(repeating: "invalid_credentials", count: 4) + ["password_locked", "password_locked"])
        let subject = try hub.database.readBlocking { db in try String.fetchOne(db, sql: "SELECT subject FROM auth_failures") }
        #expect(subject?.hasPrefix("email:") == true)
        #expect(subject?.contains("personne") == false)
    }

    @Test func disablingTOTPAsksThePasswordUnderTheSameLock() async throws {
        let hub = try await AuthHarness()
        try await hub.service.setPassword(providerId: hub.activeId, password: Self.password)
        for _ in 0..<5 { _ = await authError { try await hub.service.disableTOTP(providerId: hub.activeId, password: "mauvais-mot") } }
        #expect(await authError { try await hub.service.disableTOTP(providerId: hub.activeId, password: Self.password) }?.code == "password_locked")
        #expect(
            await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password) }?.code
                == "password_locked")
    }

    @Test func aPasswordResetByWhatsAppEndsTheLock() async throws {
        let hub = try await AuthHarness()
        try await hub.service.setPassword(providerId: hub.activeId, password: Self.password)
        for _ in 0..<5 { _ = await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: "mauvais-mot") } }
        try await hub.service.requestPasswordReset(phone: AuthHarness.activePhone)
        await hub.queue.deliverPending()
        let code = try #require(hub.notifier.lastCode(to: AuthHarness.activePhone))
        try await hub.service.resetPassword(phone: AuthHarness.activePhone, code: code, newPassword: "nouveau-mot-de-passe")
        _ = try await hub.service.loginWithPassword(email: AuthHarness.email, password: "nouveau-mot-de-passe")
    }

    // MARK: - TOTP

    @Test func fiveWrongTOTPCodesLockTheSecondFactorEvenForTheRightCode() async throws {
        let hub = try await AuthHarness()
        let app = try await TOTPSetup.enable(hub)
        hub.clock.advance(60)
        var answers: [String] = []
        for _ in 0..<5 {
            let wrong = app.wrongCode(at: hub.clock.now)
            answers.append(
                await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password, totp: wrong) }?.code
                    ?? "")
        }
        #expect(answers == Array(repeating: "invalid_totp", count: 4) + ["totp_locked"])
        let refused = try #require(
            await authError {
                try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password, totp: app.code(at: hub.clock.now))
            })
        #expect(refused.code == "totp_locked")
        #expect(refused.kind == .tooManyAttempts)
        #expect(refused.retryAfter == 15 * 60)
        #expect(refused.messageFR.contains("15 minutes"))
        // Rotating nothing helps: even a new right password and no code at all are refused.
        #expect(
            await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password) }?.code == "totp_locked")

        hub.clock.advance(15 * 60)
        _ = try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password, totp: app.code(at: hub.clock.now))
    }

    @Test func aTOTPCodeServesOnce() async throws {
        let hub = try await AuthHarness()
        let app = try await TOTPSetup.enable(hub)
        // The code that confirmed the enrolment cannot log in.
        let confirmation = app.code(at: hub.clock.now)
        let replayedConfirmation = await authError {
            try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password, totp: confirmation)
        }
        #expect(replayedConfirmation == .totpReused)

        hub.clock.advance(30)
        let code = app.code(at: hub.clock.now)
        _ = try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password, totp: code)
        // The same code again, 5 s later, still inside its window: refused with its own code and a French message.
        hub.clock.advance(5)
        let replay = try #require(
            await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password, totp: code) })
        #expect(replay.code == "totp_reused")
        #expect(replay.kind == .unauthenticated)
        #expect(replay.messageFR == "Ce code d'authentification a déjà servi. Attendez le code suivant dans votre application.")
        // An older code of the drift window is refused too once a newer one served.
        let older = app.code(at: hub.clock.now.addingTimeInterval(-30))
        if older != code {
            #expect(
                await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password, totp: older) }
                    == .totpReused)
        }
        // The next step's code works.
        hub.clock.advance(30)
        _ = try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password, totp: app.code(at: hub.clock.now))
    }

    @Test func twoLoginsRacingWithTheSameCodeOpenOneSession() async throws {
        let hub = try await AuthHarness()
        let app = try await TOTPSetup.enable(hub)
        hub.clock.advance(30)
        let code = app.code(at: hub.clock.now)
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: Self.password, totp: code) }?
                        .code ?? "ok"
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.sorted() == ["ok", "totp_reused", "totp_reused", "totp_reused"])
    }
}

// MARK: - Pure rules

@Suite("Lockout policy")
struct LockoutPolicyTests {
    let start = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func locksAfterFiveFailuresForAGrowingPeriod() {
        let policy = LockoutPolicy()
        var state = FailureState()
        for _ in 0..<4 { state = policy.afterFailure(state, now: start) }
        #expect(policy.retryAfter(state, now: start) == nil)
        state = policy.afterFailure(state, now: start)
        #expect(policy.retryAfter(state, now: start) == 900)
        #expect(policy.retryAfter(state, now: start.addingTimeInterval(900)) == nil)
        #expect((1...8).map { policy.lockDuration(lockouts: $0) } == [900, 1800, 3600, 7200, 14_400, 28_800, 57_600, 86_400])
        #expect(policy.lockDuration(lockouts: 1000) == 86_400)
    }

    @Test func failuresAreForgottenAfterADayWithoutAny() {
        let policy = LockoutPolicy()
        var state = FailureState()
        for _ in 0..<5 { state = policy.afterFailure(state, now: start) }
        #expect(state.lockouts == 1)
        let later = start.addingTimeInterval(86_400)
        state = policy.afterFailure(state, now: later)
        #expect(state == FailureState(failures: 1, lockouts: 0, lockedUntil: nil, lastFailureAt: later))
    }
}

// MARK: - Helpers

/// An authenticator app for the harness's active provider.
struct TOTPSetup {
    let app: TOTP
    let secret: String

    /// Sets the password, enrols and confirms TOTP with the current code; returns the app.
    static func enable(_ hub: AuthHarness, password: String = LoginLockoutTests.password) async throws -> TOTPSetup {
        try await hub.service.setPassword(providerId: hub.activeId, password: password)
        _ = try await hub.service.beginTOTPEnrolment(providerId: hub.activeId)
        let sealed = try #require(
            try hub.database.readBlocking { db in try String.fetchOne(db, sql: "SELECT secret FROM totp_enrolments") })
        let secret = try SealedSeed.open(sealed, providerId: hub.activeId, key: hub.seedKey)
        let setup = TOTPSetup(app: TOTP(secret: secret), secret: secret)
        try await hub.service.confirmTOTP(providerId: hub.activeId, code: setup.code(at: hub.clock.now))
        return setup
    }

    func code(at date: Date) -> String { String(format: "%06d", app.compute(date: date)) }

    /// A well-formed code that is none of the codes accepted at `date`.
    func wrongCode(at date: Date) -> String {
        let valid = Set((-1...1).map { code(at: date.addingTimeInterval(TimeInterval($0 * 30))) })
        return (0..<10).map { String(repeating: String($0), count: 6) }.first { !valid.contains($0) } ?? "123456"
    }
}
