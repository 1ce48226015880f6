import AsyncHTTPClient
import Foundation
import NIOCore

/// Sends Web Push messages (RFC 8030) encrypted with `aes128gcm` (RFC 8291) and signed with VAPID (RFC 8292).
///
/// One `POST` to the subscription's endpoint per message. The push service answers 201 when it accepted the
/// message, 404 or 410 when the subscription is gone, 413 when the body is too large, 429 or 5xx when it is busy.
public struct WebPushSender: Sendable {
    /// The longest `Topic` header (RFC 8030 §5.4).
    public static let maxTopicLength = 32
    /// How many characters of a push service's error body go into a reason.
    static let maxQuotedBody = 200

    private let keys: VAPIDKeys
    private let subject: String
    private let httpClient: HTTPClient
    private let timeout: TimeAmount
    private let allowLoopback: Bool

    /// - Parameters:
    ///   - subject: the operator's contact for push services: `mailto:…` or `https:…`.
    ///   - httpClient: owned by the caller, who shuts it down.
    ///   - allowLoopback: whether plain `http://` endpoints on this machine are pushed to (tests and the demo only).
    public init(keys: VAPIDKeys, subject: String, httpClient: HTTPClient, timeout: TimeAmount = .seconds(15), allowLoopback: Bool = true) {
        self.allowLoopback = allowLoopback
        self.keys = keys
        self.subject = subject
        self.httpClient = httpClient
        self.timeout = timeout
    }

    /// Encrypts `payload` for `subscription` and posts it.
    ///
    /// A subscription with invalid keys, a payload too long or a VAPID error is refused with status 0, without any
    /// request.
    ///
    /// - Parameters:
    ///   - ttl: how many seconds the push service keeps the message for an offline device.
    ///   - topic: messages with the same topic replace each other while undelivered; ignored unless it is at most
    ///     32 characters of the base64url alphabet.
    public func send(
        payload: [UInt8], to subscription: PushSubscriptionInfo, urgency: PushUrgency, ttl: Int, topic: String? = nil,
        now: Date = Date()
    ) async -> WebPushOutcome {
        let body: [UInt8]
        let authorization: String
        do {
            _ = try subscription.validated(allowLoopback: allowLoopback)
            body = try WebPushEncryption.encrypt(
                plaintext: payload, userAgentPublicKey: Base64URL.decode(subscription.p256dh) ?? [],
                authSecret: Base64URL.decode(subscription.auth) ?? [])
            authorization = try keys.authorizationHeader(endpoint: subscription.endpoint, subject: subject, now: now)
        } catch {
            return .refused(status: 0, reason: "\(error)")
        }
        var request = HTTPClientRequest(url: subscription.endpoint)
        request.method = .POST
        request.headers.add(name: "TTL", value: String(max(0, ttl)))
        request.headers.add(name: "Urgency", value: urgency.rawValue)
        if let topic, Self.isValidTopic(topic) { request.headers.add(name: "Topic", value: topic) }
        request.headers.add(name: "Content-Encoding", value: "aes128gcm")
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.headers.add(name: "Authorization", value: authorization)
        request.body = .bytes(ByteBuffer(bytes: body))
        let deadline = NIODeadline.now() + timeout
        do {
            let response = try await httpClient.execute(request, deadline: deadline)
            let answer = (try? await response.body.collect(upTo: 64 * 1024)) ?? ByteBuffer()
            return Self.outcome(
                status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"),
                body: Data(answer.readableBytesView), now: now)
        } catch {
            return .retry(reason: "Service push injoignable : \(error)", retryAfter: nil)
        }
    }

    /// Encodes `payload` (its body cut to fit) and sends it; a payload that cannot be encoded is refused with status 0.
    public func send(
        _ payload: WebPushPayload, to subscription: PushSubscriptionInfo, urgency: PushUrgency, ttl: Int, topic: String? = nil,
        now: Date = Date()
    ) async -> WebPushOutcome {
        do {
            return await send(payload: try payload.encoded(), to: subscription, urgency: urgency, ttl: ttl, topic: topic, now: now)
        } catch {
            return .refused(status: 0, reason: "\(error)")
        }
    }

    /// Whether `topic` may go in a `Topic` header: 1 to 32 characters of the base64url alphabet.
    public static func isValidTopic(_ topic: String) -> Bool {
        topic.utf8.count <= maxTopicLength && Base64URL.isAlphabet(topic)
    }

    /// What a push service's answer means.
    static func outcome(status: Int, retryAfter: String?, body: Data, now: Date) -> WebPushOutcome {
        switch status {
        case 200..<300:
            return .accepted
        case 404, 410:
            return .gone(status: status)
        case 408, 429, 500..<600:
            return .retry(reason: reason(status: status, body: body), retryAfter: retryAfter.flatMap { parseRetryAfter($0, now: now) })
        default:
            return .refused(status: status, reason: reason(status: status, body: body))
        }
    }

    /// `Service push : HTTP 413 — <the start of the body>`.
    static func reason(status: Int, body: Data) -> String {
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let quoted = String(text.prefix(maxQuotedBody))
        return quoted.isEmpty ? "Service push : HTTP \(status)" : "Service push : HTTP \(status) — \(quoted)"
    }

    /// The delay of a `Retry-After` header: seconds, or an HTTP date (nil when unreadable; 0 when past).
    public static func parseRetryAfter(_ value: String, now: Date) -> TimeInterval? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed) { return seconds >= 0 ? TimeInterval(seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}

/// The HTTP client pushes go through: redirects refused (a push service answers, it never redirects; following one could
/// carry the gateway to an address validation never saw) and a short connect timeout (a dead endpoint must not hold the
/// others). Lives as long as the process, like `HTTPClient.shared`.
public let pushHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(5), read: .seconds(10))
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}()
