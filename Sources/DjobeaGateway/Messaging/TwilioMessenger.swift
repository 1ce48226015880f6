import AsyncHTTPClient
import DjobeaDomain
import Foundation
import NIOCore

/// Sends client messages through Twilio's Messages API: WhatsApp (free text or approved content templates) and SMS.
///
/// One form-encoded `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json` per message with HTTP Basic
/// authentication (`AccountSid:AuthToken`).
/// - WhatsApp free text: `To=whatsapp:+237…`, `From=whatsapp:+…`, `Body`.
/// - WhatsApp template: `ContentSid` (the template's `HX…` id) and `ContentVariables` (`{"1":…,"2":…}`); the quick
///   replies are part of the content template at Twilio. A template with a document header (the invoice's or the
///   quote's PDF) is a `twilio/media` content whose media URL is `https://<client pages>/c/{{N+1}}`: the variable after
///   the body's N is the PDF's path under `/c/` (`mediaPath`), since Twilio fixes the media URL's host in the template.
/// - SMS: `To=+237…`, `From=<SMS sender>`, `Body` (a template goes as its French text).
///
/// When a status callback URL is configured, every request adds `StatusCallback=<url>?m=<our message id>`, so a status
/// can be matched to our row even if the answer to the send was lost.
///
/// Twilio answers 201 with the message resource (`{"sid":"SM…","status":"queued",…}`); errors are
/// `{"code":21211,"message":"…","more_info":"…","status":400}`.
public struct TwilioMessenger: ClientMessenger {
    /// "Not a WhatsApp number" (`To` has no WhatsApp account).
    public static let notOnWhatsAppErrorCode = 63003
    public static let defaultBaseURL = URL(string: "https://api.twilio.com") ?? URL(fileURLWithPath: "/")

    public let channels: Set<ClientChannel>
    private let accountSid: String
    private let authToken: String
    private let whatsAppFrom: String?
    private let smsFrom: String?
    private let contentSids: [String: String]
    private let statusCallbackURL: URL?
    private let baseURL: URL
    private let httpClient: HTTPClient
    private let timeout: TimeAmount

    /// - Parameters:
    ///   - whatsAppFrom: the WhatsApp sender (`whatsapp:+1…`; the prefix is added if absent), nil for SMS only.
    ///   - smsFrom: the SMS sender (`+1…` or an alphanumeric sender id), nil for WhatsApp only.
    ///   - contentSids: the content template id (`HX…`) of each template name.
    ///   - statusCallbackURL: where Twilio posts status callbacks, nil to rely on the messaging service's setting.
    ///   - baseURL: `https://api.twilio.com`, or a local fake in tests.
    ///   - httpClient: owned by the caller, who shuts it down.
    public init(
        accountSid: String, authToken: String, whatsAppFrom: String?, smsFrom: String? = nil, contentSids: [String: String] = [:],
        statusCallbackURL: URL? = nil, baseURL: URL = TwilioMessenger.defaultBaseURL, httpClient: HTTPClient,
        timeout: TimeAmount = .seconds(15)
    ) {
        self.accountSid = accountSid
        self.authToken = authToken
        self.whatsAppFrom = whatsAppFrom.map { $0.hasPrefix("whatsapp:") ? $0 : "whatsapp:\($0)" }
        self.smsFrom = smsFrom
        self.contentSids = contentSids
        self.statusCallbackURL = statusCallbackURL
        self.baseURL = baseURL
        self.httpClient = httpClient
        self.timeout = timeout
        var channels: Set<ClientChannel> = []
        if whatsAppFrom != nil { channels.insert(.whatsapp) }
        if smsFrom != nil { channels.insert(.sms) }
        self.channels = channels
    }

    /// The environment variable holding the content sid of `templateName`: `TWILIO_CONTENT_SID_<NAME_UPPERCASED>`.
    public static func contentSidVariable(_ templateName: String) -> String {
        "TWILIO_CONTENT_SID_" + templateName.uppercased()
    }

    /// Reads `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`, `TWILIO_WHATSAPP_FROM`, and optionally `TWILIO_SMS_FROM`,
    /// `TWILIO_STATUS_CALLBACK_URL`, `TWILIO_BASE_URL` and `TWILIO_CONTENT_SID_<NAME>` for each template of
    /// `WhatsAppTemplates.all` (a template without one fails at send time, naming the variable).
    ///
    /// - Throws: `GatewaySettingError` naming the first missing or unusable variable.
    /// - Parameters:
    ///   - smsOnly: only the SMS channel (WhatsApp goes through another service): `TWILIO_WHATSAPP_FROM` is not needed,
    ///     `TWILIO_SMS_FROM` is.
    public static func fromEnvironment(_ env: [String: String], smsOnly: Bool = false, httpClient: HTTPClient = .shared) throws
        -> TwilioMessenger
    {
        let driver = "les messages clients par Twilio"
        let accountSid = try GatewayEnvironment.required(env, "TWILIO_ACCOUNT_SID", driver, "SID du compte Twilio, AC…")
        guard accountSid.hasPrefix("AC") else {
            throw GatewaySettingError(
                line: "Configuration invalide : TWILIO_ACCOUNT_SID = « \(accountSid) ». Attendu : le SID du compte, qui commence par AC.")
        }
        let authToken = try GatewayEnvironment.required(env, "TWILIO_AUTH_TOKEN", driver, "jeton d'authentification du compte Twilio")
        var whatsAppFrom: String?
        if !smsOnly {
            let from = try GatewayEnvironment.required(env, "TWILIO_WHATSAPP_FROM", driver, "expéditeur WhatsApp, ex. whatsapp:+14155238886")
            let whatsAppNumber = from.hasPrefix("whatsapp:") ? String(from.dropFirst(9)) : from
            guard GatewayEnvironment.isE164(whatsAppNumber) else {
                throw GatewaySettingError(
                    line: "Configuration invalide : TWILIO_WHATSAPP_FROM = « \(from) ». Attendu : whatsapp:+ suivi du numéro"
                        + " international, ex. whatsapp:+14155238886.")
            }
            whatsAppFrom = from
        }
        let smsFrom =
            smsOnly
            ? try GatewayEnvironment.required(env, "TWILIO_SMS_FROM", driver, "expéditeur SMS, ex. +14155238886 ou DJOBEA")
            : GatewayEnvironment.nonEmpty(env["TWILIO_SMS_FROM"])
        if let smsFrom, smsFrom.hasPrefix("whatsapp:") || !(GatewayEnvironment.isE164(smsFrom) || isAlphanumericSender(smsFrom)) {
            throw GatewaySettingError(
                line: "Configuration invalide : TWILIO_SMS_FROM = « \(smsFrom) ». Attendu : un numéro international (+1…) ou un"
                    + " nom d'expéditeur de 1 à 11 lettres et chiffres.")
        }
        var contentSids: [String: String] = [:]
        for template in WhatsAppTemplates.all {
            let variable = contentSidVariable(template.name)
            guard let sid = GatewayEnvironment.nonEmpty(env[variable]) else { continue }
            guard sid.hasPrefix("HX") else {
                throw GatewaySettingError(
                    line: "Configuration invalide : \(variable) = « \(sid) ». Attendu : le Content SID (HX…) du modèle"
                        + " « \(template.name) » dans Twilio Content Template Builder.")
            }
            contentSids[template.name] = sid
        }
        return TwilioMessenger(
            accountSid: accountSid, authToken: authToken, whatsAppFrom: whatsAppFrom, smsFrom: smsFrom, contentSids: contentSids,
            statusCallbackURL: try GatewayEnvironment.url(env, "TWILIO_STATUS_CALLBACK_URL", driver),
            baseURL: try GatewayEnvironment.url(env, "TWILIO_BASE_URL", driver) ?? defaultBaseURL, httpClient: httpClient)
    }

    /// An alphanumeric sender id: 1 to 11 ASCII letters, digits and spaces, with at least one letter.
    private static func isAlphanumericSender(_ text: String) -> Bool {
        (1...11).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " ") }
            && text.contains(where: \.isLetter)
    }

    public func send(_ message: ClientOutbound) async throws -> SendReceipt {
        let fields = try formFields(message)
        let reply = try await GatewayHTTP.post(
            GatewayHTTP.url(baseURL, "/2010-04-01/Accounts/\(GatewayHTTP.encode(accountSid))/Messages.json"),
            headers: [
                ("Authorization", "Basic " + Data("\(accountSid):\(authToken)".utf8).base64EncodedString()),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "application/json"),
            ],
            body: GatewayHTTP.form(fields), client: httpClient, timeout: timeout, service: "Twilio")
        guard (200..<300).contains(reply.status) else { throw Self.error(reply) }
        guard let sid = (try? JSONDecoder().decode(MessageResource.self, from: reply.body))?.sid, !sid.isEmpty else {
            throw ClientSendError.permanent(
                code: "twilio_no_sid",
                reason: "Twilio a répondu HTTP \(reply.status) sans identifiant de message ; le message est peut-être parti :"
                    + " \(String(decoding: reply.body.prefix(300), as: UTF8.self))")
        }
        return SendReceipt(externalId: sid)
    }

    /// The form fields of `message`, in the order they are sent.
    ///
    /// - Throws: `ClientSendError.permanent` when the channel is not configured or a template has no content sid.
    func formFields(_ message: ClientOutbound) throws(ClientSendError) -> [(String, String)] {
        var fields: [(String, String)]
        switch message.channel {
        case .whatsapp:
            guard let whatsAppFrom else {
                throw .permanent(
                    code: "twilio_channel_unavailable", reason: "Twilio : aucun expéditeur WhatsApp configuré (TWILIO_WHATSAPP_FROM).")
            }
            fields = [("To", "whatsapp:\(message.to)"), ("From", whatsAppFrom)]
            switch message.content {
            case .text(let text):
                fields.append(("Body", text))
            case .template(let call):
                guard let contentSid = contentSids[call.name] else {
                    throw .permanent(
                        code: "twilio_content_sid_missing",
                        reason: "Twilio : aucun Content SID pour le modèle « \(call.name) ». Renseignez \(Self.contentSidVariable(call.name))"
                            + " avec le SID HX… du modèle approuvé.")
                }
                var numbered: [String: String] = [:]
                for (index, value) in call.parameters.enumerated() { numbered[String(index + 1)] = TemplateParameter.normalised(value) }
                if let document = call.document { numbered[String(call.parameters.count + 1)] = Self.mediaPath(document.link) }
                let variables: String
                do {
                    variables = String(decoding: try GatewayHTTP.jsonEncoder().encode(numbered), as: UTF8.self)
                } catch {
                    throw .permanent(code: "twilio_encoding", reason: "Twilio : variables impossibles à encoder (\(error)).")
                }
                fields.append(("ContentSid", contentSid))
                fields.append(("ContentVariables", variables))
            }
        case .sms:
            guard let smsFrom else {
                throw .permanent(code: "twilio_channel_unavailable", reason: "Twilio : aucun expéditeur SMS configuré (TWILIO_SMS_FROM).")
            }
            fields = [("To", message.to), ("From", smsFrom), ("Body", message.content.text)]
        }
        if let callback = statusCallback(messageId: message.messageId) { fields.append(("StatusCallback", callback)) }
        return fields
    }

    /// The media variable of a document: the link's path after `/c/` (`AbC….hub.sig/pdf`), the whole link without one.
    static func mediaPath(_ link: String) -> String {
        guard let range = link.range(of: "/c/", options: .backwards) else { return link }
        return String(link[range.upperBound...])
    }

    /// `<statusCallbackURL>?m=<messageId>` (or `&m=` when the URL already has a query).
    func statusCallback(messageId: String) -> String? {
        guard let statusCallbackURL else { return nil }
        let base = statusCallbackURL.absoluteString
        return base + (statusCallbackURL.query == nil ? "?" : "&") + "m=" + GatewayHTTP.encode(messageId)
    }

    // MARK: - Answers

    private struct MessageResource: Decodable {
        let sid: String?
    }

    private struct ErrorBody: Decodable {
        let code: Int?
        let message: String?
        let moreInfo: String?

        enum CodingKeys: String, CodingKey {
            case code, message
            case moreInfo = "more_info"
        }
    }

    /// Classifies an error answer: 63003 → not on WhatsApp; 408, 429 and 5xx → transient; anything else permanent,
    /// coded `twilio_<code>` (`twilio_http_<status>` without a code).
    static func error(_ reply: GatewayHTTP.Reply) -> ClientSendError {
        let body = try? JSONDecoder().decode(ErrorBody.self, from: reply.body)
        var text = "Twilio a refusé le message (HTTP \(reply.status)"
        if let code = body?.code { text += ", erreur \(code)" }
        text += ")"
        if let message = body?.message {
            text += " : « \(message) »"
        } else if body == nil, !reply.body.isEmpty {
            text += " : \(String(decoding: reply.body.prefix(300), as: UTF8.self))"
        }
        if let info = body?.moreInfo { text += " — \(info)" }
        if body?.code == notOnWhatsAppErrorCode { return .notOnWhatsApp(reason: text) }
        if GatewayHTTP.isTransient(status: reply.status) { return .transient(reason: text, retryAfter: reply.retryAfter) }
        return .permanent(code: body?.code.map { "twilio_\($0)" } ?? "twilio_http_\(reply.status)", reason: text)
    }
}
