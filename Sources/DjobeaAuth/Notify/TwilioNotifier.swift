import AsyncHTTPClient
import DjobeaGateway
import Foundation
import NIOCore

/// Sends WhatsApp messages through Twilio's Messages API, each as an approved content template.
///
/// One form-encoded `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` per message, with HTTP Basic
/// authentication (`AccountSid:AuthToken`), `To=whatsapp:+237…`, `From`, `ContentSid` (the template's `HX…` id) and
/// `ContentVariables`, a JSON object numbering the variables from `"1"` in the order of `variableOrder`.
///
/// Twilio answers 201 with the message resource (`{"sid":"SM…","status":"queued",…}`). A 4xx other than 408/429
/// (invalid number, unknown template…) is permanent; 408, 429, 5xx and network failures are transient.
public struct TwilioNotifier: WhatsAppNotifier {
    /// The numbering of each template's variables: `{{1}}` is the code, `{{2}}` the validity in minutes.
    public static let defaultVariableOrder: [String: [String]] = [
        "otp_login": ["code", "minutes"],
        "otp_password_reset": ["code", "minutes"],
    ]

    private let accountSid: String
    private let authToken: String
    private let from: String
    private let contentSids: [String: String]
    private let variableOrder: [String: [String]]
    private let baseURL: URL
    private let httpClient: HTTPClient
    private let timeout: TimeAmount

    /// - Parameters:
    ///   - from: the sender, `whatsapp:+1…`.
    ///   - contentSids: the content template id (`HX…`) of each template name.
    ///   - variableOrder: the variable names of each template in `{{1}}`, `{{2}}`… order; templates not listed number
    ///     their variables in name order.
    ///   - baseURL: `https://api.twilio.com`, or a local fake in tests.
    ///   - httpClient: owned by the caller, who shuts it down.
    public init(
        accountSid: String, authToken: String, from: String, contentSids: [String: String],
        variableOrder: [String: [String]] = TwilioNotifier.defaultVariableOrder,
        baseURL: URL = URL(string: "https://api.twilio.com") ?? URL(fileURLWithPath: "/"), httpClient: HTTPClient,
        timeout: TimeAmount = .seconds(15)
    ) {
        self.accountSid = accountSid
        self.authToken = authToken
        self.from = from
        self.contentSids = contentSids
        self.variableOrder = variableOrder
        self.baseURL = baseURL
        self.httpClient = httpClient
        self.timeout = timeout
    }

    public func send(_ message: OutgoingMessage) async throws {
        _ = try await deliver(message)
    }

    /// Sends `message` and returns Twilio's message sid (`SM…`), empty if the answer had none.
    @discardableResult
    func deliver(_ message: OutgoingMessage) async throws -> String {
        let reply = try await NotifierHTTP.post(
            GatewayHTTP.url(baseURL, "/2010-04-01/Accounts/\(GatewayHTTP.encode(accountSid))/Messages.json"),
            headers: [
                ("Authorization", "Basic " + Data("\(accountSid):\(authToken)".utf8).base64EncodedString()),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "application/json"),
            ],
            body: try formBody(message), client: httpClient, timeout: timeout, service: "Twilio")
        guard (200..<300).contains(reply.status) else { throw Self.error(reply) }
        let resource = try? JSONDecoder().decode(MessageResource.self, from: reply.body)
        return resource?.sid ?? ""
    }

    /// The form fields of `message`, in the order they are sent.
    func formFields(_ message: OutgoingMessage) throws -> [(String, String)] {
        guard let contentSid = contentSids[message.template] else {
            throw NotifierError.permanent("Twilio : aucun ContentSid configuré pour le modèle « \(message.template) »")
        }
        let names = variableOrder[message.template] ?? message.variables.keys.sorted()
        var numbered: [String: String] = [:]
        for (index, name) in names.enumerated() {
            guard let value = message.variables[name] else {
                throw NotifierError.permanent("Twilio : variable « \(name) » absente du message « \(message.template) »")
            }
            numbered[String(index + 1)] = value
        }
        let encoder = GatewayHTTP.jsonEncoder()
        let variables = String(decoding: try encoder.encode(numbered), as: UTF8.self)
        return [("To", "whatsapp:\(message.to)"), ("From", from), ("ContentSid", contentSid), ("ContentVariables", variables)]
    }

    private func formBody(_ message: OutgoingMessage) throws -> [UInt8] {
        GatewayHTTP.form(try formFields(message))
    }

    // MARK: - Answers

    private struct MessageResource: Decodable {
        let sid: String?
    }

    /// Twilio's error shape: `{"code":21211,"message":"…","more_info":"https://www.twilio.com/docs/errors/21211","status":400}`.
    private struct ErrorBody: Decodable {
        let code: Int?
        let message: String?
        let moreInfo: String?

        enum CodingKeys: String, CodingKey {
            case code, message
            case moreInfo = "more_info"
        }
    }

    static func error(_ reply: GatewayHTTP.Reply) -> NotifierError {
        let body = try? JSONDecoder().decode(ErrorBody.self, from: reply.body)
        var text = "Twilio a refusé le message (HTTP \(reply.status)"
        if let code = body?.code { text += ", erreur \(code)" }
        text += ")"
        if let message = body?.message { text += " : \(message)" }
        if let info = body?.moreInfo { text += " — \(info)" }
        return GatewayHTTP.isTransient(status: reply.status) ? .transient(text) : .permanent(text)
    }
}
