import DjobeaDomain
import DjobeaStore
import Foundation
import GRDB
import HummingbirdOTP
import Testing

@testable import DjobeaAuth

@Suite("Email, password and TOTP")
struct PasswordLoginTests {
    @Test func passwordIsStoredAsBcryptCost10ThroughTheChangeLog() async throws {
        let hub = try await AuthHarness(settings: AuthSettings())
        try await hub.service.setPassword(providerId: hub.activeId, password: "Kouam-2026!")
        let hash = try hub.database.readBlocking { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM provider_credentials WHERE provider_id = ?", arguments: [hub.activeId])
        }
        #expect(hash?.hasPrefix("$2b$10$") == true)
        let logged = try hub.database.readBlocking { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM change_log WHERE table_name = 'provider_credentials'")
        }
        #expect(logged == 1)
        _ = try await hub.service.loginWithPassword(email: "  Jean.Kouam@Example.CM ", password: "Kouam-2026!")
    }

    @Test func weakPasswordsAreRefused() async throws {
        let hub = try await AuthHarness()
        #expect(await authError { try await hub.service.setPassword(providerId: hub.activeId, password: "1234567") } == .weakPassword)
        let tooLong = String(repeating: "é", count: 40)
        #expect(await authError { try await hub.service.setPassword(providerId: hub.activeId, password: tooLong) } == .weakPassword)
        #expect(await authError { try await hub.service.setPassword(providerId: DjobeaID.v7(), password: "assez-long") } == .invalidCredentials)
    }

    @Test func unknownEmailAndWrongPasswordGetTheSameError() async throws {
        let hub = try await AuthHarness()
        // No password yet: same answer.
        #expect(await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: "whatever1") } == .invalidCredentials)
        try await hub.service.setPassword(providerId: hub.activeId, password: "bon-mot-de-passe")
        #expect(await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: "mauvais-mot") } == .invalidCredentials)
        #expect(
            await authError { try await hub.service.loginWithPassword(email: "personne@example.cm", password: "bon-mot-de-passe") }
                == .invalidCredentials)
        let pair = try await hub.service.loginWithPassword(email: AuthHarness.email, password: "bon-mot-de-passe", userAgent: "Firefox")
        #expect(try await hub.service.authenticate(accessToken: pair.accessToken).providerId == hub.activeId)
    }

    @Test func totpSecondFactor() async throws {
        let hub = try await AuthHarness()
        try await hub.service.setPassword(providerId: hub.activeId, password: "bon-mot-de-passe")
        let enrolment = try await hub.service.beginTOTPEnrolment(providerId: hub.activeId)
        #expect(enrolment.uri.hasPrefix("otpauth://totp/"))
        #expect(enrolment.uri.contains("issuer=Djobea"))
        #expect(enrolment.uri.contains("secret=\(enrolment.secret)"))
        // Not active until confirmed.
        _ = try await hub.service.loginWithPassword(email: AuthHarness.email, password: "bon-mot-de-passe")

        let sealed = try #require(
            try hub.database.readBlocking { db in try String.fetchOne(db, sql: "SELECT secret FROM totp_enrolments") })
        #expect(sealed.hasPrefix("v1:"))
        let secret = try SealedSeed.open(sealed, providerId: hub.activeId, key: hub.seedKey)
        #expect(Base32.encode(secret.utf8) == enrolment.secret)
        let app = TOTP(secret: secret)
        func current() -> String { String(format: "%06d", app.compute(date: hub.clock.now)) }
        let wrong = current() == "000000" ? "000001" : "000000"
        #expect(await authError { try await hub.service.confirmTOTP(providerId: hub.activeId, code: wrong) } == .invalidTOTP)
        try await hub.service.confirmTOTP(providerId: hub.activeId, code: current())

        #expect(await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: "bon-mot-de-passe") } == .totpRequired)
        #expect(
            await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: "bon-mot-de-passe", totp: wrong) }
                == .invalidTOTP)
        // A wrong password says nothing about the second factor.
        #expect(await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: "mauvais-mot") } == .invalidCredentials)
        // The code that confirmed the enrolment has served: a minute later, one step of drift is tolerated, two are not.
        hub.clock.advance(60)
        let previous = String(format: "%06d", app.compute(date: hub.clock.now.addingTimeInterval(-30)))
        _ = try await hub.service.loginWithPassword(email: AuthHarness.email, password: "bon-mot-de-passe", totp: previous)
        _ = try await hub.service.loginWithPassword(email: AuthHarness.email, password: "bon-mot-de-passe", totp: current())
        let stale = String(format: "%06d", app.compute(date: hub.clock.now.addingTimeInterval(-90)))
        if stale != current() && stale != previous {
            #expect(
                await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: "bon-mot-de-passe", totp: stale) }
                    == .invalidTOTP)
        }

        #expect(await authError { try await hub.service.disableTOTP(providerId: hub.activeId, password: "mauvais-mot") } == .invalidCredentials)
        try await hub.service.disableTOTP(providerId: hub.activeId, password: "bon-mot-de-passe")
        _ = try await hub.service.loginWithPassword(email: AuthHarness.email, password: "bon-mot-de-passe")
    }

    @Test func passwordResetByWhatsAppRevokesEverySession() async throws {
        let hub = try await AuthHarness()
        try await hub.service.setPassword(providerId: hub.activeId, password: "ancien-mot-de-passe")
        let phoneSession = try await hub.login()
        let webSession = try await hub.service.loginWithPassword(email: AuthHarness.email, password: "ancien-mot-de-passe")

        let answer = try await hub.service.requestPasswordReset(phone: AuthHarness.activePhone)
        #expect(answer == (try await hub.service.requestPasswordReset(phone: AuthHarness.unknownPhone)))
        await hub.queue.deliverPending()
        let message = try #require(hub.notifier.messages.last)
        #expect(message.template == "otp_password_reset")
        #expect(hub.notifier.messages.filter { $0.to == AuthHarness.unknownPhone }.isEmpty)
        let code = try #require(message.variables["code"])
        // A login code does not reset a password, and a weak password costs no try.
        #expect(
            await authError { try await hub.service.resetPassword(phone: AuthHarness.activePhone, code: code, newPassword: "court") }
                == .weakPassword)
        try await hub.service.resetPassword(phone: AuthHarness.activePhone, code: code, newPassword: "nouveau-mot-de-passe")

        for pair in [phoneSession, webSession] {
            #expect(await authError { try await hub.service.authenticate(accessToken: pair.accessToken) } == .invalidToken)
            #expect(await authError { try await hub.service.refresh(refreshToken: pair.refreshToken) } == .invalidRefreshToken)
        }
        #expect(
            await authError { try await hub.service.loginWithPassword(email: AuthHarness.email, password: "ancien-mot-de-passe") }
                == .invalidCredentials)
        _ = try await hub.service.loginWithPassword(email: AuthHarness.email, password: "nouveau-mot-de-passe")
        // The code was single-use.
        #expect(
            await authError { try await hub.service.resetPassword(phone: AuthHarness.activePhone, code: code, newPassword: "encore-un-autre") }
                == .invalidCode)
    }

    @Test func loginAndResetCodesAreSeparate() async throws {
        let hub = try await AuthHarness()
        let loginCode = try #require(try await hub.sendAndReadCode())
        #expect(
            await authError { try await hub.service.resetPassword(phone: AuthHarness.activePhone, code: loginCode, newPassword: "nouveau-mot") }
                == .invalidCode)
        _ = try await hub.service.verifyOTP(phone: AuthHarness.activePhone, code: loginCode)
    }

    @Test func bcryptRunsOnTheHasherThreads() async throws {
        let hasher = PasswordHasher(cost: 4, lanes: 2)
        #expect(DispatchQueue.getSpecific(key: PasswordHasher.laneKey) == nil)
        let lanes = await withTaskGroup(of: Int?.self) { group in
            for _ in 0..<4 { group.addTask { await hasher.run { DispatchQueue.getSpecific(key: PasswordHasher.laneKey) } } }
            return await group.reduce(into: [Int?]()) { $0.append($1) }
        }
        #expect(Set(lanes) == [0, 1])
        let hash = await hasher.hash("mot-de-passe")
        #expect(hash.hasPrefix("$2b$04$"))
        #expect(await hasher.verify("mot-de-passe", hash: hash))
        #expect(await !hasher.verify("mot-de-passf", hash: hash))
    }
}
