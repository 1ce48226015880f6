import Crypto
import DjobeaDomain
import DjobeaGateway
import Foundation

/// A local fake of Twilio's `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (WhatsApp and SMS).
///
/// It checks requests like Twilio does (Basic authentication, path, form encoding, `To`, `From`, `Body` or
/// `ContentSid` + `ContentVariables`, matching `whatsapp:` prefixes), records every request, and answers 201 with a
/// message resource (`"sid":"SM…"`) or Twilio's error shape. Scripting (`script`): throttling and outages before
/// success, an error code per recipient, per-recipient and global rate limits (code 20429), a delay before answering.
public final class FakeTwilio: Sendable {
    /// A message the fake accepted.
    public struct Accepted: Sendable, Equatable {
        public let sid: String
        /// E.164 with `+`, without `whatsapp:`.
        public let to: String
        public let channel: ClientChannel
        public let from: String
        public let body: String?
        public let contentSid: String?
        /// `ContentVariables`, decoded.
        public let contentVariables: [String: String]?
        public let statusCallback: String?

        public init(
            sid: String, to: String, channel: ClientChannel, from: String, body: String?, contentSid: String?,
            contentVariables: [String: String]?, statusCallback: String?
        ) {
            self.sid = sid
            self.to = to
            self.channel = channel
            self.from = from
            self.body = body
            self.contentSid = contentSid
            self.contentVariables = contentVariables
            self.statusCallback = statusCallback
        }
    }

    public let accountSid: String
    public let authToken: String
    private let server: LockedValue<FakeHTTPServer?> = LockedValue(nil)
    private let state = LockedValue(State())

    private struct State {
        var requests: [RecordedRequest] = []
        var accepted: [Accepted] = []
        var script = FakeScript()
        var limiter = FakeLimiter()
    }

    private init(accountSid: String, authToken: String) {
        self.accountSid = accountSid
        self.authToken = authToken
    }

    /// Starts the fake on 127.0.0.1 (`port` 0: a free one). Stop it with `stop()`.
    public static func start(
        accountSid: String = "AC" + FakeIds.hex(32), authToken: String = "fake-twilio-auth-token", port: Int = 0
    ) async throws -> FakeTwilio {
        let fake = FakeTwilio(accountSid: accountSid, authToken: authToken)
        let server = try await FakeHTTPServer.start(port: port, name: "fake-twilio") { request in await fake.answer(request) }
        fake.server.withLock { $0 = server }
        return fake
    }

    /// Starts a fake, runs `body` with it, then stops it (also when `body` throws).
    public static func with<T>(
        accountSid: String = "AC" + FakeIds.hex(32), authToken: String = "fake-twilio-auth-token", _ body: (FakeTwilio) async throws -> T
    ) async throws -> T {
        let fake = try await start(accountSid: accountSid, authToken: authToken)
        do {
            let result = try await body(fake)
            await fake.stop()
            return result
        } catch {
            await fake.stop()
            throw error
        }
    }

    /// `http://127.0.0.1:<port>`: the `TWILIO_BASE_URL` of a driver calling this fake.
    public var baseURL: URL { server.withLock { $0?.baseURL } ?? URL(fileURLWithPath: "/") }

    /// The environment a `djobea` process needs to send through this fake (content sids for every catalogue template).
    public func environment(
        whatsAppFrom: String = "whatsapp:+14155238886", smsFrom: String? = "+14155238887", statusCallbackURL: String? = nil
    ) -> [String: String] {
        var env = [
            "TWILIO_ACCOUNT_SID": accountSid, "TWILIO_AUTH_TOKEN": authToken, "TWILIO_WHATSAPP_FROM": whatsAppFrom,
            "TWILIO_BASE_URL": baseURL.absoluteString,
        ]
        if let smsFrom { env["TWILIO_SMS_FROM"] = smsFrom }
        if let statusCallbackURL { env["TWILIO_STATUS_CALLBACK_URL"] = statusCallbackURL }
        for (name, sid) in Self.contentSids { env[TwilioMessenger.contentSidVariable(name)] = sid }
        return env
    }

    /// A stable `HX…` content sid for each template of the catalogue.
    public static let contentSids: [String: String] = Dictionary(
        uniqueKeysWithValues: WhatsAppTemplates.all.enumerated().map { index, template in
            (template.name, "HX" + String(format: "%032x", index + 1))
        })

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

    /// Answers `count` times 429 (code 20429, with `Retry-After` when given) before the next success.
    public func throttleNext(_ count: Int, retryAfter: Int? = nil) {
        script {
            $0.throttleNext = count
            $0.throttleRetryAfter = retryAfter
        }
    }

    /// Answers `count` times 500 (code 20500) before the next success.
    public func failNext(_ count: Int) {
        script { $0.serverErrorNext = count }
    }

    /// Answers Twilio's error `code` to every message to `recipient` (E.164 with `+`), e.g. 63003 (not a WhatsApp
    /// number), 21211 or 21614 (invalid number); nil removes it.
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
        guard request.method == "POST", request.path == "/2010-04-01/Accounts/\(accountSid)/Messages.json" else {
            return Self.error(404, code: 20404, "The requested resource \(request.path) was not found")
        }
        let expected = "Basic " + Data("\(accountSid):\(authToken)".utf8).base64EncodedString()
        guard request.headers["authorization"] == expected else {
            return Self.error(401, code: 20003, "Authenticate")
        }
        guard request.headers["content-type"]?.hasPrefix("application/x-www-form-urlencoded") == true else {
            return Self.error(400, code: 21619, "A text message body or media urls must be specified.")
        }
        let form = request.formValues
        guard let toField = form["To"], !toField.isEmpty else { return Self.error(400, code: 21604, "A 'To' phone number is required.") }
        guard let from = form["From"], !from.isEmpty else { return Self.error(400, code: 21603, "A 'From' phone number is required.") }
        let whatsApp = toField.hasPrefix("whatsapp:")
        let to = whatsApp ? String(toField.dropFirst(9)) : toField
        guard whatsApp == from.hasPrefix("whatsapp:") else {
            return Self.error(400, code: 63007, "Twilio could not find a Channel with the specified From address")
        }
        guard to.hasPrefix("+"), to.dropFirst().allSatisfy(\.isNumber), (8...15).contains(to.count - 1) else {
            return Self.error(400, code: 21211, "The 'To' number \(toField) is not a valid phone number.")
        }
        let body = form["Body"]
        let contentSid = form["ContentSid"]
        var variables: [String: String]?
        if let contentSid {
            guard whatsApp, contentSid.hasPrefix("HX"), contentSid.count == 34 else {
                return Self.error(400, code: 21655, "The ContentSid is Invalid.")
            }
            if let text = form["ContentVariables"] {
                guard let decoded = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: String],
                    decoded.keys.allSatisfy({ Int($0) != nil })
                else { return Self.error(400, code: 21656, "The ContentVariables Parameter is invalid.") }
                if decoded.values.contains(where: { $0.contains("\n") || $0.contains("\t") || $0.contains("     ") }) {
                    return Self.error(400, code: 21656, "The ContentVariables Parameter is invalid.")
                }
                variables = decoded
            }
            // Our catalogue's content sids: the variables must fill the template exactly, as Twilio checks.
            if let name = Self.contentSids.first(where: { $0.value == contentSid })?.key, let template = WhatsAppTemplates.named(name),
                Set((variables ?? [:]).keys)
                    != Set((0..<(template.variables.count + (template.documentHeader == true ? 1 : 0))).map { String($0 + 1) })
            {
                return Self.error(400, code: 21656, "The ContentVariables Parameter is invalid.")
            }
        } else {
            guard let body, !body.isEmpty else { return Self.error(400, code: 21619, "A text message body or media urls must be specified.") }
            guard body.count <= 1600 else { return Self.error(400, code: 21617, "The concatenated message body exceeds the 1600 character limit.") }
        }
        if let callback = form["StatusCallback"], URL(string: callback)?.scheme?.hasPrefix("http") != true {
            return Self.error(400, code: 21609, "The StatusCallback URL \(callback) is not a valid URL.")
        }

        if state.script.throttleNext > 0 {
            state.script.throttleNext -= 1
            return Self.error(429, code: 20429, "Too Many Requests", retryAfter: state.script.throttleRetryAfter)
        }
        if state.script.serverErrorNext > 0 {
            state.script.serverErrorNext -= 1
            return Self.error(500, code: 20500, "Internal Server Error")
        }
        if let code = state.script.errorByRecipient[to] { return Self.recipientError(code, to: toField) }
        if state.limiter.admit(to, script: state.script) != .ok {
            return Self.error(429, code: 20429, "Too Many Requests", retryAfter: 1)
        }

        let sid = "SM" + FakeIds.hex(32)
        state.accepted.append(
            Accepted(
                sid: sid, to: to, channel: whatsApp ? .whatsapp : .sms, from: from, body: body, contentSid: contentSid,
                contentVariables: variables, statusCallback: form["StatusCallback"]))
        let resource: [String: Any] = [
            "account_sid": accountSid, "api_version": "2010-04-01", "body": body ?? "", "date_created": Self.rfc2822(Date()),
            "direction": "outbound-api", "error_code": NSNull(), "error_message": NSNull(), "from": from, "num_media": "0",
            "num_segments": "1", "price": NSNull(), "sid": sid, "status": "queued", "to": toField,
            "uri": "/2010-04-01/Accounts/\(accountSid)/Messages/\(sid).json",
        ]
        let data = (try? JSONSerialization.data(withJSONObject: resource, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return .json(201, String(decoding: data, as: UTF8.self))
    }

    private static func recipientError(_ code: Int, to: String) -> FakeResponse {
        switch code {
        case 63003: error(400, code: code, "Channel could not find To address \(to): not a WhatsApp number")
        case 21211: error(400, code: code, "The 'To' number \(to) is not a valid phone number.")
        case 21614: error(400, code: code, "'To' number \(to) is not a valid mobile number")
        case 20429: error(429, code: code, "Too Many Requests", retryAfter: 1)
        default: error(400, code: code, "Error \(code)")
        }
    }

    /// Twilio's error shape.
    public static func error(_ status: Int, code: Int, _ message: String, retryAfter: Int? = nil) -> FakeResponse {
        let body: [String: Any] = [
            "code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/\(code)", "status": status,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return .json(status, String(decoding: data, as: UTF8.self), retryAfter: retryAfter)
    }

    private static func rfc2822(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}

/// Signed Twilio webhooks, in Twilio's form shape, for tests that post them.
public enum TwilioWebhookFixtures {
    /// `X-Twilio-Signature` for a POST of `form` to `url` (the URL exactly as configured, query included).
    public static func signature(url: String, form: [(String, String)], authToken: String) -> String {
        var data = Array(url.utf8)
        let sorted = form.map { (Array($0.0.utf8), Array($0.1.utf8)) }.sorted { left, right in
            left.0 == right.0 ? left.1.lexicographicallyPrecedes(right.1) : left.0.lexicographicallyPrecedes(right.0)
        }
        for (name, value) in sorted { data += name + value }
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: data, using: SymmetricKey(data: Array(authToken.utf8)))
        return Data(code).base64EncodedString()
    }

    /// A status callback: `state` is queued, sent, delivered, read, failed or undelivered.
    public static func statusForm(
        sid: String, state: String, to: String, from: String, channel: ClientChannel = .whatsapp, errorCode: Int? = nil,
        accountSid: String = "AC" + String(repeating: "0", count: 32)
    ) -> [(String, String)] {
        let prefix = channel == .whatsapp ? "whatsapp:" : ""
        var form: [(String, String)] = [
            ("AccountSid", accountSid), ("ApiVersion", "2010-04-01"), ("ChannelPrefix", channel == .whatsapp ? "whatsapp" : "sms"),
            ("From", from.hasPrefix(prefix) ? from : prefix + from), ("MessageSid", sid), ("MessageStatus", state), ("SmsSid", sid),
            ("SmsStatus", state), ("To", prefix + to),
        ]
        if let errorCode { form.append(("ErrorCode", String(errorCode))) }
        return form
    }

    /// An inbound message: text, or a quick-reply button pressed (`buttonPayload` and `buttonText`).
    public static func inboundForm(
        sid: String = "SM" + FakeIds.hex(32), from: String, to: String = "+14155238886", channel: ClientChannel = .whatsapp,
        body: String, buttonPayload: String? = nil, buttonText: String? = nil, repliedSid: String? = nil,
        profileName: String? = "Awa", accountSid: String = "AC" + String(repeating: "0", count: 32)
    ) -> [(String, String)] {
        let prefix = channel == .whatsapp ? "whatsapp:" : ""
        var form: [(String, String)] = [
            ("AccountSid", accountSid), ("ApiVersion", "2010-04-01"), ("Body", body), ("From", prefix + from), ("MessageSid", sid),
            ("MessageType", buttonPayload != nil ? "button" : "text"), ("NumMedia", "0"), ("NumSegments", "1"), ("SmsMessageSid", sid),
            ("SmsSid", sid), ("SmsStatus", "received"), ("To", prefix + to),
        ]
        if channel == .whatsapp { form.append(("WaId", String(from.dropFirst()))) }
        if let profileName, channel == .whatsapp { form.append(("ProfileName", profileName)) }
        if let buttonPayload { form.append(("ButtonPayload", buttonPayload)) }
        if let buttonText { form.append(("ButtonText", buttonText)) }
        if let repliedSid { form.append(("OriginalRepliedMessageSid", repliedSid)) }
        return form
    }

    /// The form as a request body.
    public static func encode(_ form: [(String, String)]) -> [UInt8] {
        FakeForm.encode(form)
    }
}
