import DjobeaDomain

/// Why a provider's account or finance query or command is refused: a stable `code`, a French message for the
/// app, and the kind of refusal.
public enum ProviderAccountError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The row does not exist or belongs to another provider (the two are never told apart).
    case notFound(resource: String)
    /// A field that ops own (zones, services, level, account status, name, phone): CONFLICTS.md, "Who decides what".
    case fieldNotOwned(field: String)
    /// A field the endpoint does not know.
    case unknownField(field: String)
    /// A value that fails validation; `reasonFR` says why, in French.
    case invalidField(field: String, reasonFR: String)
    case emailTaken
    /// A rate or request type for a service the provider does not offer (ops add services).
    case serviceNotOffered(code: String)
    /// The new absence overlaps an existing one of the same provider.
    case absenceOverlap(existingId: String)
    /// An absence that has already ended is history: it is kept.
    case absenceEnded

    public var code: String {
        switch self {
        case .notFound: "not_found"
        case .fieldNotOwned: "field_not_owned"
        case .unknownField: "unknown_field"
        case .invalidField: "invalid_field"
        case .emailTaken: "email_taken"
        case .serviceNotOffered: "service_not_offered"
        case .absenceOverlap: "absence_overlap"
        case .absenceEnded: "absence_ended"
        }
    }

    /// Not found, not the owner's field, a conflict with other rows, invalid input.
    public var kind: RefusalKind {
        switch self {
        case .notFound: .notFound
        case .fieldNotOwned: .forbidden
        case .emailTaken, .absenceOverlap, .absenceEnded: .conflict
        case .unknownField, .invalidField, .serviceNotOffered: .invalid
        }
    }

    /// The field at fault, for the app to highlight; nil when the error is not about one field.
    public var field: String? {
        switch self {
        case .fieldNotOwned(let field), .unknownField(let field), .invalidField(let field, _): field
        case .emailTaken: "email"
        case .serviceNotOffered: "service_code"
        case .absenceOverlap: "starts_at"
        case .notFound, .absenceEnded: nil
        }
    }

    public var messageFR: String {
        switch self {
        case .notFound: "Élément introuvable"
        case .fieldNotOwned(let field):
            "Le champ « \(field) » est géré par l'équipe Djobea : contactez le support pour le modifier"
        case .unknownField(let field): "Champ inconnu : « \(field) »"
        case .invalidField(let field, let reason): "« \(field) » : \(reason)"
        case .emailTaken: "Cette adresse e-mail est déjà utilisée par un autre compte"
        case .serviceNotOffered(let code):
            "Vous ne proposez pas le service « \(code) » : demandez à l'équipe Djobea de l'ajouter à votre profil"
        case .absenceOverlap: "Cette absence chevauche une absence déjà enregistrée"
        case .absenceEnded: "Une absence terminée ne peut plus être supprimée"
        }
    }

    public var description: String { "\(code): \(messageFR)" }
}
