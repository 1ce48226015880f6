import Foundation

/// A message state reported by an outside service.
public enum ReportedState: String, Sendable, Codable, CaseIterable {
    case sent, delivered, read, failed
}

/// A status callback: what became of a message we sent.
public struct StatusEvent: Sendable, Equatable {
    /// The service's id of the message (`wamid.…`, `SM…`).
    public var externalId: String
    /// Our `messages.id`, when the service echoed it back (WhatsApp Cloud `biz_opaque_callback_data`, Twilio status
    /// callback URL query `m`).
    public var messageId: String?
    public var state: ReportedState
    /// The service's error code for `failed` (e.g. `131026`, `63016`).
    public var errorCode: String?
    /// The service's error text for `failed`.
    public var errorText: String?
    public var at: Date?

    public init(
        externalId: String, messageId: String? = nil, state: ReportedState, errorCode: String? = nil, errorText: String? = nil,
        at: Date? = nil
    ) {
        self.externalId = externalId
        self.messageId = messageId
        self.state = state
        self.errorCode = errorCode
        self.errorText = errorText
        self.at = at
    }
}

/// A message a client wrote to us.
public struct InboundEvent: Sendable, Equatable {
    /// The service's id of the inbound message: webhooks are idempotent by it.
    public var externalId: String
    /// The client's number in E.164 with `+`.
    public var from: String
    public var channel: ClientChannel
    /// The text the client typed (or the button's title), nil for media without caption.
    public var text: String?
    /// The payload of the quick-reply button pressed, if any (`creneau_1`, `note_4`).
    public var buttonPayload: String?
    /// The service's id of the message this one replies to, if the client used "reply".
    public var contextExternalId: String?
    /// The profile name WhatsApp gives, if any.
    public var profileName: String?
    public var at: Date?

    public init(
        externalId: String, from: String, channel: ClientChannel, text: String?, buttonPayload: String? = nil,
        contextExternalId: String? = nil, profileName: String? = nil, at: Date? = nil
    ) {
        self.externalId = externalId
        self.from = from
        self.channel = channel
        self.text = text
        self.buttonPayload = buttonPayload
        self.contextExternalId = contextExternalId
        self.profileName = profileName
        self.at = at
    }
}

/// One event of a webhook call.
public enum WebhookEvent: Sendable, Equatable {
    case status(StatusEvent)
    case inbound(InboundEvent)
}
