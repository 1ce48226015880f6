import DjobeaDomain

// Small enums for the stored kinds that `DjobeaDomain` has none for; raw values are the schema's strings.
// `Codable` lets a record hold them; the CHECK constraints of the schema list the same values.

/// How a request arrived (`service_requests.channel`).
public enum RequestChannel: String, CaseIterable, Codable, Sendable {
    case platform
    /// Typed by the provider for a client standing in front of them.
    case walkIn = "walk_in"
}

/// Which way a message went (`messages.direction`).
public enum MessageDirection: String, CaseIterable, Codable, Sendable {
    case incoming = "in"
    case outgoing = "out"
}

/// The channel of a client message (`messages.channel`).
public enum MessageChannel: String, CaseIterable, Codable, Sendable {
    case whatsapp, sms
}

/// What a provider notification is about (`notifications.kind`).
public enum NotificationKind: String, CaseIterable, Codable, Sendable {
    case newRequest = "new_request"
    case urgentRequest = "urgent_request"
    case offerWaiting = "offer_waiting"
    case paymentReceived = "payment_received"
    case invoiceLate = "invoice_late"
    case absence
    case system
}

extension PhotoKind: Codable {}
