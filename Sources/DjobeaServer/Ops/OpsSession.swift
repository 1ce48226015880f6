import Crypto
import Foundation

/// The ops session cookie: `1.<expiry, Unix seconds>.<nonce>.<HMAC-SHA256>` signed with the process's session key.
///
/// The expiry is inside the signed value, so a cookie kept past its `Max-Age` (or edited) is refused by the server.
struct OpsSession: Sendable {
    static let cookieName = "djobea_ops"
    /// 12 hours: one working day.
    static let lifetime: TimeInterval = 12 * 3600

    let key: SymmetricKey

    /// A new session value valid until `now + lifetime`.
    func issue(now: Date = Date()) -> String {
        let expiry = Int64(now.addingTimeInterval(Self.lifetime).timeIntervalSince1970.rounded(.down))
        var random = SystemRandomNumberGenerator()
        let nonce = Self.base64URL(Data((0..<12).map { _ in UInt8.random(in: 0...255, using: &random) }))
        let payload = "1.\(expiry).\(nonce)"
        return payload + "." + Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: key)))
    }

    /// Whether `value` is a session this process issued and that has not expired.
    func isValid(_ value: String, now: Date = Date()) -> Bool {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "1", let expiry = Int64(parts[1]), let mac = Self.data(base64URL: String(parts[3])) else {
            return false
        }
        // Only the canonical encoding: the last base64 character carries padding bits, and another spelling of the same
        // bytes would otherwise pass as the same signature.
        guard Self.base64URL(mac) == parts[3] else { return false }
        let payload = parts[0...2].joined(separator: ".")
        // Constant-time comparison (swift-crypto's isValidAuthenticationCode).
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(payload.utf8), using: key) else { return false }
        let seconds = now.timeIntervalSince1970
        return Double(expiry) > seconds && Double(expiry) <= seconds + Self.lifetime + 60
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: String) -> Data? {
        guard !text.isEmpty, text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), text.allSatisfy(\.isASCII) else {
            return nil
        }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard)
    }
}
