import AsyncHTTPClient
import Foundation
import NIOCore

/// Sends client messages through Meta's WhatsApp Cloud API.
///
/// One JSON `POST {base}/{version}/{phone-number-id}/messages` per message with `Authorization: Bearer …`. Free text
/// goes as `"type":"text"` (only allowed within 24 hours after the client last wrote); a template goes as
/// `"type":"template"` with one body component holding the parameters and one `quick_reply` button component per
/// quick-reply payload. Both carry our message id in `biz_opaque_callback_data`, which Meta echoes in status webhooks.
///
/// Meta answers 200 with `{"messaging_product":"whatsapp","contacts":[…],"messages":[{"id":"wamid.…"}]}`; errors are
/// `{"error":{"message","type","code","error_subcode","error_data":{"details"},"fbtrace_id"}}`.
public struct WhatsAppCloudMessenger: ClientMessenger {
    /// Meta error codes that pass with time whatever the HTTP status: throttling (4, 80007, 130429, 131048, 131056)
    /// and temporary failures (1, 2, 131000, 131016).
    public static let transientErrorCodes: Set<Int> = [1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056]
    /// "Message undeliverable": the number has no WhatsApp account.
    public static let notOnWhatsAppErrorCode = 131026

    public static let defaultBaseURL = URL(string: "https://graph.facebook.com") ?? URL(fileURLWithPath: "/")
    public static let defaultAPIVersion = "v21.0"

    public let channels: Set<ClientChannel> = [.whatsapp]
    private let phoneNumberId: String
    private let accessToken: String
    private let apiVersion: String
    private let baseURL: URL
    private let httpClient: HTTPClient
    private let timeout: TimeAmount

    /// - Parameters:
    ///   - phoneNumberId: the sender's phone number id in the WhatsApp Business account.
    ///   - accessToken: a system user token with `whatsapp_business_messaging`.
    ///   - baseURL: `https://graph.facebook.com`, or a local fake in tests.
    ///   - httpClient: owned by the caller, who shuts it down.
    public init(
        phoneNumberId: String, accessToken: String, apiVersion: String = WhatsAppCloudMessenger.defaultAPIVersion,
        baseURL: URL = WhatsAppCloudMessenger.defaultBaseURL, httpClient: HTTPClient, timeout: TimeAmount = .seconds(15)
    ) {
        self.phoneNumberId = phoneNumberId
        self.accessToken = accessToken
        self.apiVersion = apiVersion
        self.baseURL = baseURL
        self.httpClient = httpClient
        self.timeout = timeout
    }

    /// Reads `WHATSAPP_CLOUD_PHONE_NUMBER_ID`, `WHATSAPP_CLOUD_ACCESS_TOKEN`, and optionally `WHATSAPP_CLOUD_BASE_URL`
    /// and `WHATSAPP_CLOUD_API_VERSION` (`v21.0`).
    ///
    /// - Throws: `GatewaySettingError` naming the first missing or unusable variable.
    public static func fromEnvironment(_ env: [String: String], httpClient: HTTPClient = .shared) throws -> WhatsAppCloudMessenger {
        let driver = "les messages clients par WhatsApp Cloud"
        let phoneNumberId = try GatewayEnvironment.required(
            env, "WHATSAPP_CLOUD_PHONE_NUMBER_ID", driver, "identifiant du numéro expéditeur dans WhatsApp Manager")
        guard phoneNumberId.allSatisfy(\.isNumber) else {
            throw GatewaySettingError(
                line: "Configuration invalide : WHATSAPP_CLOUD_PHONE_NUMBER_ID = « \(phoneNumberId) ». Attendu : l'identifiant"
                    + " numérique du numéro (Phone number ID), pas le numéro de téléphone.")
        }
        let accessToken = try GatewayEnvironment.required(
            env, "WHATSAPP_CLOUD_ACCESS_TOKEN", driver, "jeton d'accès de l'API WhatsApp Cloud")
        let version = GatewayEnvironment.nonEmpty(env["WHATSAPP_CLOUD_API_VERSION"]) ?? defaultAPIVersion
        guard version.hasPrefix("v"), Double(version.dropFirst()) != nil else {
            throw GatewaySettingError(
                line: "Configuration invalide : WHATSAPP_CLOUD_API_VERSION = « \(version) ». Attendu : une version de l'API Graph,"
                    + " ex. v21.0.")
        }
        return WhatsAppCloudMessenger(
            phoneNumberId: phoneNumberId, accessToken: accessToken, apiVersion: version,
            baseURL: try GatewayEnvironment.url(env, "WHATSAPP_CLOUD_BASE_URL", driver) ?? defaultBaseURL, httpClient: httpClient)
    }

    public func send(_ message: ClientOutbound) async throws -> SendReceipt {
        guard message.channel == .whatsapp else {
            throw ClientSendError.permanent(
                code: "whatsapp_channel", reason: "WhatsApp Cloud n'envoie que des messages WhatsApp, pas « \(message.channel.rawValue) ».")
        }
        let body: [UInt8]
        do {
            body = try Self.body(message)
        } catch {
            throw ClientSendError.permanent(code: "whatsapp_encoding", reason: "WhatsApp Cloud : message impossible à encoder (\(error)).")
        }
        let reply = try await GatewayHTTP.post(
            GatewayHTTP.url(baseURL, "/\(GatewayHTTP.encode(apiVersion))/\(GatewayHTTP.encode(phoneNumberId))/messages"),
            headers: [
                ("Authorization", "Bearer \(accessToken)"),
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
            ],
            body: body, client: httpClient, timeout: timeout, service: "WhatsApp Cloud")
        guard (200..<300).contains(reply.status) else { throw Self.error(reply) }
        guard let id = (try? JSONDecoder().decode(SendResult.self, from: reply.body))?.messages?.first?.id, !id.isEmpty else {
            throw ClientSendError.permanent(
                code: "whatsapp_no_message_id",
                reason: "WhatsApp Cloud a répondu HTTP \(reply.status) sans identifiant de message ; le message est peut-être parti :"
                    + " \(String(decoding: reply.body.prefix(300), as: UTF8.self))")
        }
        return SendReceipt(externalId: id)
    }

    /// The JSON body of `message` (sorted keys).
    static func body(_ message: ClientOutbound) throws -> [UInt8] {
        let to = message.to.hasPrefix("+") ? String(message.to.dropFirst()) : message.to
        var request = MessageRequest(to: to, type: "text", bizOpaqueCallbackData: message.messageId)
        switch message.content {
        case .text(let text):
            request.text = Text(body: text, previewURL: false)
        case .template(let call):
            request.type = "template"
            var components: [Component] = []
            if let document = call.document {
                components.append(
                    Component(
                        type: "header", subType: nil, index: nil,
                        parameters: [
                            Parameter(type: "document", text: nil, payload: nil, document: .init(link: document.link, filename: document.filename))
                        ]))
            }
            if !call.parameters.isEmpty {
                components.append(
                    Component(
                        type: "body", subType: nil, index: nil,
                        parameters: call.parameters.map { Parameter(type: "text", text: TemplateParameter.normalised($0), payload: nil) }))
            }
            for (index, payload) in call.quickReplies.enumerated() {
                components.append(
                    Component(
                        type: "button", subType: "quick_reply", index: String(index),
                        parameters: [Parameter(type: "payload", text: nil, payload: payload)]))
            }
            request.template = Template(name: call.name, language: Language(code: call.language), components: components)
        }
        return Array(try GatewayHTTP.jsonEncoder().encode(request))
    }

    // MARK: - Request

    private struct MessageRequest: Encodable {
        let messagingProduct = "whatsapp"
        let recipientType = "individual"
        let to: String
        var type: String
        var text: Text?
        var template: Template?
        let bizOpaqueCallbackData: String

        enum CodingKeys: String, CodingKey {
            case to, type, text, template
            case messagingProduct = "messaging_product"
            case recipientType = "recipient_type"
            case bizOpaqueCallbackData = "biz_opaque_callback_data"
        }
    }

    private struct Text: Encodable {
        let body: String
        let previewURL: Bool

        enum CodingKeys: String, CodingKey {
            case body
            case previewURL = "preview_url"
        }
    }

    private struct Template: Encodable {
        let name: String
        let language: Language
        let components: [Component]
    }

    private struct Language: Encodable {
        let code: String
    }

    private struct Component: Encodable {
        let type: String
        let subType: String?
        let index: String?
        let parameters: [Parameter]

        enum CodingKeys: String, CodingKey {
            case type, index, parameters
            case subType = "sub_type"
        }
    }

    private struct Parameter: Encodable {
        struct Document: Encodable {
            let link: String
            let filename: String
        }

        let type: String
        let text: String?
        let payload: String?
        var document: Document? = nil
    }

    // MARK: - Answers

    private struct SendResult: Decodable {
        struct Message: Decodable { let id: String? }
        let messages: [Message]?
    }

    private struct ErrorBody: Decodable {
        struct Detail: Decodable {
            struct ErrorData: Decodable { let details: String? }
            let message: String?
            let type: String?
            let code: Int?
            let errorSubcode: Int?
            let errorData: ErrorData?
            let fbtraceId: String?

            enum CodingKeys: String, CodingKey {
                case message, type, code
                case errorSubcode = "error_subcode"
                case errorData = "error_data"
                case fbtraceId = "fbtrace_id"
            }
        }
        let error: Detail?
    }

    /// Classifies an error answer: 131026 → not on WhatsApp; 408, 429, 5xx and throttling or temporary codes →
    /// transient; anything else permanent, coded `whatsapp_<code>` (`whatsapp_http_<status>` without a code).
    static func error(_ reply: GatewayHTTP.Reply) -> ClientSendError {
        let detail = (try? JSONDecoder().decode(ErrorBody.self, from: reply.body))?.error
        var text = "WhatsApp Cloud a refusé le message (HTTP \(reply.status)"
        if let code = detail?.code { text += ", erreur \(code)" }
        if let subcode = detail?.errorSubcode { text += "/\(subcode)" }
        text += ")"
        if let message = detail?.message {
            text += " : « \(message) »"
        } else if detail == nil, !reply.body.isEmpty {
            text += " : \(String(decoding: reply.body.prefix(300), as: UTF8.self))"
        }
        if let details = detail?.errorData?.details { text += " (\(details))" }
        if let trace = detail?.fbtraceId { text += " [fbtrace_id \(trace)]" }
        if detail?.code == notOnWhatsAppErrorCode { return .notOnWhatsApp(reason: text) }
        if GatewayHTTP.isTransient(status: reply.status) || detail?.code.map(transientErrorCodes.contains) == true {
            return .transient(reason: text, retryAfter: reply.retryAfter)
        }
        return .permanent(code: detail?.code.map { "whatsapp_\($0)" } ?? "whatsapp_http_\(reply.status)", reason: text)
    }
}
