import Foundation

/// The channel a client message travels on.
public enum ClientChannel: String, Sendable, Codable, CaseIterable {
    case whatsapp
    case sms
}

/// A WhatsApp template message: an approved template by name, its body parameters and its quick-reply buttons.
///
/// Business-initiated messages (outside the 24-hour window after the client last wrote) must be templates; the
/// catalogue of our templates and their French text is in `deploy/whatsapp-templates/`.
public struct TemplateCall: Sendable, Equatable, Codable {
    /// The approved template name, e.g. `demande_acceptee`.
    public var name: String
    /// The template language code, `fr`.
    public var language: String
    /// The body parameters `{{1}}`, `{{2}}`… in order.
    public var parameters: [String]
    /// The payload of each quick-reply button of the template, in button order (e.g. `creneau_1`, `note_5`); empty
    /// when the template has none.
    public var quickReplies: [String]
    /// The same message rendered in French (console driver, SMS, logs).
    public var text: String
    /// A PDF in the template's document header: its public link and the file name the client sees.
    public var document: DocumentAttachment?

    public init(
        name: String, language: String = "fr", parameters: [String], quickReplies: [String] = [], text: String,
        document: DocumentAttachment? = nil
    ) {
        self.name = name
        self.language = language
        self.parameters = parameters
        self.quickReplies = quickReplies
        self.text = text
        self.document = document
    }
}

/// A document a template message carries in its header (WhatsApp fetches it from `link`).
public struct DocumentAttachment: Sendable, Equatable, Codable {
    public var link: String
    public var filename: String

    public init(link: String, filename: String) {
        self.link = link
        self.filename = filename
    }
}

/// What a client message says: free text (inside the 24-hour window, or an SMS) or a template.
public enum ClientContent: Sendable, Equatable, Codable {
    case text(String)
    case template(TemplateCall)

    /// The French text, whatever the form.
    public var text: String {
        switch self {
        case .text(let text): text
        case .template(let call): call.text
        }
    }
}

/// One message to a client, as the gateway hands it to a driver.
public struct ClientOutbound: Sendable, Equatable, Codable {
    /// Our id (`messages.id`). Drivers send it along where the service echoes it back in status callbacks
    /// (WhatsApp Cloud `biz_opaque_callback_data`, a Twilio status callback URL), so that a send whose answer was
    /// lost can be matched to its row.
    public var messageId: String
    /// The client's number in E.164 (`+237699123456`).
    public var to: String
    public var channel: ClientChannel
    public var content: ClientContent

    public init(messageId: String, to: String, channel: ClientChannel, content: ClientContent) {
        self.messageId = messageId
        self.to = to
        self.channel = channel
        self.content = content
    }
}

/// The outside service accepted the message.
public struct SendReceipt: Sendable, Equatable {
    /// The service's id for the message (`wamid.…`, `SM…`, `console-…`).
    public var externalId: String

    public init(externalId: String) {
        self.externalId = externalId
    }
}

/// Why a send did not go. Drivers throw only this; anything else a gateway treats as transient.
public enum ClientSendError: Error, Sendable, Equatable, CustomStringConvertible {
    /// May pass if retried: 408, 429, 5xx, throttling error codes, network failures. `retryAfter` is the service's
    /// hint (`Retry-After`), when it gave one.
    case transient(reason: String, retryAfter: TimeInterval?)
    /// The request left but no answer came back (a timeout or a dropped connection after sending): the service may have
    /// taken the message. The gateway waits for a status webhook (which names our id) at least a lease before trying again.
    case unknownOutcome(reason: String)
    /// The number has no WhatsApp account (WhatsApp Cloud 131026, Twilio 63003): send essential messages by SMS.
    case notOnWhatsApp(reason: String)
    /// Can never go as is: invalid number, template refused, bad credentials. The message ends `failed`.
    case permanent(code: String, reason: String)

    public var description: String {
        switch self {
        case .transient(let reason, _), .unknownOutcome(let reason), .notOnWhatsApp(let reason), .permanent(_, let reason): reason
        }
    }
}

/// Sends client messages on one or both channels. Drivers: console (files under `<data>/outbox/`), WhatsApp Cloud,
/// Twilio (WhatsApp and SMS).
public protocol ClientMessenger: Sendable {
    /// The channels this driver can send on.
    var channels: Set<ClientChannel> { get }

    /// Sends one message; returns the service's id for it.
    ///
    /// - Throws: `ClientSendError`.
    func send(_ message: ClientOutbound) async throws -> SendReceipt
}
