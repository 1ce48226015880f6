import Foundation

/// The tunable numbers of provider authentication, with the seed's defaults.
public struct AuthSettings: Sendable, Equatable {
    /// A cap on one-time-code sends to one phone: at most `count` in any rolling `window` (seconds).
    public struct SendLimit: Sendable, Equatable {
        public let count: Int
        public let window: TimeInterval

        public init(count: Int, window: TimeInterval) {
            self.count = count
            self.window = window
        }
    }

    /// Lifetime of a session, renewed at each refresh (`PROVIDER_SESSION_DURATION`, default 30 days).
    public var sessionDuration: TimeInterval = 30 * 86_400
    /// Lifetime of a one-time code (`PROVIDER_OTP_EXPIRY`, default 300 s).
    public var otpExpiry: TimeInterval = 300
    /// Lifetime of an access JWT.
    public var accessTokenLifetime: TimeInterval = 15 * 60
    /// Wrong tries allowed per code; the next try is refused even with the right code.
    public var maxCodeAttempts = 5
    /// Caps on code sends per phone (login and password reset together).
    public var otpSendLimits = [SendLimit(count: 3, window: 15 * 60), SendLimit(count: 10, window: 86_400)]
    /// Per-IP and per-provider request budget (`RATE_LIMIT_PROVIDER`, default 100/minute).
    public var requestRate = RateLimit.defaultProvider
    /// Per-IP budget of requests refused for a missing, malformed or forged access token; past it they get 429.
    public var failedAuthenticationRate = RateLimit(count: 30, period: 60)
    /// Lock of password login per account: 5 wrong passwords in a row lock it 15 minutes, then 30, 60...
    public var passwordLockout = LockoutPolicy()
    /// Lock of the TOTP second factor per account, the same way.
    public var totpLockout = LockoutPolicy()
    /// bcrypt cost (log2 of the rounds).
    public var bcryptCost = 10
    /// A TOTP enrolment not confirmed within this time is forgotten.
    public var totpEnrolmentExpiry: TimeInterval = 15 * 60
    /// `last_activity` of a session is written at most this often.
    public var activityTouchInterval: TimeInterval = 60
    /// A code request answers no sooner than this (seconds), whatever the phone: the few hundred microseconds that
    /// queuing a real message costs are hidden, so timing does not tell who is registered.
    public var codeRequestMinimumDuration: TimeInterval = 0.05

    public init() {}

    // MARK: - Environment

    /// Reads `PROVIDER_SESSION_DURATION`, `PROVIDER_OTP_EXPIRY` and `RATE_LIMIT_PROVIDER`; unset ones keep their default.
    ///
    /// - Throws: `AuthSettingsError` naming the variable and what is expected, in French.
    public static func fromEnvironment(_ env: [String: String]) throws -> AuthSettings {
        var settings = AuthSettings()
        if let text = env["PROVIDER_SESSION_DURATION"] {
            settings.sessionDuration = try seconds(text, variable: "PROVIDER_SESSION_DURATION", range: 60...31_536_000, example: "2592000")
        }
        if let text = env["PROVIDER_OTP_EXPIRY"] {
            settings.otpExpiry = try seconds(text, variable: "PROVIDER_OTP_EXPIRY", range: 30...3600, example: "300")
        }
        if let text = env["RATE_LIMIT_PROVIDER"] {
            guard let limit = RateLimit.parse(text) else {
                throw AuthSettingsError(
                    variable: "RATE_LIMIT_PROVIDER", value: text,
                    expected: "« N/second », « N/minute » ou « N/hour » avec N entier positif (ex. 100/minute)")
            }
            settings.requestRate = limit
        }
        return settings
    }

    private static func seconds(_ text: String, variable: String, range: ClosedRange<Int>, example: String) throws -> TimeInterval {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw AuthSettingsError(
                variable: variable, value: text,
                expected: "un nombre entier de secondes entre \(range.lowerBound) et \(range.upperBound) (ex. \(example))")
        }
        return TimeInterval(value)
    }
}

/// A configuration value that cannot be used, said in one line an operator can act on.
public struct AuthSettingsError: Error, Equatable, Sendable, CustomStringConvertible {
    public let variable: String
    public let value: String
    public let expected: String

    public var description: String {
        "Configuration invalide : \(variable) = « \(value) ». Attendu : \(expected)."
    }
}
