import DjobeaDomain

/// Why a provider's request query or command was refused: a stable `code`, a French message, the kind of refusal.
///
/// Anything the provider may not see is `notFound`, whatever the real reason, so that the API answers 404
/// alike for a missing id and for another provider's request.
public struct ProviderRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Stable, snake_case: `not_found`, `offer_expired`, `already_assigned`, `request_cancelled`,
    /// `offer_already_answered`, `illegal_transition`, `action_not_allowed`, `idempotency_key_reused`, `invalid_parameter`.
    public let code: String
    public let messageFR: String
    /// Not found, a conflict with the request's state, invalid input, too large, not an image.
    public let kind: RefusalKind
    /// The parameter at fault, for `invalid_parameter`.
    public let field: String?

    public init(code: String, messageFR: String, kind: RefusalKind, field: String? = nil) {
        self.code = code
        self.messageFR = messageFR
        self.kind = kind
        self.field = field
    }

    public var description: String { "\(code): \(messageFR)" }

    // MARK: - Not found

    public static let notFound = ProviderRequestError(code: "not_found", messageFR: "Demande introuvable", kind: .notFound)

    // MARK: - Conflicts

    public static let offerExpired = ProviderRequestError(
        code: "offer_expired", messageFR: "Offre expirée : acceptation refusée", kind: .conflict)
    public static let alreadyAssigned = ProviderRequestError(code: "already_assigned", messageFR: "Demande déjà attribuée", kind: .conflict)
    public static let requestCancelled = ProviderRequestError(
        code: "request_cancelled", messageFR: "Demande annulée par le client", kind: .conflict)

    public static func offerAlreadyAnswered(_ message: String) -> ProviderRequestError {
        ProviderRequestError(code: "offer_already_answered", messageFR: message, kind: .conflict)
    }

    /// A mission step the state machine refuses, with `MissionStatusFold`'s French message.
    public static func illegalTransition(_ message: String) -> ProviderRequestError {
        ProviderRequestError(code: "illegal_transition", messageFR: message, kind: .conflict)
    }

    public static func actionNotAllowed(_ message: String) -> ProviderRequestError {
        ProviderRequestError(code: "action_not_allowed", messageFR: message, kind: .conflict)
    }

    // MARK: - Invalid input

    public static let idempotencyKeyReused = ProviderRequestError(
        code: "idempotency_key_reused", messageFR: "Clé d'idempotence déjà utilisée pour une autre action", kind: .invalid,
        field: "idempotency_key")

    public static func invalid(_ field: String, _ message: String) -> ProviderRequestError {
        ProviderRequestError(code: "invalid_parameter", messageFR: message, kind: .invalid, field: field)
    }
}
