import Foundation

/// The WhatsApp messages that carry one-time codes, in French.
enum OTPMessage {
    static func make(purpose: OTPPurpose, to phone: String, code: String, expiry: TimeInterval) -> OutgoingMessage {
        let delay = FrenchDuration.describe(seconds: Int(expiry))
        let template: String
        let body: String
        switch purpose {
        case .login:
            template = "otp_login"
            body = "Djobea : votre code de connexion est \(code). Il expire dans \(delay). Ne le partagez avec personne."
        case .passwordReset:
            template = "otp_password_reset"
            body =
                "Djobea : votre code pour changer de mot de passe est \(code). Il expire dans \(delay). Ne le partagez avec personne."
        }
        return OutgoingMessage(
            to: phone, template: template, variables: ["code": code, "minutes": String(max(1, Int(expiry) / 60))], body: body)
    }
}
