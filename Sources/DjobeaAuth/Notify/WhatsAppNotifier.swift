/// One WhatsApp message to a provider.
///
/// `template` and `variables` are what a real driver sends (a Twilio content template, a Cloud API template
/// message); `body` is the same text rendered in French, for drivers and logs that show plain text.
public struct OutgoingMessage: Sendable, Equatable, Codable {
    /// Recipient in E.164 (`+237699123456`).
    public let to: String
    /// Template name: `otp_login`, `otp_password_reset`, ...
    public let template: String
    /// Template variables by name (`code`, `minutes`).
    public let variables: [String: String]
    /// The rendered French text.
    public let body: String

    public init(to: String, template: String, variables: [String: String], body: String) {
        self.to = to
        self.template = template
        self.variables = variables
        self.body = body
    }
}

/// Sends WhatsApp messages. Drivers: `ConsoleNotifier` (development, demo, tests); Twilio and WhatsApp Cloud
/// drivers implement the same protocol over HTTP.
///
/// A driver throws `NotifierError.permanent` for a message that will never go (invalid number, template refused):
/// the queue records it as failed and stops. Any other error is taken as transient and retried with backoff.
public protocol WhatsAppNotifier: Sendable {
    func send(_ message: OutgoingMessage) async throws
}

/// A failed send, as a driver reports it.
public struct NotifierError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    /// Whether retrying can never help.
    public let isPermanent: Bool

    public static func transient(_ message: String) -> NotifierError { NotifierError(message: message, isPermanent: false) }
    public static func permanent(_ message: String) -> NotifierError { NotifierError(message: message, isPermanent: true) }

    public var description: String { message }
}
