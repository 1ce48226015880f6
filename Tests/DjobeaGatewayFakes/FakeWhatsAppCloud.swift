import Crypto
import DjobeaDomain
import DjobeaGateway
import Foundation

/// A local fake of WhatsApp Cloud's `POST /{version}/{phone-number-id}/messages`.
///
/// It checks requests like Meta does (bearer token, path, `messaging_product`, recipient, text body, template name,
/// language, parameters without newlines or tabs or more than four spaces, and — for our catalogue's templates — the
/// number of body parameters and quick-reply buttons), records every request, and answers
/// `{"messaging_product":"whatsapp","contacts":[…],"messages":[{"id":"wamid.…"}]}` or Meta's error shape.
/// Scripting (`script`): throttling and outages before success, an error code per recipient, per-recipient and global
/// rate limits, a delay before answering.
public final class FakeWhatsAppCloud: Sendable {
    /// A message the fake accepted.
    public struct Accepted: Sendable, Equatable {
        public let id: String
        /// E.164 with `+`.
        public let to: String
        /// `text` or `template`.
        public let type: String
        public let text: String?
        public let templateName: String?
        public let parameters: [String]
        public let quickReplies: [String]
        public let bizOpaqueCallbackData: String?
        /// The link of the document in the template's header, if any.
        public var documentLink: String? = nil

        public init(
            id: String, to: String, type: String, text: String?, templateName: String?, parameters: [String], quickReplies: [String],
            bizOpaqueCallbackData: String?
        ) {
            self.id = id
            self.to = to
            self.type = type
            self.text = text
            self.templateName = templateName
            self.parameters = parameters
            self.quickReplies = quickReplies
            self.bizOpaqueCallbackData = bizOpaqueCallbackData
        }
    }

    public let phoneNumberId: String
    public let accessToken: String
    public let apiVersion: String
    /// The templates whose parameter and button counts are checked (others are accepted as long as they are named).
    public let knownTemplates: [WhatsAppTemplate]
    private let server: LockedValue<FakeHTTPServer?> = LockedValue(nil)
    private let state = LockedValue(State())

    private struct State {
        var requests: [RecordedRequest] = []
        var accepted: [Accepted] = []
        var script = FakeScript()
        var limiter = FakeLimiter()
    }

    private init(phoneNumberId: String, accessToken: String, apiVersion: String, knownTemplates: [WhatsAppTemplate]) {
        self.phoneNumberId = phoneNumberId
        self.accessToken = accessToken
        self.apiVersion = apiVersion
        self.knownTemplates = knownTemplates
    }

    /// Starts the fake on 127.0.0.1 (`port` 0: a free one). Stop it with `stop()`.
    public static func start(
        phoneNumberId: String = "106540352242922", accessToken: String = "EAAG-fake-access-token", apiVersion: String = "v21.0",
        knownTemplates: [WhatsAppTemplate] = WhatsAppTemplates.all, port: Int = 0
    ) async throws -> FakeWhatsAppCloud {
        let fake = FakeWhatsAppCloud(
            phoneNumberId: phoneNumberId, accessToken: accessToken, apiVersion: apiVersion, knownTemplates: knownTemplates)
        let server = try await FakeHTTPServer.start(port: port, name: "fake-whatsapp-cloud") { request in
            await fake.answer(request)
        }
        fake.server.withLock { $0 = server }
        return fake
    }

    /// Starts a fake, runs `body` with it, then stops it (also when `body` throws).
    public static func with<T>(
        phoneNumberId: String = "106540352242922", accessToken: String = "EAAG-fake-access-token",
        _ body: (FakeWhatsAppCloud) async throws -> T
    ) async throws -> T {
        let fake = try await start(phoneNumberId: phoneNumberId, accessToken: accessToken)
        do {
            let result = try await body(fake)
            await fake.stop()
            return result
        } catch {
            await fake.stop()
            throw error
        }
    }

    /// `http://127.0.0.1:<port>`: the `WHATSAPP_CLOUD_BASE_URL` of a driver calling this fake.
    public var baseURL: URL { server.withLock { $0?.baseURL } ?? URL(fileURLWithPath: "/") }

    /// The environment a `djobea` process needs to send through this fake.
    public var environment: [String: String] {
        [
            "WHATSAPP_CLOUD_PHONE_NUMBER_ID": phoneNumberId, "WHATSAPP_CLOUD_ACCESS_TOKEN": accessToken,
            "WHATSAPP_CLOUD_BASE_URL": baseURL.absoluteString, "WHATSAPP_CLOUD_API_VERSION": apiVersion,
        ]
    }

    public func stop() async {
        let server = self.server.withLock { server in
            defer { server = nil }
            return server
        }
        await server?.stop()
    }

    /// Every request received so far, in order (refused ones included).
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }
    /// Every message accepted so far, in order.
    public var accepted: [Accepted] { state.withLock { $0.accepted } }

    /// Changes the script (forced failures, per-recipient errors, limits, delay).
    public func script(_ change: (inout FakeScript) -> Void) {
        state.withLock { change(&$0.script) }
    }

    /// Answers `count` times 429 (code 130429, with `Retry-After` when given) before the next success.
    public func throttleNext(_ count: Int, retryAfter: Int? = nil) {
        script {
            $0.throttleNext = count
            $0.throttleRetryAfter = retryAfter
        }
    }

    /// Answers `count` times 500 (code 131000) before the next success.
    public func failNext(_ count: Int) {
        script { $0.serverErrorNext = count }
    }

    /// Answers Meta's error `code` to every message to `recipient` (E.164 with `+`), e.g. 131026 (not on WhatsApp),
    /// 100 or 131009 (invalid parameter); nil removes it.
    public func answerError(_ code: Int?, for recipient: String) {
        script { $0.errorByRecipient[recipient] = code }
    }

    /// Clears the records and the script.
    public func reset() {
        state.withLock { $0 = State() }
    }

    // MARK: - Answers

    private func answer(_ request: RecordedRequest) async -> FakeResponse {
        let delay = state.withLock { state -> Duration? in
            state.requests.append(request)
            return state.script.delay
        }
        if let delay { try? await Task.sleep(for: delay) }
        return state.withLock { state in respond(request, state: &state) }
    }

    private func respond(_ request: RecordedRequest, state: inout State) -> FakeResponse {
        guard request.method == "POST", request.path == "/\(apiVersion)/\(phoneNumberId)/messages" else {
            return Self.error(400, code: 100, subcode: 33, "Unsupported post request. Object with ID '\(request.path)' does not exist.")
        }
        guard request.headers["authorization"] == "Bearer \(accessToken)" else {
            return Self.error(401, code: 190, "Invalid OAuth access token - Cannot parse access token")
        }
        guard request.headers["content-type"]?.hasPrefix("application/json") == true, let json = request.json else {
            return Self.error(400, code: 100, "(#100) The request body must be a JSON object.")
        }
        if let failure = validate(json) { return failure }
        let to = "+" + ((json["to"] as? String) ?? "")

        if state.script.throttleNext > 0 {
            state.script.throttleNext -= 1
            return Self.error(429, code: 130429, "(#130429) Rate limit hit", retryAfter: state.script.throttleRetryAfter)
        }
        if state.script.serverErrorNext > 0 {
            state.script.serverErrorNext -= 1
            return Self.error(500, code: 131000, "(#131000) Something went wrong")
        }
        if let code = state.script.errorByRecipient[to] { return Self.recipientError(code) }
        switch state.limiter.admit(to, script: state.script) {
        case .recipientLimited:
            return Self.error(429, code: 131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit", retryAfter: 1)
        case .globalLimited:
            return Self.error(429, code: 130429, "(#130429) Rate limit hit", retryAfter: 1)
        case .ok: break
        }

        let id = "wamid.HBgM" + FakeIds.base64(27)
        let template = json["template"] as? [String: Any]
        let components = (template?["components"] as? [[String: Any]]) ?? []
        let body = components.first { $0["type"] as? String == "body" }
        let buttons = components.filter { $0["type"] as? String == "button" }
        let header = components.first { $0["type"] as? String == "header" }
        var accepted = Accepted(
            id: id, to: to, type: (json["type"] as? String) ?? "", text: (json["text"] as? [String: Any])?["body"] as? String,
            templateName: template?["name"] as? String,
            parameters: ((body?["parameters"] as? [[String: Any]]) ?? []).compactMap { $0["text"] as? String },
            quickReplies: buttons.compactMap { ($0["parameters"] as? [[String: Any]])?.first?["payload"] as? String },
            bizOpaqueCallbackData: json["biz_opaque_callback_data"] as? String)
        accepted.documentLink = ((header?["parameters"] as? [[String: Any]])?.first?["document"] as? [String: Any])?["link"] as? String
        state.accepted.append(accepted)
        let waId = String(to.dropFirst())
        return .json(
            200,
            #"{"messaging_product":"whatsapp","contacts":[{"input":"\#(waId)","wa_id":"\#(waId)"}],"messages":[{"id":"\#(id)"}]}"#)
    }

    /// Meta's checks of a message body; nil when it passes.
    private func validate(_ json: [String: Any]) -> FakeResponse? {
        guard json["messaging_product"] as? String == "whatsapp" else {
            return Self.error(400, code: 100, "(#100) The parameter messaging_product is required.")
        }
        guard let to = json["to"] as? String, !to.isEmpty else {
            return Self.error(400, code: 100, "(#100) The parameter to is required.")
        }
        guard !to.hasPrefix("+") || to.dropFirst().allSatisfy(\.isNumber), to.filter(\.isNumber).count >= 8 else {
            return Self.error(400, code: 131009, "(#131009) Parameter value is not valid", details: "Invalid phone number")
        }
        if let opaque = json["biz_opaque_callback_data"], (opaque as? String)?.count ?? 513 > 512 {
            return Self.error(400, code: 100, "(#100) Param biz_opaque_callback_data must be at most 512 characters long.")
        }
        switch json["type"] as? String {
        case "text":
            guard let text = json["text"] as? [String: Any], let body = text["body"] as? String, !body.isEmpty else {
                return Self.error(400, code: 100, "(#100) The parameter text['body'] is required.")
            }
            guard body.count <= 4096 else {
                return Self.error(400, code: 100, "(#100) Param text['body'] must be at most 4096 characters long.")
            }
            return nil
        case "template":
            return validateTemplate(json["template"] as? [String: Any])
        default:
            return Self.error(400, code: 100, "(#100) Param type must be one of {TEXT, TEMPLATE, …} - got \"\(json["type"] ?? "nil")\".")
        }
    }

    private func validateTemplate(_ template: [String: Any]?) -> FakeResponse? {
        guard let template, let name = template["name"] as? String, !name.isEmpty else {
            return Self.error(400, code: 100, "(#100) The parameter template['name'] is required.")
        }
        guard let language = template["language"] as? [String: Any], let code = language["code"] as? String, !code.isEmpty else {
            return Self.error(400, code: 100, "(#100) The parameter template['language']['code'] is required.")
        }
        let components = (template["components"] as? [[String: Any]]) ?? []
        var bodyParameters: [String] = []
        var buttonCount = 0
        for component in components {
            let parameters = (component["parameters"] as? [[String: Any]]) ?? []
            switch component["type"] as? String {
            case "body":
                for parameter in parameters {
                    guard parameter["type"] as? String == "text", let text = parameter["text"] as? String, !text.isEmpty else {
                        return Self.error(400, code: 131008, "(#131008) Required parameter is missing")
                    }
                    if text.contains(where: { $0 == "\n" || $0 == "\t" || $0 == "\r" }) || text.contains("     ") {
                        return Self.error(
                            400, code: 132018, "(#132018) There was an issue with the parameters in your template.",
                            details: "Param text cannot have new-line/tab characters or more than 4 consecutive spaces")
                    }
                    bodyParameters.append(text)
                }
            case "header":
                guard parameters.count == 1, parameters[0]["type"] as? String == "document",
                    let document = parameters[0]["document"] as? [String: Any], let link = document["link"] as? String,
                    link.hasPrefix("https://") || link.hasPrefix("http://"), (document["filename"] as? String)?.isEmpty == false
                else {
                    return Self.error(400, code: 131009, "(#131009) Parameter value is not valid", details: "Invalid header component")
                }
            case "button":
                guard component["sub_type"] as? String == "quick_reply", component["index"] as? String == String(buttonCount),
                    parameters.count == 1, parameters[0]["type"] as? String == "payload", parameters[0]["payload"] is String
                else {
                    return Self.error(400, code: 131009, "(#131009) Parameter value is not valid", details: "Invalid button component")
                }
                buttonCount += 1
            default:
                return Self.error(400, code: 131009, "(#131009) Parameter value is not valid", details: "Unknown component type")
            }
        }
        if let known = knownTemplates.first(where: { $0.name == name }) {
            guard code == WhatsAppTemplates.language else {
                return Self.error(
                    404, code: 132001, "(#132001) Template name does not exist in the translation",
                    details: "template name (\(name)) does not exist in \(code)")
            }
            guard bodyParameters.count == known.variables.count else {
                return Self.error(
                    400, code: 132000, "(#132000) Number of parameters does not match the expected number of params",
                    details:
                        "body: number of localizable_params (\(bodyParameters.count)) does not match the expected number of params (\(known.variables.count))"
                )
            }
            guard buttonCount == 0 || buttonCount == known.quickReplies.count else {
                return Self.error(400, code: 131009, "(#131009) Parameter value is not valid", details: "Button count mismatch")
            }
        }
        return nil
    }

    private static func recipientError(_ code: Int) -> FakeResponse {
        switch code {
        case 131026:
            error(400, code: code, "(#131026) Message undeliverable", details: "Message failed to send because the recipient is not a WhatsApp user")
        case 100: error(400, code: code, "(#100) Invalid parameter", details: "Invalid parameter")
        case 131009: error(400, code: code, "(#131009) Parameter value is not valid", details: "Recipient phone number not valid")
        case 131056: error(429, code: code, "(#131056) (Business Account, Consumer Account) pair rate limit hit", retryAfter: 1)
        case 130429: error(429, code: code, "(#130429) Rate limit hit", retryAfter: 1)
        case 190: error(401, code: code, "Invalid OAuth access token")
        default: error(400, code: code, "(#\(code)) Error \(code)")
        }
    }

    /// Meta's error shape.
    public static func error(
        _ status: Int, code: Int, subcode: Int? = nil, _ message: String, details: String? = nil, retryAfter: Int? = nil
    ) -> FakeResponse {
        var error: [String: Any] = [
            "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "A" + FakeIds.hex(10),
        ]
        if let subcode { error["error_subcode"] = subcode }
        if let details { error["error_data"] = ["messaging_product": "whatsapp", "details": details] }
        let data = (try? JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys])) ?? Data()
        return .json(status, String(decoding: data, as: UTF8.self), retryAfter: retryAfter)
    }
}

/// Signed WhatsApp Cloud webhooks, in Meta's exact JSON shape, for tests that post them.
public enum MetaWebhookFixtures {
    /// `X-Hub-Signature-256` for `body`: `sha256=` + hex HMAC-SHA256 keyed with the app secret.
    public static func signature(_ body: [UInt8], appSecret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(appSecret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    /// A status webhook for a message we sent: `state` is sent, delivered, read or failed; `errorCode` and friends
    /// fill `errors` for a failure.
    public static func statusBody(
        externalId: String, state: String, recipient: String, messageId: String? = nil, timestamp: Int = 1_764_000_000,
        errorCode: Int? = nil, errorTitle: String? = nil, errorMessage: String? = nil, errorDetails: String? = nil,
        phoneNumberId: String = "106540352242922"
    ) -> [UInt8] {
        var status: [String: Any] = [
            "id": externalId, "status": state, "timestamp": String(timestamp), "recipient_id": digits(recipient),
        ]
        if let messageId { status["biz_opaque_callback_data"] = messageId }
        if state == "sent" || state == "delivered" {
            status["conversation"] = ["id": FakeIds.hex(32), "origin": ["type": "utility"]]
            status["pricing"] = ["billable": true, "pricing_model": "CBP", "category": "utility"]
        }
        if let errorCode {
            var error: [String: Any] = ["code": errorCode, "title": errorTitle ?? "Error \(errorCode)"]
            if let errorMessage { error["message"] = errorMessage }
            if let errorDetails { error["error_data"] = ["details": errorDetails] }
            error["href"] = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
            status["errors"] = [error]
        }
        return envelope(["statuses": [status]], phoneNumberId: phoneNumberId)
    }

    /// An inbound text message.
    public static func inboundTextBody(
        from: String, externalId: String = "wamid." + FakeIds.base64(27), text: String, profileName: String? = "Awa",
        contextExternalId: String? = nil, timestamp: Int = 1_764_000_000, phoneNumberId: String = "106540352242922"
    ) -> [UInt8] {
        var message: [String: Any] = [
            "from": digits(from), "id": externalId, "timestamp": String(timestamp), "type": "text", "text": ["body": text],
        ]
        if let contextExternalId { message["context"] = ["from": "15550000000", "id": contextExternalId] }
        return inbound(message, from: from, profileName: profileName, phoneNumberId: phoneNumberId)
    }

    /// A quick-reply button of a template pressed (`"type":"button"`).
    public static func inboundButtonBody(
        from: String, externalId: String = "wamid." + FakeIds.base64(27), payload: String, title: String,
        contextExternalId: String? = nil, profileName: String? = "Awa", timestamp: Int = 1_764_000_000,
        phoneNumberId: String = "106540352242922"
    ) -> [UInt8] {
        var message: [String: Any] = [
            "from": digits(from), "id": externalId, "timestamp": String(timestamp), "type": "button",
            "button": ["payload": payload, "text": title],
        ]
        if let contextExternalId { message["context"] = ["from": "15550000000", "id": contextExternalId] }
        return inbound(message, from: from, profileName: profileName, phoneNumberId: phoneNumberId)
    }

    /// A reply button of an interactive message pressed (`"type":"interactive"`, `button_reply`).
    public static func inboundInteractiveBody(
        from: String, externalId: String = "wamid." + FakeIds.base64(27), id: String, title: String, contextExternalId: String? = nil,
        profileName: String? = "Awa", timestamp: Int = 1_764_000_000, phoneNumberId: String = "106540352242922"
    ) -> [UInt8] {
        var message: [String: Any] = [
            "from": digits(from), "id": externalId, "timestamp": String(timestamp), "type": "interactive",
            "interactive": ["type": "button_reply", "button_reply": ["id": id, "title": title]],
        ]
        if let contextExternalId { message["context"] = ["from": "15550000000", "id": contextExternalId] }
        return inbound(message, from: from, profileName: profileName, phoneNumberId: phoneNumberId)
    }

    /// Any inbound message object (`from`, `id`, `timestamp`, `type`…) wrapped like Meta does.
    public static func inboundBody(
        message: [String: Any], from: String, profileName: String? = "Awa", phoneNumberId: String = "106540352242922"
    ) -> [UInt8] {
        inbound(message, from: from, profileName: profileName, phoneNumberId: phoneNumberId)
    }

    private static func inbound(_ message: [String: Any], from: String, profileName: String?, phoneNumberId: String) -> [UInt8] {
        var contact: [String: Any] = ["wa_id": digits(from)]
        if let profileName { contact["profile"] = ["name": profileName] }
        return envelope(["contacts": [contact], "messages": [message]], phoneNumberId: phoneNumberId)
    }

    private static func envelope(_ fields: [String: Any], phoneNumberId: String) -> [UInt8] {
        var value: [String: Any] = [
            "messaging_product": "whatsapp",
            "metadata": ["display_phone_number": "15550000000", "phone_number_id": phoneNumberId],
        ]
        value.merge(fields) { _, new in new }
        let root: [String: Any] = [
            "object": "whatsapp_business_account",
            "entry": [["id": "102290129340398", "changes": [["value": value, "field": "messages"]]]],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Array(data)
    }

    private static func digits(_ phone: String) -> String {
        phone.hasPrefix("+") ? String(phone.dropFirst()) : phone
    }
}
