/// Why an authentication step was refused: a stable `code`, a French message for the provider, an HTTP status.
///
/// The HTTP layer turns it into `{"error": {"code", "message"}}`, with `Retry-After` when `retryAfter` is set.
/// Messages never say whether a phone number or an email is registered.
public struct AuthError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Stable machine-readable code (`otp_locked`, `invalid_credentials`, ...).
    public let code: String
    /// The message shown to the provider, in French.
    public let messageFR: String
    /// HTTP status: 400, 401, 403 or 429.
    public let status: Int
    /// Seconds before trying again makes sense (429 only).
    public let retryAfter: Int?

    init(code: String, status: Int, messageFR: String, retryAfter: Int? = nil) {
        self.code = code
        self.status = status
        self.messageFR = messageFR
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code) (\(status)): \(messageFR)" }
}

// MARK: - Input

extension AuthError {
    public static let invalidPhone = AuthError(
        code: "invalid_phone", status: 400,
        messageFR: "Numéro de téléphone invalide : entrez un numéro camerounais (ex. +237 6 99 12 34 56).")

    public static let weakPassword = AuthError(
        code: "weak_password", status: 400,
        messageFR: "Le mot de passe doit compter au moins 8 caractères (72 octets au plus).")
}

// MARK: - One-time codes

extension AuthError {
    public static let invalidCode = AuthError(
        code: "invalid_code", status: 401, messageFR: "Code incorrect. Vérifiez le code reçu sur WhatsApp.")

    public static let otpExpired = AuthError(
        code: "otp_expired", status: 401, messageFR: "Ce code a expiré. Demandez un nouveau code.")

    public static let otpLocked = AuthError(
        code: "otp_locked", status: 401, messageFR: "Trop d'essais pour ce code. Demandez un nouveau code.")

    public static func otpRateLimited(retryAfter: Int) -> AuthError {
        AuthError(
            code: "otp_rate_limited", status: 429,
            messageFR: "Trop de codes demandés pour ce numéro. Réessayez dans \(FrenchDuration.describe(seconds: retryAfter)).",
            retryAfter: retryAfter)
    }
}

// MARK: - Sessions and tokens

extension AuthError {
    public static let invalidToken = AuthError(
        code: "invalid_token", status: 401, messageFR: "Session invalide ou expirée. Reconnectez-vous.")

    public static let invalidRefreshToken = AuthError(
        code: "invalid_refresh_token", status: 401, messageFR: "Session expirée. Reconnectez-vous.")

    public static let refreshReused = AuthError(
        code: "refresh_reused", status: 401,
        messageFR: "Cette session a été fermée par sécurité (jeton déjà utilisé). Reconnectez-vous.")

    public static let accountSuspended = AuthError(
        code: "account_suspended", status: 403, messageFR: "Votre compte est suspendu. Contactez l'équipe Djobea.")

    /// The provider was moved to another hub's zones (CONFLICTS.md rule 14): this hub keeps their history, read-only.
    public static func accountMoved(hubName: String) -> AuthError {
        AuthError(
            code: "account_moved", status: 403,
            messageFR: "Votre compte a été transféré au hub « \(hubName) » : connectez-vous à l'application de ce hub. "
                + "Votre historique reste conservé ici.")
    }
}

// MARK: - Password and second factor

extension AuthError {
    public static let invalidCredentials = AuthError(
        code: "invalid_credentials", status: 401, messageFR: "Email ou mot de passe incorrect.")

    public static let totpRequired = AuthError(
        code: "totp_required", status: 401, messageFR: "Entrez le code à 6 chiffres de votre application d'authentification.")

    public static let invalidTOTP = AuthError(
        code: "invalid_totp", status: 401, messageFR: "Code d'authentification incorrect ou expiré.")
}

// MARK: - Request rate

extension AuthError {
    public static func rateLimited(retryAfter: Int) -> AuthError {
        AuthError(
            code: "rate_limited", status: 429,
            messageFR: "Trop de requêtes. Réessayez dans \(FrenchDuration.describe(seconds: retryAfter)).", retryAfter: retryAfter)
    }
}

// MARK: - Catalogue

extension AuthError {
    /// One instance of every code, for API documentation and tests (429s with a sample `retryAfter`).
    public static let catalogue: [AuthError] = [
        .invalidPhone, .weakPassword, .invalidCode, .otpExpired, .otpLocked, .otpRateLimited(retryAfter: 60), .invalidToken,
        .invalidRefreshToken, .refreshReused, .accountSuspended, .accountMoved(hubName: "Bonamoussadi"), .invalidCredentials, .totpRequired,
        .invalidTOTP,
        .rateLimited(retryAfter: 60),
    ]
}
