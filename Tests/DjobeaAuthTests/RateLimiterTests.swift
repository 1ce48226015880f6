import DjobeaDomain
import Foundation
import Testing

@testable import DjobeaAuth

@Suite("Rate limiting")
struct RateLimiterTests {
    @Test(arguments: [
        ("100/minute", RateLimit(count: 100, period: 60)), ("5/second", RateLimit(count: 5, period: 1)),
        (" 3600 / hour ", RateLimit(count: 3600, period: 3600)), ("10/min", RateLimit(count: 10, period: 60)),
    ])
    func parsesLimits(_ text: String, _ expected: RateLimit) {
        #expect(RateLimit.parse(text) == expected)
    }

    @Test(arguments: ["", "100", "100/day", "0/minute", "-1/minute", "abc/minute", "100/minute/x", "1.5/second"])
    func refusesMalformedLimits(_ text: String) {
        #expect(RateLimit.parse(text) == nil)
    }

    @Test func bucketAllowsABurstThenRefillsSteadily() {
        let start = Date(timeIntervalSince1970: 1_000)
        var bucket = TokenBucket(limit: RateLimit(count: 100, period: 60), now: start)
        for _ in 0..<100 { #expect(bucket.take(now: start) == .allowed) }
        // One token every 0.6 s.
        #expect(bucket.take(now: start) == .limited(retryAfter: 1))
        #expect(bucket.take(now: start.addingTimeInterval(0.3)) == .limited(retryAfter: 1))
        #expect(bucket.take(now: start.addingTimeInterval(0.6)) == .allowed)
        #expect(bucket.take(now: start.addingTimeInterval(0.6)) == .limited(retryAfter: 1))
        // After a minute of silence the whole burst is back, no more.
        let later = start.addingTimeInterval(120)
        #expect(bucket.isFull(at: later))
        for _ in 0..<100 { #expect(bucket.take(now: later) == .allowed) }
        #expect(bucket.take(now: later) != .allowed)
    }

    @Test func retryAfterCountsWholeSeconds() {
        let start = Date(timeIntervalSince1970: 0)
        var bucket = TokenBucket(limit: RateLimit(count: 2, period: 3600), now: start)
        _ = bucket.take(now: start)
        _ = bucket.take(now: start)
        #expect(bucket.take(now: start) == .limited(retryAfter: 1800))
        #expect(bucket.take(now: start.addingTimeInterval(1799.5)) == .limited(retryAfter: 1))
        #expect(bucket.take(now: start.addingTimeInterval(1800)) == .allowed)
    }

    @Test func aClockGoingBackDoesNotRefill() {
        let start = Date(timeIntervalSince1970: 1_000)
        var bucket = TokenBucket(limit: RateLimit(count: 1, period: 60), now: start)
        #expect(bucket.take(now: start) == .allowed)
        #expect(bucket.take(now: start.addingTimeInterval(-3600)) != .allowed)
    }

    @Test func keysAreIndependentAndMemoryIsBounded() {
        let clock = FixedClock()
        let limiter = RateLimiter(limit: RateLimit(count: 2, period: 60), maximumKeys: 100, clock: clock.function)
        #expect(limiter.check("ip:10.0.0.1") == .allowed)
        #expect(limiter.check("ip:10.0.0.1") == .allowed)
        #expect(limiter.check("ip:10.0.0.1") == .limited(retryAfter: 30))
        #expect(limiter.check("provider:abc") == .allowed)
        for index in 0..<1000 { _ = limiter.check("ip:192.0.2.\(index)") }
        #expect(limiter.trackedKeys <= 100)
        // The busiest recent key is not forgotten by eviction of idle ones.
        clock.advance(1)
        #expect(limiter.check("ip:192.0.2.999") == .allowed)
    }

    @Test func errorForHTTP() {
        let error = AuthError.rateLimited(retryAfter: 42)
        #expect(error.kind == .tooManyAttempts)
        #expect(error.retryAfter == 42)
        #expect(error.messageFR == "Trop de requêtes. Réessayez dans 42 secondes.")
    }
}

@Suite("Error catalogue")
struct AuthErrorCatalogueTests {
    @Test func everyCodeIsUniqueWithAStatusAndAFrenchMessage() {
        let codes = AuthError.catalogue.map(\.code)
        #expect(Set(codes).count == codes.count)
        #expect(
            Set(codes) == [
                "invalid_phone", "weak_password", "invalid_code", "otp_expired", "otp_locked", "otp_rate_limited", "invalid_token",
                "invalid_refresh_token", "refresh_reused", "account_suspended", "account_moved", "invalid_credentials", "totp_required",
                "invalid_totp",
                "rate_limited", "totp_reused", "totp_unavailable", "password_locked", "totp_locked", "auth_rate_limited",
            ])
        for error in AuthError.catalogue {
            #expect([.malformed, .unauthenticated, .forbidden, .tooManyAttempts, .unavailable].contains(error.kind))
            #expect((error.kind == .tooManyAttempts) == (error.retryAfter != nil))
            #expect(error.messageFR.hasSuffix("."))
        }
    }
}
