import Crypto
import DjobeaDomain
import Foundation

/// The ops sessions of this process. The cookie is `1.<expiry, Unix seconds>.<session id>.<HMAC-SHA256>` signed with
/// the process's session key, and the session id must also be in the table of open sessions kept here: logging out
/// removes it, so a copy of the cookie is refused from then on even before its expiry.
///
/// The expiry is inside the signed value, so a cookie kept past its `Max-Age` (or edited) is refused by the server.
///
/// ## CSRF token for ops forms
///
/// Every state-changing `POST` made from an ops session must carry the session's CSRF token, a value derived from
/// the session id with the session key (so it needs no storage and ends with the session). To add an ops action form
/// (cancel a request, move a zone…):
///
/// 1. when rendering the page, put `OpsPage.csrfField(token)` inside the `<form method="post">`, with
///    `token = session.csrfToken(forCookie: cookie)` (see `OpsController.csrfToken(for:)`);
/// 2. in the `POST` handler, call `let form = try await opsController.checkedForm(request)` before anything else: it
///    refuses a cross-origin post (403 `ops_origin_refused`), a caller without an open session (401
///    `ops_auth_required`) and a missing or wrong token (403 `ops_csrf_invalid`), then gives the form's fields
///    (`form["zone"]`).
final class OpsSession: Sendable {
    static let cookieName = "djobea_ops"
    /// The name of the hidden form field that carries the CSRF token.
    static let csrfFieldName = "csrf_token"
    /// 12 hours: one working day.
    static let lifetime: TimeInterval = 12 * 3600
    /// Bounds the table of open sessions (the oldest goes first past it).
    static let maximumOpen = 1_000

    let key: SymmetricKey
    /// Open sessions: id → expiry (Unix seconds).
    private let open = LockedValue([String: Int64]())

    init(key: SymmetricKey) {
        self.key = key
    }

    /// A new session value valid until `now + lifetime`, recorded as open.
    func issue(now: Date = Date()) -> String {
        let expiry = Int64(now.addingTimeInterval(Self.lifetime).timeIntervalSince1970.rounded(.down))
        var random = SystemRandomNumberGenerator()
        let id = Self.base64URL(Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }))
        let payload = "1.\(expiry).\(id)"
        let seconds = Int64(now.timeIntervalSince1970)
        open.withLock { open in
            open = open.filter { $0.value > seconds }
            while open.count >= Self.maximumOpen, let oldest = open.min(by: { $0.value < $1.value }) { open[oldest.key] = nil }
            open[id] = expiry
        }
        return payload + "." + Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: key)))
    }

    /// Whether `value` is a session this process issued, that has not expired and has not been closed.
    func isValid(_ value: String, now: Date = Date()) -> Bool {
        sessionId(value, now: now) != nil
    }

    /// The id of the open session `value` names, or nil when the value is forged, expired or logged out.
    func sessionId(_ value: String, now: Date = Date()) -> String? {
        guard let (id, expiry) = signedId(value) else { return nil }
        let seconds = now.timeIntervalSince1970
        guard Double(expiry) > seconds, Double(expiry) <= seconds + Self.lifetime + 60 else { return nil }
        return open.withLock { $0[id] == expiry } ? id : nil
    }

    /// Closes the session `value` names (logout): its cookie is refused from now on.
    func revoke(_ value: String) {
        guard let (id, _) = signedId(value) else { return }
        _ = open.withLock { $0.removeValue(forKey: id) }
    }

    /// The CSRF token of the open session `value` names, or nil without an open session.
    func csrfToken(forCookie value: String, now: Date = Date()) -> String? {
        sessionId(value, now: now).map(csrfToken(sessionId:))
    }

    /// Whether `submitted` is the CSRF token of the open session `cookie` names (constant-time comparison).
    func isValidCSRF(_ submitted: String?, cookie: String?, now: Date = Date()) -> Bool {
        guard let submitted, let cookie, let id = sessionId(cookie, now: now), let mac = Self.data(base64URL: submitted),
            Self.base64URL(mac) == submitted
        else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data("csrf.\(id)".utf8), using: key)
    }

    private func csrfToken(sessionId id: String) -> String {
        Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data("csrf.\(id)".utf8), using: key)))
    }

    /// The session id and expiry of a well-signed value (whether open or not).
    private func signedId(_ value: String) -> (String, Int64)? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "1", let expiry = Int64(parts[1]), let mac = Self.data(base64URL: String(parts[3])) else {
            return nil
        }
        // Only the canonical encoding: the last base64 character carries padding bits, and another spelling of the same
        // bytes would otherwise pass as the same signature.
        guard Self.base64URL(mac) == parts[3] else { return nil }
        let payload = parts[0...2].joined(separator: ".")
        // Constant-time comparison (swift-crypto's isValidAuthenticationCode).
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(payload.utf8), using: key) else { return nil }
        return (String(parts[2]), expiry)
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
