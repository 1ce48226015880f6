import DjobeaDomain
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

@testable import DjobeaAuth

@Suite("Refresh token rotation")
struct RefreshRotationTests {
    @Test func refreshRotatesWithinTheFamilyAndSlidesTheExpiry() async throws {
        let hub = try await AuthHarness()
        let first = try await hub.login()
        hub.clock.advance(10 * 86_400)
        let second = try await hub.service.refresh(refreshToken: first.refreshToken)
        let old = try #require(try hub.sessionRow(first.sessionId))
        let new = try #require(try hub.sessionRow(second.sessionId))
        #expect(old["revoked_at"] == UTCTimestamp.format(hub.clock.now))
        #expect(old["replaced_by"] == second.sessionId)
        #expect(new["family_id"] == first.sessionId)
        #expect(new["revoked_at"] as String? == nil)
        #expect(new["user_agent"] == "Tests")
        #expect(new["expires_at"] == UTCTimestamp.format(hub.clock.now.addingTimeInterval(30 * 86_400)))
        #expect(second.refreshToken != first.refreshToken)
        // The access token of the rotated row lives on until it expires, while its family lives.
        #expect(try await hub.service.authenticate(accessToken: second.accessToken).sessionId == second.sessionId)
    }

    @Test func reusingARotatedTokenRevokesTheWholeFamily() async throws {
        let hub = try await AuthHarness()
        let first = try await hub.login()
        let second = try await hub.service.refresh(refreshToken: first.refreshToken)
        let third = try await hub.service.refresh(refreshToken: second.refreshToken)
        // Another login of the same provider is another family, untouched.
        hub.clock.advance(3600)
        let otherDevice = try await hub.login()

        let error = try #require(await authError { try await hub.service.refresh(refreshToken: first.refreshToken) })
        #expect(error == .refreshReused)
        #expect(error.kind == .unauthenticated)
        // The newest token of the family died with it.
        #expect(await authError { try await hub.service.refresh(refreshToken: third.refreshToken) } == .invalidRefreshToken)
        #expect(await authError { try await hub.service.authenticate(accessToken: third.accessToken) } == .invalidToken)
        let live = try hub.database.readBlocking { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM provider_sessions WHERE family_id = ? AND revoked_at IS NULL", arguments: [first.sessionId])
        }
        #expect(live == 0)
        #expect(try await hub.service.authenticate(accessToken: otherDevice.accessToken).sessionId == otherDevice.sessionId)
    }

    @Test func unknownExpiredAndLoggedOutTokensAreInvalid() async throws {
        let hub = try await AuthHarness()
        #expect(await authError { try await hub.service.refresh(refreshToken: "not-a-token") } == .invalidRefreshToken)
        #expect(await authError { try await hub.service.refresh(refreshToken: RefreshToken.make(SeededRandom(seed: 9))) } == .invalidRefreshToken)

        let pair = try await hub.login()
        hub.clock.advance(30 * 86_400)
        #expect(await authError { try await hub.service.refresh(refreshToken: pair.refreshToken) } == .invalidRefreshToken)

        let again = try await hub.login()
        try await hub.service.logout(sessionId: again.sessionId)
        try await hub.service.logout(sessionId: again.sessionId)
        #expect(await authError { try await hub.service.refresh(refreshToken: again.refreshToken) } == .invalidRefreshToken)
    }

    @Test func logoutOfARotatedSessionEndsTheCurrentOne() async throws {
        let hub = try await AuthHarness()
        let first = try await hub.login()
        let second = try await hub.service.refresh(refreshToken: first.refreshToken)
        // The phone still holds the first access token's session id.
        let identity = try await hub.service.authenticate(accessToken: first.accessToken)
        try await hub.service.logout(sessionId: identity.sessionId)
        #expect(await authError { try await hub.service.authenticate(accessToken: second.accessToken) } == .invalidToken)
        #expect(await authError { try await hub.service.refresh(refreshToken: second.refreshToken) } == .invalidRefreshToken)
    }
}
