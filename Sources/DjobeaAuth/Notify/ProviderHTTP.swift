import AsyncHTTPClient
import Foundation
import NIOCore

/// The HTTP plumbing shared by the real WhatsApp drivers: one POST, its answer, and the French error lines.
///
/// Network failures (refused connection, timeout, TLS) are transient: the queue retries them with backoff.
enum ProviderHTTP {
    /// A provider's answer: status code and body (at most 64 KiB are read).
    struct Reply: Sendable {
        let status: Int
        let body: Data
    }

    /// POSTs `body` to `url` and returns the answer, whatever its status.
    ///
    /// - Throws: `NotifierError.transient` when no answer came (network, timeout).
    static func post(
        _ url: String, headers: [(String, String)], body: [UInt8], client: HTTPClient, timeout: TimeAmount, provider: String
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: timeout)
            let buffer = (try? await response.body.collect(upTo: 64 * 1024)) ?? ByteBuffer()
            return Reply(status: Int(response.status.code), body: Data(buffer.readableBytesView))
        } catch {
            throw NotifierError.transient("\(provider) injoignable : \(error)")
        }
    }

    /// Whether an HTTP error status may pass if retried: 408, 429 and 5xx (and anything not 4xx).
    static func isTransient(status: Int) -> Bool {
        status == 408 || status == 429 || !(400..<500).contains(status)
    }

    /// `base` without a trailing slash, followed by `path`.
    static func url(_ base: URL, _ path: String) -> String {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text + path
    }

    /// One path segment, percent-encoded.
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// `application/x-www-form-urlencoded`: names and values percent-encoded (RFC 3986 unreserved kept), joined by `&`.
    static func form(_ fields: [(String, String)]) -> [UInt8] {
        Array(fields.map { "\(segment($0.0))=\(segment($0.1))" }.joined(separator: "&").utf8)
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
