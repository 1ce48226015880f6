import Foundation
import HummingbirdOTP

/// What an authenticator app shows when a provider turns on the second factor.
public struct TOTPEnrolment: Sendable, Equatable {
    /// The secret to type into the app, base32.
    public let secret: String
    /// `otpauth://totp/...` with issuer "Djobea", for a QR code.
    public let uri: String
}

/// TOTP (RFC 6238: SHA-1, 6 digits, 30 s) through HummingbirdOTP.
///
/// HummingbirdOTP keys the HMAC with the UTF-8 bytes of its `secret` string and shows the app their base32, so
/// the stored secret is a random 32-character string (160 bits) of the base32 alphabet.
enum TOTPCheck {
    static let issuer = "Djobea"
    /// Codes of the previous and next 30-second step are accepted too, for phones whose clock drifts.
    static let driftSteps = 1

    static func makeSecret(_ random: any RandomSource) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        return String((0..<32).map { _ in alphabet[Int(random.uniform(below: 32))] })
    }

    static func enrolment(secret: String, label: String) -> TOTPEnrolment {
        TOTPEnrolment(
            secret: Base32.encode(secret.utf8), uri: TOTP(secret: secret).createAuthenticatorURL(label: "\(issuer):\(label)", issuer: issuer))
    }

    /// The 30-second time step of `date` (RFC 6238's counter).
    static func step(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / 30).rounded(.down))
    }

    /// What a code is worth for a provider whose last accepted step is `lastUsedStep`.
    enum Decision: Sendable, Equatable {
        /// Right, and of a step later than any accepted before: that step is now used.
        case accepted(step: Int64)
        /// Not the code of the current step (± one).
        case wrong
        /// Right, but of a step already used (or older): a replay.
        case reused
    }

    /// Checks `code` against the current step of `secret` and one step either side (compared in constant time);
    /// a code of a step at or before `lastUsedStep` is refused, so that each code serves once (RFC 6238 §5.2).
    static func check(_ code: String, secret: String, now: Date, lastUsedStep: Int64?) -> Decision {
        guard OneTimeCode.isWellFormed(code) else { return .wrong }
        let hotp = HOTP(secret: secret)
        let current = step(at: now)
        var matched: Int64?
        for offset in -Int64(driftSteps)...Int64(driftSteps) {
            let candidate = current + offset
            guard candidate >= 0 else { continue }
            let expected = String(format: "%06d", hotp.compute(counter: UInt64(candidate)))
            if ConstantTime.equals(Array(expected.utf8), Array(code.utf8)) { matched = candidate }
        }
        guard let matched else { return .wrong }
        if let lastUsedStep, matched <= lastUsedStep { return .reused }
        return .accepted(step: matched)
    }
}
