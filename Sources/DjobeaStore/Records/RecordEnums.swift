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

/// A badge a provider may earn (`badges.code`).
public enum BadgeCode: String, CaseIterable, Codable, Sendable {
    case reponseEclair = "reponse_eclair"
    case clientSatisfait = "client_satisfait"
    case proDuMois = "pro_du_mois"
    case centMissions = "cent_missions"
}

/// What a message template is for (`message_templates.kind`).
public enum MessageTemplateKind: String, CaseIterable, Codable, Sendable {
    case reply, question
}

/// Where a quote stands (`quotes.status`).
public enum QuoteStatus: String, CaseIterable, Codable, Sendable {
    case brouillon, envoye, accepte, refuse
}

/// What a quote or invoice line bills (`quote_lines.kind`, `invoice_lines.kind`).
public enum BillingLineKind: String, CaseIterable, Codable, Sendable {
    case mainOeuvre = "main_oeuvre"
    case materiel, deplacement
}

/// Where a slot a provider proposed stands (`slot_proposals.state`): a newer proposal supersedes the open one, the
/// client's answer accepts or refuses it.
public enum SlotProposalState: String, CaseIterable, Codable, Sendable {
    case proposed, superseded, accepted, refused
}

/// Why central gave a hub a stake in a request it does not own (`partition_stakes.reason`, CONFLICTS.md rule 14).
public enum PartitionStakeReason: String, CaseIterable, Codable, Sendable {
    case providerMoved = "provider_moved"
    case zoneMoved = "zone_moved"
}
