import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP plumbing shared by the real message drivers (the gateway's client messages and `DjobeaAuth`'s provider
/// codes): one POST, its answer, `Retry-After`, form encoding.
///
/// Network failures (refused connection, timeout, TLS) are transient: the gateway retries them with backoff.
package enum GatewayHTTP {
    /// A service's answer: status code, `Retry-After` (seconds, when given) and body (at most 64 KiB are read).
    package struct Reply: Sendable {
        package let status: Int
        package let retryAfter: TimeInterval?
        package let body: Data
    }

    /// POSTs `body` to `url` and returns the answer, whatever its status.
    ///
    /// - Throws: `ClientSendError.transient` when the connection never opened, `.unknownOutcome` when the request may
    ///   have left but no answer came.
    package static func post(
        _ url: String, headers: [(String, String)], body: [UInt8], client: HTTPClient, timeout: TimeAmount, service: String
    ) async throws(ClientSendError) -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: timeout)
            let buffer = (try? await response.body.collect(upTo: 64 * 1024)) ?? ByteBuffer()
            return Reply(
                status: Int(response.status.code), retryAfter: retryAfter(response.headers.first(name: "retry-after")),
                body: Data(buffer.readableBytesView))
        } catch {
            // Refused, unreachable or not connected in time: nothing left. Anything else (a timeout while waiting for the
            // answer, a connection dropped mid-way) may have delivered the request.
            if isConnectionFailure(error) { throw .transient(reason: "\(service) injoignable : \(error)", retryAfter: nil) }
            throw .unknownOutcome(reason: "\(service) : pas de réponse, envoi peut-être reçu (\(error))")
        }
    }

    /// Whether `error` happened before anything was sent (the connection never opened).
    package static func isConnectionFailure(_ error: any Error) -> Bool {
        if let client = error as? HTTPClientError, client == .connectTimeout { return true }
        let text = String(reflecting: error)
        return [
            "NIOConnectionError", "connectTimeout", "Connection refused", "connectionRefused", "ECONNREFUSED", "No route to host",
            "Network is unreachable", "SOCKSError", "NIOResolver", "DNS",
        ].contains { text.contains($0) }
    }

    /// Whether an HTTP error status may pass if retried: 408, 429 and 5xx (and anything not 4xx).
    package static func isTransient(status: Int) -> Bool {
        status == 408 || status == 429 || !(400..<500).contains(status)
    }

    /// `Retry-After` in seconds: a number of seconds or an HTTP date (RFC 9110 §10.2.3); nil if absent or unreadable.
    package static func retryAfter(_ header: String?, now: Date = Date()) -> TimeInterval? {
        guard let text = header?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let seconds = Int(text) { return TimeInterval(max(0, seconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return max(0, date.timeIntervalSince(now).rounded(.up))
    }

    /// `base` without a trailing slash, followed by `path`.
    package static func url(_ base: URL, _ path: String) -> String {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text + path
    }

    /// One path segment or form component, percent-encoded (RFC 3986 unreserved characters kept).
    package static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// `application/x-www-form-urlencoded`: names and values percent-encoded, joined by `&`.
    package static func form(_ fields: [(String, String)]) -> [UInt8] {
        Array(fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&").utf8)
    }

    /// A JSON encoder with sorted keys and unescaped slashes, so that bodies are byte-for-byte reproducible.
    package static func jsonEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
