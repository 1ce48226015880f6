import DjobeaDomain

/// Why an authentication step was refused: a stable `code`, a French message for the provider, the kind of refusal.
///
/// The HTTP layer turns it into `{"error": {"code", "message"}}`, with `Retry-After` when `retryAfter` is set.
/// Messages never say whether a phone number or an email is registered.
public struct AuthError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Stable machine-readable code (`otp_locked`, `invalid_credentials`, ...).
    public let code: String
    /// The message shown to the provider, in French.
    public let messageFR: String
    /// Malformed input, not authenticated, forbidden, too many attempts, or unavailable for a node that cannot check
    /// a factor.
    public let kind: RefusalKind
    /// Seconds before trying again makes sense (too many attempts only).
    public let retryAfter: Int?

    init(code: String, kind: RefusalKind, messageFR: String, retryAfter: Int? = nil) {
        self.code = code
        self.kind = kind
        self.messageFR = messageFR
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code) (\(kind.rawValue)): \(messageFR)" }
}

// MARK: - Input

extension AuthError {
    public static let invalidPhone = AuthError(
        code: "invalid_phone", kind: .malformed,
        messageFR: "Numéro de téléphone invalide : entrez un numéro camerounais (ex. +237 6 99 12 34 56).")

    public static let weakPassword = AuthError(
        code: "weak_password", kind: .malformed,
        messageFR: "Le mot de passe doit compter au moins 8 caractères (72 octets au plus).")
}

// MARK: - One-time codes

extension AuthError {
    public static let invalidCode = AuthError(
        code: "invalid_code", kind: .unauthenticated, messageFR: "Code incorrect. Vérifiez le code reçu sur WhatsApp.")

    public static let otpExpired = AuthError(
        code: "otp_expired", kind: .unauthenticated, messageFR: "Ce code a expiré. Demandez un nouveau code.")

    public static let otpLocked = AuthError(
        code: "otp_locked", kind: .unauthenticated, messageFR: "Trop d'essais pour ce code. Demandez un nouveau code.")

    public static func otpRateLimited(retryAfter: Int) -> AuthError {
        AuthError(
            code: "otp_rate_limited", kind: .tooManyAttempts,
            messageFR: "Trop de codes demandés pour ce numéro. Réessayez dans \(FrenchDuration.describe(seconds: retryAfter)).",
            retryAfter: retryAfter)
    }
}

// MARK: - Sessions and tokens

extension AuthError {
    public static let invalidToken = AuthError(
        code: "invalid_token", kind: .unauthenticated, messageFR: "Session invalide ou expirée. Reconnectez-vous.")

    public static let invalidRefreshToken = AuthError(
        code: "invalid_refresh_token", kind: .unauthenticated, messageFR: "Session expirée. Reconnectez-vous.")

    public static let refreshReused = AuthError(
        code: "refresh_reused", kind: .unauthenticated,
        messageFR: "Cette session a été fermée par sécurité (jeton déjà utilisé). Reconnectez-vous.")

    public static let accountSuspended = AuthError(
        code: "account_suspended", kind: .forbidden, messageFR: "Votre compte est suspendu. Contactez l'équipe Djobea.")

    /// The provider was moved to another hub's zones (CONFLICTS.md rule 14): this hub keeps their history, read-only.
    public static func accountMoved(hubName: String) -> AuthError {
        AuthError(
            code: "account_moved", kind: .forbidden,
            messageFR: "Votre compte a été transféré au hub « \(hubName) » : connectez-vous à l'application de ce hub. "
                + "Votre historique reste conservé ici.")
    }
}

// MARK: - Password and second factor

extension AuthError {
    public static let invalidCredentials = AuthError(
        code: "invalid_credentials", kind: .unauthenticated, messageFR: "Email ou mot de passe incorrect.")

    public static let totpRequired = AuthError(
        code: "totp_required", kind: .unauthenticated, messageFR: "Entrez le code à 6 chiffres de votre application d'authentification.")

    public static let invalidTOTP = AuthError(
        code: "invalid_totp", kind: .unauthenticated, messageFR: "Code d'authentification incorrect ou expiré.")

    public static let totpReused = AuthError(
        code: "totp_reused", kind: .unauthenticated,
        messageFR: "Ce code d'authentification a déjà servi. Attendez le code suivant dans votre application.")

    /// The stored seed does not open on this node (sealed under another `PROVIDER_TOTP_KEY`): a configuration
    /// fault for the operators, not the provider's.
    public static let totpUnavailable = AuthError(
        code: "totp_unavailable", kind: .unavailable,
        messageFR: "La double authentification ne peut pas être vérifiée sur ce hub pour le moment. "
            + "Connectez-vous avec un code WhatsApp ou contactez l'équipe Djobea.")

    /// Too many wrong passwords in a row for this account, whatever the address they came from.
    public static func passwordLocked(retryAfter: Int) -> AuthError {
        AuthError(
            code: "password_locked", kind: .tooManyAttempts,
            messageFR: "Trop de mots de passe incorrects : la connexion par mot de passe est bloquée. Réessayez dans "
                + "\(FrenchDuration.describe(seconds: retryAfter)), ou connectez-vous avec un code WhatsApp.",
            retryAfter: retryAfter)
    }

    /// Too many wrong TOTP codes in a row for this account.
    public static func totpLocked(retryAfter: Int) -> AuthError {
        AuthError(
            code: "totp_locked", kind: .tooManyAttempts,
            messageFR: "Trop de codes d'authentification incorrects : la connexion est bloquée. Réessayez dans "
                + "\(FrenchDuration.describe(seconds: retryAfter)).",
            retryAfter: retryAfter)
    }
}

// MARK: - Request rate

extension AuthError {
    public static func rateLimited(retryAfter: Int) -> AuthError {
        AuthError(
            code: "rate_limited", kind: .tooManyAttempts,
            messageFR: "Trop de requêtes. Réessayez dans \(FrenchDuration.describe(seconds: retryAfter)).", retryAfter: retryAfter)
    }

    /// Too many requests with a missing, malformed or forged access token (not signed by this node) from one address.
    public static func authRateLimited(retryAfter: Int) -> AuthError {
        AuthError(
            code: "auth_rate_limited", kind: .tooManyAttempts,
            messageFR: "Trop de requêtes avec une session invalide depuis cette adresse. Réessayez dans "
                + "\(FrenchDuration.describe(seconds: retryAfter)), puis reconnectez-vous.",
            retryAfter: retryAfter)
    }
}

// MARK: - Catalogue

extension AuthError {
    /// One instance of every code, for API documentation and tests (429s with a sample `retryAfter`).
    public static let catalogue: [AuthError] = [
        .invalidPhone, .weakPassword, .invalidCode, .otpExpired, .otpLocked, .otpRateLimited(retryAfter: 60), .invalidToken,
        .invalidRefreshToken, .refreshReused, .accountSuspended, .accountMoved(hubName: "Bonamoussadi"), .invalidCredentials, .totpRequired,
        .invalidTOTP, .rateLimited(retryAfter: 60), .totpReused, .totpUnavailable, .passwordLocked(retryAfter: 900),
        .totpLocked(retryAfter: 900), .authRateLimited(retryAfter: 60),
    ]
}
