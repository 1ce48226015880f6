import AsyncHTTPClient
import Foundation

/// Builds the real WhatsApp drivers from the process environment, and says in one French line what is missing.
///
/// Twilio: `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`, `TWILIO_WHATSAPP_FROM` (`whatsapp:+1…`, the prefix is added if
/// absent), `TWILIO_CONTENT_SID_OTP_LOGIN`, `TWILIO_CONTENT_SID_OTP_PASSWORD_RESET`, optional `TWILIO_BASE_URL`.
/// WhatsApp Cloud: `WHATSAPP_CLOUD_PHONE_NUMBER_ID`, `WHATSAPP_CLOUD_ACCESS_TOKEN`, optional `WHATSAPP_CLOUD_BASE_URL`,
/// `WHATSAPP_CLOUD_API_VERSION` (`v21.0`) and `WHATSAPP_CLOUD_LANGUAGE` (`fr`).
public enum NotifierEnvironment {
    /// - Throws: `NotifierSettingError` naming the first missing or unusable variable.
    public static func twilio(_ env: [String: String], httpClient: HTTPClient = .shared) throws -> TwilioNotifier {
        let driver = "--notifier twilio"
        let accountSid = try required(env, "TWILIO_ACCOUNT_SID", driver, "SID du compte Twilio, AC…")
        let authToken = try required(env, "TWILIO_AUTH_TOKEN", driver, "jeton d'authentification du compte Twilio")
        let from = try required(env, "TWILIO_WHATSAPP_FROM", driver, "expéditeur WhatsApp, ex. whatsapp:+14155238886")
        return TwilioNotifier(
            accountSid: accountSid, authToken: authToken,
            from: from.hasPrefix("whatsapp:") ? from : "whatsapp:\(from)",
            contentSids: [
                "otp_login": try required(env, "TWILIO_CONTENT_SID_OTP_LOGIN", driver, "ContentSid HX… du modèle otp_login"),
                "otp_password_reset": try required(
                    env, "TWILIO_CONTENT_SID_OTP_PASSWORD_RESET", driver, "ContentSid HX… du modèle otp_password_reset"),
            ],
            baseURL: try baseURL(env, "TWILIO_BASE_URL", driver) ?? defaultTwilioURL, httpClient: httpClient)
    }

    /// - Throws: `NotifierSettingError` naming the first missing or unusable variable.
    public static func whatsAppCloud(_ env: [String: String], httpClient: HTTPClient = .shared) throws -> WhatsAppCloudNotifier {
        let driver = "--notifier whatsapp-cloud"
        return WhatsAppCloudNotifier(
            phoneNumberId: try required(env, "WHATSAPP_CLOUD_PHONE_NUMBER_ID", driver, "identifiant du numéro expéditeur"),
            accessToken: try required(env, "WHATSAPP_CLOUD_ACCESS_TOKEN", driver, "jeton d'accès de l'API WhatsApp Cloud"),
            apiVersion: nonEmpty(env["WHATSAPP_CLOUD_API_VERSION"]) ?? "v21.0",
            baseURL: try baseURL(env, "WHATSAPP_CLOUD_BASE_URL", driver) ?? defaultCloudURL,
            languageCode: nonEmpty(env["WHATSAPP_CLOUD_LANGUAGE"]) ?? "fr", httpClient: httpClient)
    }

    private static let defaultTwilioURL = URL(string: "https://api.twilio.com") ?? URL(fileURLWithPath: "/")
    private static let defaultCloudURL = URL(string: "https://graph.facebook.com") ?? URL(fileURLWithPath: "/")

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    private static func required(_ env: [String: String], _ variable: String, _ driver: String, _ meaning: String) throws -> String {
        guard let value = nonEmpty(env[variable]) else {
            throw NotifierSettingError(line: "Configuration manquante : \(variable) est requis avec \(driver) (\(meaning)).")
        }
        return value
    }

    private static func baseURL(_ env: [String: String], _ variable: String, _ driver: String) throws -> URL? {
        guard let text = nonEmpty(env[variable]) else { return nil }
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw NotifierSettingError(
                line: "Configuration invalide : \(variable) = « \(text) » avec \(driver). Attendu : une URL http(s)://hôte[:port].")
        }
        return url
    }
}

/// A WhatsApp driver setting that is missing or unusable, in one line an operator can act on.
public struct NotifierSettingError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: String

    public var description: String { line }
}
