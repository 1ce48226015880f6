import Foundation

/// A browser's push subscription, as `PushSubscription.toJSON()` gives it: the push service endpoint and the keys
/// of the user agent (base64url, RFC 8291).
public struct PushSubscriptionInfo: Sendable, Equatable, Codable {
    public var endpoint: String
    /// The user agent's public key: uncompressed P-256 point (65 bytes), base64url.
    public var p256dh: String
    /// The authentication secret (16 bytes), base64url.
    public var auth: String

    public init(endpoint: String, p256dh: String, auth: String) {
        self.endpoint = endpoint
        self.p256dh = p256dh
        self.auth = auth
    }
}

/// RFC 8030 §5.3 `Urgency`.
public enum PushUrgency: String, Sendable, Codable, CaseIterable {
    case veryLow = "very-low"
    case low, normal, high
}

/// What a push service answered.
public enum WebPushOutcome: Sendable, Equatable {
    /// 201: accepted for delivery.
    case accepted
    /// 404 or 410: the subscription is gone; remove it.
    case gone(status: Int)
    /// 429, 5xx, network: try again later (`retryAfter` from the service, if any).
    case retry(reason: String, retryAfter: TimeInterval?)
    /// Any other 4xx (payload too large, bad VAPID…): will never go as is.
    case refused(status: Int, reason: String)
}
