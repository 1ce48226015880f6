import Crypto
import Foundation

/// What a one-time code sent over WhatsApp is for (`otp_challenges.purpose`).
enum OTPPurpose: String, Sendable {
    case login
    case passwordReset = "password_reset"
}

/// Six-digit codes: made from a secure source, stored only as a keyed hash, compared in constant time.
enum OneTimeCode {
    static let length = 6

    /// A uniform code "000000"…"999999".
    static func make(_ random: any RandomSource) -> String {
        let value = random.uniform(below: 1_000_000)
        let digits = String(value)
        return String(repeating: "0", count: length - digits.count) + digits
    }

    /// Whether `code` is exactly six ASCII digits.
    static func isWellFormed(_ code: String) -> Bool {
        code.utf8.count == length && code.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// HMAC-SHA256 (hex) of the code bound to its challenge: a hash is useless for any other row, and without the
    /// node's secret the million possible codes cannot be tried against a stolen database.
    static func hash(_ code: String, challengeId: String, phone: String, purpose: OTPPurpose, key: SymmetricKey) -> String {
        Hex.encode(mac(code, challengeId: challengeId, phone: phone, purpose: purpose, key: key))
    }

    /// Whether `code` is the one whose hash is `storedHash`, in time independent of where they differ.
    static func matches(
        _ code: String, storedHash: String, challengeId: String, phone: String, purpose: OTPPurpose, key: SymmetricKey
    ) -> Bool {
        let candidate = mac(code, challengeId: challengeId, phone: phone, purpose: purpose, key: key)
        return ConstantTime.equals(candidate, Hex.decode(storedHash) ?? [])
    }

    private static func mac(_ code: String, challengeId: String, phone: String, purpose: OTPPurpose, key: SymmetricKey) -> [UInt8] {
        let message = "\(purpose.rawValue)\u{1F}\(phone)\u{1F}\(challengeId)\u{1F}\(code)"
        return Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: key))
    }
}
