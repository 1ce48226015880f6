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

    /// Whether `code` is the current code of `secret` (± one step), compared in constant time.
    static func verify(_ code: String, secret: String, now: Date) -> Bool {
        guard OneTimeCode.isWellFormed(code) else { return false }
        let totp = TOTP(secret: secret)
        var matched = false
        for step in -driftSteps...driftSteps {
            let expected = String(format: "%06d", totp.compute(date: now.addingTimeInterval(TimeInterval(step * 30))))
            matched = ConstantTime.equals(Array(expected.utf8), Array(code.utf8)) || matched
        }
        return matched
    }
}
