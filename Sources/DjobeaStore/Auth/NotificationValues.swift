import Foundation

/// A message to queue in `notification_outbox`, its content already sealed (bound to `id`) by DjobeaAuth.
public struct QueuedNotification: Sendable {
    public let id: String
    public let recipient: String
    public let template: String
    public let sealedContent: String
    /// Past this time the message is useless (an expired code) and is marked expired, not sent.
    public let expiresAt: Date?

    public init(id: String, recipient: String, template: String, sealedContent: String, expiresAt: Date?) {
        self.id = id
        self.recipient = recipient
        self.template = template
        self.sealedContent = sealedContent
        self.expiresAt = expiresAt
    }
}

/// A queued message due for delivery.
public struct PendingNotification: Sendable {
    public let id: String
    public let recipient: String
    public let template: String
    public let sealedContent: String
    /// Attempts made so far.
    public let attempts: Int

    public init(id: String, recipient: String, template: String, sealedContent: String, attempts: Int) {
        self.id = id
        self.recipient = recipient
        self.template = template
        self.sealedContent = sealedContent
        self.attempts = attempts
    }
}

/// Counts of `notification_outbox` by status, and the last error on record.
public struct NotificationOutboxSummary: Sendable, Equatable {
    public let pending: Int
    public let sent: Int
    public let failed: Int
    public let expired: Int
    public let lastError: String?
}
