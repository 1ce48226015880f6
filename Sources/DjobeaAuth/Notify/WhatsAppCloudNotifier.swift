import AsyncHTTPClient
import DjobeaGateway
import Foundation
import NIOCore

/// Sends WhatsApp messages through Meta's Cloud API, each as an authentication template with a copy-code button.
///
/// One JSON `POST /{version}/{phone-number-id}/messages` per message with `Authorization: Bearer …`. The template
/// is the message's template name in `languageCode`; its body parameter and its URL button (index 0) both carry the
/// `code` variable, as Meta requires for authentication templates (the validity is part of the approved template).
///
/// Meta answers 200 with `{"messaging_product":"whatsapp","contacts":[…],"messages":[{"id":"wamid.…"}]}`. Errors are
/// `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`: 400, 401, 403 (bad token, invalid parameter,
/// template refused) are permanent; 408, 429, 5xx, rate-limit and temporary error codes and network failures are transient.
public struct WhatsAppCloudNotifier: WhatsAppNotifier {
    /// Error codes that pass with time whatever the HTTP status: throttling (4, 80007, 130429, 131048, 131056)
    /// and temporary failures (1, 2, 131000, 131016).
    public static let transientErrorCodes: Set<Int> = [1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056]

    private let phoneNumberId: String
    private let accessToken: String
    private let apiVersion: String
    private let baseURL: URL
    private let languageCode: String
    private let httpClient: HTTPClient
    private let timeout: TimeAmount

    /// - Parameters:
    ///   - phoneNumberId: the sender's phone number id in the WhatsApp Business account.
    ///   - accessToken: a system user token with `whatsapp_business_messaging`.
    ///   - baseURL: `https://graph.facebook.com`, or a local fake in tests.
    ///   - languageCode: the language of the approved templates.
    ///   - httpClient: owned by the caller, who shuts it down.
    public init(
        phoneNumberId: String, accessToken: String, apiVersion: String = "v21.0",
        baseURL: URL = URL(string: "https://graph.facebook.com") ?? URL(fileURLWithPath: "/"), languageCode: String = "fr",
        httpClient: HTTPClient, timeout: TimeAmount = .seconds(15)
    ) {
        self.phoneNumberId = phoneNumberId
        self.accessToken = accessToken
        self.apiVersion = apiVersion
        self.baseURL = baseURL
        self.languageCode = languageCode
        self.httpClient = httpClient
        self.timeout = timeout
    }

    public func send(_ message: OutgoingMessage) async throws {
        _ = try await deliver(message)
    }

    /// Sends `message` and returns Meta's message id (`wamid.…`), empty if the answer had none.
    @discardableResult
    func deliver(_ message: OutgoingMessage) async throws -> String {
        let reply = try await NotifierHTTP.post(
            GatewayHTTP.url(baseURL, "/\(GatewayHTTP.encode(apiVersion))/\(GatewayHTTP.encode(phoneNumberId))/messages"),
            headers: [
                ("Authorization", "Bearer \(accessToken)"),
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
            ],
            body: try body(message), client: httpClient, timeout: timeout, service: "WhatsApp Cloud")
        guard (200..<300).contains(reply.status) else { throw Self.error(reply) }
        let sent = try? JSONDecoder().decode(SendResult.self, from: reply.body)
        return sent?.messages?.first?.id ?? ""
    }

    /// The JSON body of `message`.
    func body(_ message: OutgoingMessage) throws -> [UInt8] {
        guard let code = message.variables["code"] else {
            throw NotifierError.permanent("WhatsApp Cloud : variable « code » absente du message « \(message.template) »")
        }
        let text = [Parameter(type: "text", text: code)]
        let request = MessageRequest(
            to: message.to.hasPrefix("+") ? String(message.to.dropFirst()) : message.to,
            template: Template(
                name: message.template, language: Language(code: languageCode),
                components: [
                    Component(type: "body", subType: nil, index: nil, parameters: text),
                    Component(type: "button", subType: "url", index: "0", parameters: text),
                ]))
        let encoder = GatewayHTTP.jsonEncoder()
        return Array(try encoder.encode(request))
    }

    // MARK: - Request

    private struct MessageRequest: Encodable {
        let messagingProduct = "whatsapp"
        let recipientType = "individual"
        let to: String
        let type = "template"
        let template: Template

        enum CodingKeys: String, CodingKey {
            case to, type, template
            case messagingProduct = "messaging_product"
            case recipientType = "recipient_type"
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
        let type: String
        let text: String
    }

    // MARK: - Answers

    private struct SendResult: Decodable {
        struct Message: Decodable { let id: String? }
        let messages: [Message]?
    }

    /// `{"error":{"message":"…","type":"OAuthException","code":190,"error_subcode":…,"fbtrace_id":"…"}}`.
    private struct ErrorBody: Decodable {
        struct Detail: Decodable {
            let message: String?
            let type: String?
            let code: Int?
            let errorSubcode: Int?
            let fbtraceId: String?

            enum CodingKeys: String, CodingKey {
                case message, type, code
                case errorSubcode = "error_subcode"
                case fbtraceId = "fbtrace_id"
            }
        }
        let error: Detail?
    }

    static func error(_ reply: GatewayHTTP.Reply) -> NotifierError {
        let detail = (try? JSONDecoder().decode(ErrorBody.self, from: reply.body))?.error
        var text = "WhatsApp Cloud a refusé le message (HTTP \(reply.status)"
        if let code = detail?.code { text += ", erreur \(code)" }
        if let subcode = detail?.errorSubcode { text += "/\(subcode)" }
        if let type = detail?.type { text += ", \(type)" }
        text += ")"
        if let message = detail?.message { text += " : \(message)" }
        if let trace = detail?.fbtraceId { text += " [fbtrace_id \(trace)]" }
        let transient = GatewayHTTP.isTransient(status: reply.status) || detail?.code.map(transientErrorCodes.contains) == true
        return transient ? .transient(text) : .permanent(text)
    }
}
