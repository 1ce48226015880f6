import DjobeaDomain
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

@testable import DjobeaAuth

@Suite("Login by WhatsApp code")
struct OTPLoginTests {
    @Test func happyPathSendVerifyAuthenticateRefreshLogout() async throws {
        let hub = try await AuthHarness()
        let sent = try await hub.service.sendOTP(phone: "6 99 00 00 01", ip: "10.0.0.7")
        #expect(sent.expiresIn == 300)
        #expect(await hub.queue.deliverPending().sent == 1)
        let message = try #require(hub.notifier.messages.last)
        let code = try #require(message.variables["code"])
        #expect(message.to == AuthHarness.activePhone)
        #expect(message.template == "otp_login")
        #expect(message.body == "Djobea : votre code de connexion est \(code). Il expire dans 5 minutes. Ne le partagez avec personne.")

        let pair = try await hub.service.verifyOTP(phone: "+237 699 00 00 01", code: code, userAgent: "Chrome Android")
        #expect(pair.providerId == hub.activeId)
        #expect(pair.accessTokenExpiresAt == hub.clock.now.addingTimeInterval(15 * 60))
        #expect(pair.refreshTokenExpiresAt == hub.clock.now.addingTimeInterval(30 * 86_400))
        #expect(RefreshToken.isWellFormed(pair.refreshToken))
        let identity = try await hub.service.authenticate(accessToken: pair.accessToken)
        #expect(identity == ProviderIdentity(providerId: hub.activeId, sessionId: pair.sessionId))

        // The session row keeps a hash of the refresh token, never the token.
        let row = try #require(try hub.sessionRow(pair.sessionId))
        #expect(row["session_token"] == RefreshToken.storedHash(pair.refreshToken))
        #expect(row["session_token"] != pair.refreshToken)
        #expect(row["family_id"] == pair.sessionId)
        #expect(row["user_agent"] == "Chrome Android")

        hub.clock.advance(600)
        let renewed = try await hub.service.refresh(refreshToken: pair.refreshToken)
        #expect(renewed.sessionId != pair.sessionId)
        #expect(renewed.refreshTokenExpiresAt == hub.clock.now.addingTimeInterval(30 * 86_400))
        #expect(try await hub.service.authenticate(accessToken: renewed.accessToken).sessionId == renewed.sessionId)

        try await hub.service.logout(sessionId: renewed.sessionId)
        #expect(await authError { try await hub.service.authenticate(accessToken: renewed.accessToken) } == .invalidToken)
        #expect(await authError { try await hub.service.authenticate(accessToken: pair.accessToken) } == .invalidToken)
        #expect(await authError { try await hub.service.refresh(refreshToken: renewed.refreshToken) } == .invalidRefreshToken)
    }

    @Test func sixthTryIsRefusedEvenWithTheRightCode() async throws {
        let hub = try await AuthHarness()
        let code = try #require(try await hub.sendAndReadCode())
        let wrong = code == "000000" ? "111111" : "000000"
        var answers: [String] = []
        for _ in 1...5 {
            answers.append(await authError { try await hub.service.verifyOTP(phone: AuthHarness.activePhone, code: wrong) }?.code ?? "ok")
        }
        #expect(answers == ["invalid_code", "invalid_code", "invalid_code", "invalid_code", "otp_locked"])
        #expect(await authError { try await hub.service.verifyOTP(phone: AuthHarness.activePhone, code: code) } == .otpLocked)
        // A new code works again.
        hub.clock.advance(60)
        let fresh = try #require(try await hub.sendAndReadCode())
        _ = try await hub.service.verifyOTP(phone: AuthHarness.activePhone, code: fresh)
    }

    @Test func fourthSendWithinFifteenMinutesIsRateLimited() async throws {
        let hub = try await AuthHarness()
        for _ in 1...3 {
            try await hub.service.sendOTP(phone: AuthHarness.activePhone)
            hub.clock.advance(60)
        }
        let error = try #require(await authError { try await hub.service.sendOTP(phone: AuthHarness.activePhone) })
        #expect(error.code == "otp_rate_limited")
        #expect(error.kind == .tooManyAttempts)
        // The first send was 3 minutes ago: 12 minutes to wait.
        #expect(error.retryAfter == 12 * 60)
        #expect(error.messageFR.contains("12 minutes"))
        hub.clock.advance(12 * 60)
        try await hub.service.sendOTP(phone: AuthHarness.activePhone)
    }

    @Test func tenSendsADayAtMost() async throws {
        let hub = try await AuthHarness()
        for _ in 1...10 {
            try await hub.service.sendOTP(phone: AuthHarness.activePhone)
            hub.clock.advance(16 * 60)
        }
        let error = try #require(await authError { try await hub.service.sendOTP(phone: AuthHarness.activePhone) })
        #expect(error.code == "otp_rate_limited")
        #expect(error.retryAfter == 86_400 - 10 * 16 * 60)
    }

    @Test func unknownAndSuspendedPhonesGetTheSameAnswerAndNothingIsSent() async throws {
        let hub = try await AuthHarness()
        let known = try await hub.service.sendOTP(phone: AuthHarness.activePhone)
        let unknown = try await hub.service.sendOTP(phone: AuthHarness.unknownPhone)
        let suspended = try await hub.service.sendOTP(phone: AuthHarness.suspendedPhone)
        #expect(known == unknown && unknown == suspended)
        await hub.queue.deliverPending()
        #expect(hub.notifier.messages.map(\.to) == [AuthHarness.activePhone])
        // Same work: a challenge row for each phone.
        let challenges = try hub.database.readBlocking { db in try String.fetchAll(db, sql: "SELECT phone FROM otp_challenges ORDER BY phone") }
        #expect(challenges == [AuthHarness.activePhone, AuthHarness.suspendedPhone, AuthHarness.unknownPhone])
        // The unknown phone is limited like any other.
        for _ in 1...2 { try await hub.service.sendOTP(phone: AuthHarness.unknownPhone) }
        #expect(await authError { try await hub.service.sendOTP(phone: AuthHarness.unknownPhone) }?.code == "otp_rate_limited")
        // A guess for an unknown phone looks like a wrong code.
        #expect(await authError { try await hub.service.verifyOTP(phone: AuthHarness.unknownPhone, code: "123456") } == .invalidCode)
    }

    @Test func codeRequestsTakeTheSameMinimumTime() async throws {
        var settings = AuthHarness.fastSettings
        settings.codeRequestMinimumDuration = 0.05
        let hub = try await AuthHarness(settings: settings)
        for phone in [AuthHarness.activePhone, AuthHarness.unknownPhone, AuthHarness.suspendedPhone] {
            let started = ContinuousClock.now
            try await hub.service.sendOTP(phone: phone)
            #expect(ContinuousClock.now - started >= .milliseconds(50), "\(phone)")
        }
    }

    @Test func unknownPhoneWritesNoOutboxLine() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let hub = try await AuthHarness()
        let console = ConsoleNotifier(outboxDirectory: directory, printsToStandardOutput: false, clock: hub.clock.function)
        let queue = WhatsAppQueue(database: hub.database, notifier: console, keys: hub.keys, clock: hub.clock.function, logger: .init(label: "t"))
        try await hub.service.sendOTP(phone: AuthHarness.unknownPhone)
        try await hub.service.sendOTP(phone: AuthHarness.suspendedPhone)
        await queue.deliverPending()
        #expect(!FileManager.default.fileExists(atPath: console.fileURL.path))
        try await hub.service.sendOTP(phone: AuthHarness.activePhone)
        await queue.deliverPending()
        let lines = try String(contentsOf: console.fileURL, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.allSatisfy { $0.contains(AuthHarness.activePhone) })
    }

    @Test func suspendedProviderIsRefused() async throws {
        let hub = try await AuthHarness()
        let pair = try await hub.login()
        _ = try await hub.database.write(now: hub.clock.now) { tx in
            try tx.update(.providers, key: hub.activeId, ["account_status": "suspended"])
        }
        #expect(await authError { try await hub.service.authenticate(accessToken: pair.accessToken) } == .accountSuspended)
        #expect(await authError { try await hub.service.refresh(refreshToken: pair.refreshToken) } == .accountSuspended)
        #expect(AuthError.accountSuspended.kind == .forbidden)
    }

    @Test func expiredCodeAndSingleUse() async throws {
        let hub = try await AuthHarness()
        let code = try #require(try await hub.sendAndReadCode())
        hub.clock.advance(301)
        #expect(await authError { try await hub.service.verifyOTP(phone: AuthHarness.activePhone, code: code) } == .otpExpired)

        hub.clock.advance(15 * 60)
        let fresh = try #require(try await hub.sendAndReadCode())
        _ = try await hub.service.verifyOTP(phone: AuthHarness.activePhone, code: fresh)
        #expect(await authError { try await hub.service.verifyOTP(phone: AuthHarness.activePhone, code: fresh) } == .invalidCode)
    }

    @Test func onlyTheLatestCodeWorks() async throws {
        let hub = try await AuthHarness()
        let first = try #require(try await hub.sendAndReadCode())
        let second = try #require(try await hub.sendAndReadCode())
        try #require(first != second)
        #expect(await authError { try await hub.service.verifyOTP(phone: AuthHarness.activePhone, code: first) } == .invalidCode)
        _ = try await hub.service.verifyOTP(phone: AuthHarness.activePhone, code: second)
    }

    @Test func invalidPhoneIsRefused() async throws {
        let hub = try await AuthHarness()
        #expect(await authError { try await hub.service.sendOTP(phone: "+33 6 12 34 56 78") } == .invalidPhone)
        #expect(await authError { try await hub.service.verifyOTP(phone: "abc", code: "123456") } == .invalidPhone)
        #expect(AuthError.invalidPhone.kind == .malformed)
    }

    @Test func codesAreSixUniformDigits() {
        let random = SeededRandom(seed: 7)
        let codes = (0..<2000).map { _ in OneTimeCode.make(random) }
        #expect(codes.allSatisfy(OneTimeCode.isWellFormed))
        #expect(Set(codes).count > 1990)
        #expect(codes.contains { $0.hasPrefix("0") })
    }
}
