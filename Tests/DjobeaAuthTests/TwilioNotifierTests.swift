import AsyncHTTPClient
import DjobeaDomain
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Logging
import NIOCore
import Testing

@testable import DjobeaAuth

@Suite("Twilio driver against a local fake of the Messages API")
struct TwilioNotifierTests {
    static let accountSid = "AC0123456789abcdef0123456789abcdef"
    static let authToken = "twilio-auth-token-test"
    static let from = "whatsapp:+14155238886"
    static let contentSids = ["otp_login": "HX11111111111111111111111111111111", "otp_password_reset": "HX22222222222222222222222222222222"]
    static let login = OTPMessage.make(purpose: .login, to: "+237699000001", code: "123456", expiry: 300)

    static let created = FakeProviderServer.Reply(
        status: 201,
        body: """
            {"account_sid":"\(accountSid)","api_version":"2010-04-01","body":"","date_created":"Thu, 24 Sep 2026 10:00:00 +0000",\
            "direction":"outbound-api","error_code":null,"error_message":null,"from":"\(from)","messaging_service_sid":null,\
            "num_media":"0","num_segments":"1","price":null,"price_unit":null,"sid":"SM0123456789abcdef0123456789abcdef",\
            "status":"queued","to":"whatsapp:+237699000001","uri":"/2010-04-01/Accounts/\(accountSid)/Messages/SM0123456789abcdef0123456789abcdef.json"}
            """)
    static let invalidNumber = FakeProviderServer.Reply(
        status: 400,
        body: """
            {"code":21211,"message":"The 'To' number whatsapp:+237699000001 is not a valid phone number.",\
            "more_info":"https://www.twilio.com/docs/errors/21211","status":400}
            """)
    static let unavailable = FakeProviderServer.Reply(
        status: 503,
        body: """
            {"code":20503,"message":"Service unavailable","more_info":"https://www.twilio.com/docs/errors/20503","status":503}
            """)
    static let tooManyRequests = FakeProviderServer.Reply(
        status: 429,
        body: """
            {"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}
            """)

    func notifier(_ baseURL: URL, _ client: HTTPClient, timeout: TimeAmount = .seconds(15)) -> TwilioNotifier {
        TwilioNotifier(
            accountSid: Self.accountSid, authToken: Self.authToken, from: Self.from, contentSids: Self.contentSids, baseURL: baseURL,
            httpClient: client, timeout: timeout)
    }

    /// Checks everything Twilio needs in one send of a content template.
    func expectTwilioRequest(_ request: FakeProviderServer.Recorded, to phone: String, contentSid: String, variables: [String: String]) {
        #expect(request.method == "POST")
        #expect(request.path == "/2010-04-01/Accounts/\(Self.accountSid)/Messages.json")
        let credentials = request.headers["authorization"].flatMap { header -> String? in
            guard header.hasPrefix("Basic ") else { return nil }
            return Data(base64Encoded: String(header.dropFirst(6))).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(credentials == "\(Self.accountSid):\(Self.authToken)")
        #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
        let fields = request.formFields
        #expect(fields.map(\.0).sorted() == ["ContentSid", "ContentVariables", "From", "To"], "\(request.text)")
        let form = Dictionary(fields, uniquingKeysWith: { first, _ in first })
        #expect(form["To"] == "whatsapp:\(phone)")
        #expect(form["From"] == Self.from)
        #expect(form["ContentSid"] == contentSid)
        let json = form["ContentVariables"].flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: String]
        #expect(json == variables)
        // `+` is sent percent-encoded: a raw `+` in a form means a space.
        #expect(request.text.contains("To=whatsapp%3A\(phone.replacingOccurrences(of: "+", with: "%2B"))"))
    }

    func outboxRow(_ database: NodeDatabase) throws -> Row? {
        try database.readBlocking { db in try Row.fetchOne(db, sql: "SELECT * FROM notification_outbox") }
    }

    @Test func sendsEachOTPTemplateAsAContentTemplate() async throws {
        try await withHTTPClient { client in
            try await FakeProviderServer.with(replies: [Self.created]) { server, url in
                let twilio = notifier(url, client)
                #expect(try await twilio.deliver(Self.login) == "SM0123456789abcdef0123456789abcdef")
                let reset = OTPMessage.make(purpose: .passwordReset, to: "+237677123456", code: "000042", expiry: 600)
                try await twilio.send(reset)

                let requests = server.requests
                try #require(requests.count == 2)
                expectTwilioRequest(
                    requests[0], to: "+237699000001", contentSid: "HX11111111111111111111111111111111", variables: ["1": "123456", "2": "5"])
                expectTwilioRequest(
                    requests[1], to: "+237677123456", contentSid: "HX22222222222222222222222222222222", variables: ["1": "000042", "2": "10"])
            }
        }
    }

    @Test func anInvalidNumberFailsPermanentlyWithoutRetry() async throws {
        try await withHTTPClient { client in
            try await FakeProviderServer.with(replies: [Self.invalidNumber]) { server, url in
                let database = try NodeDatabase.inMemory()
                let clock = FixedClock()
                let queue = WhatsAppQueue(
                    database: database, notifier: notifier(url, client), keys: try TokenKeys(secret: AuthHarness.secret),
                    backoff: .init(initial: 1, maximum: 1), clock: clock.function, logger: Logger(label: "test"))
                try await queue.enqueue(Self.login)
                #expect(await queue.deliverPending() == .init(failed: 1))
                let row = try #require(try outboxRow(database))
                #expect(row["status"] == "failed")
                #expect(row["attempts"] == 1)
                #expect(row["sealed_content"] as String? == nil)
                let error: String = try #require(row["last_error"])
                #expect(error.contains("HTTP 400, erreur 21211"))
                #expect(error.contains("is not a valid phone number"))
                clock.advance(3600)
                #expect(await queue.deliverPending() == .init())
                #expect(server.requests.count == 1)
            }
        }
    }

    @Test func anOutageIsRetriedWithBackoffAndTheMessageGoesOnce() async throws {
        try await withHTTPClient { client in
            try await FakeProviderServer.with(replies: [Self.unavailable, Self.created]) { server, url in
                let database = try NodeDatabase.inMemory()
                let clock = FixedClock()
                let queue = WhatsAppQueue(
                    database: database, notifier: notifier(url, client), keys: try TokenKeys(secret: AuthHarness.secret),
                    backoff: .init(initial: 1, maximum: 1), clock: clock.function, logger: Logger(label: "test"))
                try await queue.enqueue(Self.login)
                #expect(await queue.deliverPending() == .init(retried: 1))
                var row = try #require(try outboxRow(database))
                #expect(row["status"] == "pending")
                #expect(row["attempts"] == 1)
                #expect((row["last_error"] as String?)?.contains("HTTP 503, erreur 20503") == true)
                #expect(row["next_attempt_at"] == UTCTimestamp.format(clock.now.addingTimeInterval(1)))

                clock.advance(1)
                #expect(await queue.deliverPending() == .init(sent: 1))
                row = try #require(try outboxRow(database))
                #expect(row["status"] == "sent")
                #expect(row["attempts"] == 2)
                #expect(row["last_error"] as String? == nil)
                #expect(row["sealed_content"] as String? == nil)
                clock.advance(3600)
                #expect(await queue.deliverPending() == .init())

                let requests = server.requests
                try #require(requests.count == 2)
                #expect(requests[0].body == requests[1].body)
                expectTwilioRequest(
                    requests[1], to: "+237699000001", contentSid: "HX11111111111111111111111111111111", variables: ["1": "123456", "2": "5"])
            }
        }
    }

    @Test func throttlingAndNetworkFailuresAreTransient() async throws {
        try await withHTTPClient { client in
            try await FakeProviderServer.with(replies: [Self.tooManyRequests]) { _, url in
                let error = await notifierError { try await notifier(url, client).send(Self.login) }
                #expect(error?.isPermanent == false)
                #expect(error?.message.contains("HTTP 429, erreur 20429") == true)
            }
            let refused = await notifierError { try await notifier(unreachableURL, client, timeout: .milliseconds(300)).send(Self.login) }
            #expect(refused?.isPermanent == false)
            #expect(refused?.message.hasPrefix("Twilio injoignable") == true)
        }
    }

    @Test func aTemplateWithoutContentSidIsRefusedBeforeSending() async throws {
        try await withHTTPClient { client in
            try await FakeProviderServer.with(replies: [Self.created]) { server, url in
                let other = OutgoingMessage(to: "+237699000001", template: "welcome", variables: [:], body: "Bienvenue")
                let error = await notifierError { try await notifier(url, client).send(other) }
                #expect(error == .permanent("Twilio : aucun ContentSid configuré pour le modèle « welcome »"))
                #expect(server.requests.isEmpty)
            }
        }
    }

    @Test func theEnvironmentNamesTheMissingVariableAndConfiguresTheDriver() async throws {
        var env = [
            "TWILIO_ACCOUNT_SID": Self.accountSid, "TWILIO_AUTH_TOKEN": Self.authToken, "TWILIO_WHATSAPP_FROM": "+14155238886",
            "TWILIO_CONTENT_SID_OTP_LOGIN": "HX11111111111111111111111111111111",
        ]
        #expect(
            throws: NotifierSettingError(
                line: "Configuration manquante : TWILIO_CONTENT_SID_OTP_PASSWORD_RESET est requis avec --notifier twilio"
                    + " (ContentSid HX… du modèle otp_password_reset).")
        ) { try NotifierEnvironment.twilio(env) }
        env["TWILIO_CONTENT_SID_OTP_PASSWORD_RESET"] = "HX22222222222222222222222222222222"
        env["TWILIO_BASE_URL"] = "pas une url"
        #expect(throws: NotifierSettingError.self) { try NotifierEnvironment.twilio(env) }
        try await withHTTPClient { client in
            try await FakeProviderServer.with(replies: [Self.created]) { server, url in
                env["TWILIO_BASE_URL"] = url.absoluteString
                try await NotifierEnvironment.twilio(env, httpClient: client).send(Self.login)
                let request = try #require(server.requests.first)
                expectTwilioRequest(
                    request, to: "+237699000001", contentSid: "HX11111111111111111111111111111111", variables: ["1": "123456", "2": "5"])
            }
        }
    }
}

/// Runs `body` and returns the `NotifierError` it threw (nil if none or another error).
func notifierError(_ body: () async throws -> Void) async -> NotifierError? {
    do {
        try await body()
        return nil
    } catch let error as NotifierError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
