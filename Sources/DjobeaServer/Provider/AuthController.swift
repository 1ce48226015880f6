import DjobeaAuth
import DjobeaDomain
import DjobeaStore
import Foundation
import Hummingbird

/// `/provider/auth/*`: WhatsApp codes, email and password, TOTP, token refresh and logout.
struct AuthController: Sendable {
    let auth: ProviderAuthService

    struct PhoneBody: Codable, Sendable {
        let phone: String
    }

    struct VerifyBody: Codable, Sendable {
        let phone: String
        let code: String
    }

    struct RefreshBody: Codable, Sendable {
        let refreshToken: String

        enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
    }

    struct PasswordLoginBody: Codable, Sendable {
        let email: String
        let password: String
        let totp: String?
    }

    struct ResetBody: Codable, Sendable {
        let phone: String
        let code: String
        let newPassword: String
    }

    struct PasswordBody: Codable, Sendable {
        let password: String
    }

    struct CodeBody: Codable, Sendable {
        let code: String
    }

    struct TOTPStart: Codable, Sendable {
        let secret: String
        let uri: String
    }

    static let codeSentMessage = "Si ce numéro est enregistré, un code vous a été envoyé par WhatsApp."

    /// Routes that need no token.
    func registerPublic(on routes: DocumentedRoutes) {
        let otpErrors = ["invalid_phone", "otp_rate_limited", "rate_limited"]
        routes.add(
            .post, "/provider/auth/send-otp", "Envoyer un code de connexion par WhatsApp", body: PhoneBody.self, response: CodeSent.self,
            status: 202, errors: otpErrors
        ) { request, context in
            let body = try await RequestDecoding.decode(PhoneBody.self, from: request)
            let sent = try await auth.sendOTP(phone: body.phone, ip: context.remoteIP)
            return try JSONResponse.make(CodeSent(message: Self.codeSentMessage, expiresIn: sent.expiresIn), for: request, status: .accepted)
        }
        routes.add(
            .post, "/provider/auth/verify-otp", "Valider le code reçu et ouvrir une session", body: VerifyBody.self, response: AuthTokens.self,
            errors: ["invalid_code", "otp_expired", "otp_locked", "account_suspended"]
        ) { request, _ in
            let body = try await RequestDecoding.decode(VerifyBody.self, from: request)
            let pair = try await auth.verifyOTP(
                phone: body.phone, code: body.code, userAgent: request.headers[.userAgent].map { String($0.prefix(200)) })
            return try JSONResponse.make(AuthTokens(pair), for: request)
        }
        routes.add(
            .post, "/provider/auth/refresh-token", "Renouveler les jetons (l'ancien jeton de rafraîchissement meurt)", body: RefreshBody.self,
            response: AuthTokens.self, errors: ["invalid_refresh_token", "refresh_reused"]
        ) { request, _ in
            let body = try await RequestDecoding.decode(RefreshBody.self, from: request)
            return try JSONResponse.make(AuthTokens(try await auth.refresh(refreshToken: body.refreshToken)), for: request)
        }
        routes.add(
            .post, "/provider/auth/login", "Connexion par email et mot de passe (code TOTP si activé)", body: PasswordLoginBody.self,
            response: AuthTokens.self,
            errors: [
                "invalid_credentials", "password_locked", "account_suspended", "totp_required", "invalid_totp", "totp_reused", "totp_locked",
                "totp_unavailable",
            ]
        ) { request, _ in
            let body = try await RequestDecoding.decode(PasswordLoginBody.self, from: request)
            let pair = try await auth.loginWithPassword(
                email: body.email, password: body.password, totp: body.totp, userAgent: request.headers[.userAgent].map { String($0.prefix(200)) })
            return try JSONResponse.make(AuthTokens(pair), for: request)
        }
        routes.add(
            .post, "/provider/auth/password-reset/request", "Recevoir un code de réinitialisation par WhatsApp", body: PhoneBody.self,
            response: CodeSent.self, status: 202, errors: otpErrors
        ) { request, context in
            let body = try await RequestDecoding.decode(PhoneBody.self, from: request)
            let sent = try await auth.requestPasswordReset(phone: body.phone, ip: context.remoteIP)
            return try JSONResponse.make(CodeSent(message: Self.codeSentMessage, expiresIn: sent.expiresIn), for: request, status: .accepted)
        }
        routes.add(
            .post, "/provider/auth/password-reset/confirm", "Choisir un nouveau mot de passe avec le code reçu", body: ResetBody.self,
            status: 204, errors: ["invalid_code", "otp_expired", "otp_locked", "weak_password"]
        ) { request, _ in
            let body = try await RequestDecoding.decode(ResetBody.self, from: request)
            try await auth.resetPassword(phone: body.phone, code: body.code, newPassword: body.newPassword)
            return Response(status: .noContent)
        }
    }

    /// Routes that need a valid access token.
    func registerAuthenticated(on routes: DocumentedRoutes) {
        routes.add(.delete, "/provider/auth/logout", "Se déconnecter : la session et ses jetons meurent aussitôt", status: 204) { _, context in
            try await auth.logout(sessionId: try context.requireProvider().sessionId)
            return Response(status: .noContent)
        }
        routes.add(
            .post, "/provider/auth/password", "Définir ou changer son mot de passe", body: PasswordBody.self, status: 204, errors: ["weak_password"]
        ) { request, context in
            let body = try await RequestDecoding.decode(PasswordBody.self, from: request)
            try await auth.setPassword(providerId: try context.requireProvider().providerId, password: body.password)
            return Response(status: .noContent)
        }
        routes.add(.post, "/provider/auth/totp/enrol", "Commencer l'activation de la double authentification", response: TOTPStart.self) {
            request, context in
            let enrolment = try await auth.beginTOTPEnrolment(providerId: try context.requireProvider().providerId)
            return try JSONResponse.make(TOTPStart(secret: enrolment.secret, uri: enrolment.uri), for: request)
        }
        routes.add(.post, "/provider/auth/totp/confirm", "Activer la double authentification avec un premier code", body: CodeBody.self, status: 204)
        { request, context in
            let body = try await RequestDecoding.decode(CodeBody.self, from: request)
            try await auth.confirmTOTP(providerId: try context.requireProvider().providerId, code: body.code)
            return Response(status: .noContent)
        }
        routes.add(
            .post, "/provider/auth/totp/disable", "Désactiver la double authentification (mot de passe requis)", body: PasswordBody.self, status: 204,
            errors: ["invalid_credentials", "password_locked"]
        ) { request, context in
            let body = try await RequestDecoding.decode(PasswordBody.self, from: request)
            try await auth.disableTOTP(providerId: try context.requireProvider().providerId, password: body.password)
            return Response(status: .noContent)
        }
    }
}

/// The answer to a code request: always the same French sentence (it never tells whether the phone is registered).
public struct CodeSent: Codable, Sendable {
    public let message: String
    public let expiresIn: Int
}

/// A session's tokens: the access token (JWT, `Bearer`), the refresh token and their lifetimes.
public struct AuthTokens: Codable, Sendable {
    public let accessToken: String
    public let tokenType: String
    public let expiresIn: Int
    public let refreshToken: String
    public let refreshTokenExpiresAt: String
    public let providerId: String
    public let sessionId: String

    init(_ pair: TokenPair) {
        accessToken = pair.accessToken
        tokenType = "Bearer"
        expiresIn = max(0, Int(pair.accessTokenExpiresAt.timeIntervalSinceNow.rounded()))
        refreshToken = pair.refreshToken
        refreshTokenExpiresAt = UTCTimestamp.format(pair.refreshTokenExpiresAt)
        providerId = pair.providerId
        sessionId = pair.sessionId
    }
}
