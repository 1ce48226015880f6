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

@Suite("WhatsApp Cloud driver against a local fake of the Graph API")
struct WhatsAppCloudNotifierTests {
    static let phoneNumberId = "106540352242922"
    static let accessToken = "EAAGtest-access-token"
    static let login = OTPMessage.make(purpose: .login, to: "+237699000001", code: "123456", expiry: 300)

    static let sent = FakeProviderServer.Reply(
        status: 200,
        body: """
            {"messaging_product":"whatsapp","contacts":[{"input":"237699000001","wa_id":"237699000001"}],\
            "messages":[{"id":"wamid.HBgMMjM3Njk5MDAwMDAxFQIAERgSQUJDREVGMDEyMzQ1Njc4OQA="}]}
            """)
    static let badToken = FakeProviderServer.Reply(
        status: 401,
        body: """
            {"error":{"message":"Error validating access token: Session has expired on Tuesday, 22-Sep-26 10:00:00 PDT.",\
            "type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbCdEfGhIjK"}}
            """)
    static let unknownTemplate = FakeProviderServer.Reply(
        status: 404,
        body: """
            {"error":{"message":"(#132001) Template name does not exist in the translation","type":"OAuthException","code":132001,\
            "error_data":{"messaging_product":"whatsapp","details":"template name (otp_login) does not exist in fr"},"fbtrace_id":"A1b2C3"}}
            """)
    static let invalidParameter = FakeProviderServer.Reply(
        status: 400,
        body: """
            {"error":{"message":"(#131009) Parameter value is not valid","type":"OAuthException","code":131009,\
            "error_data":{"messaging_product":"whatsapp","details":"Button at index 0 of type Url requires a parameter"},"fbtrace_id":"Zy9"}}
            """)
    static let unavailable = FakeProviderServer.Reply(
        status: 503,
        body: """
            {"error":{"message":"(#131016) Service unavailable","type":"OAuthException","code":131016,"fbtrace_id":"Svc503"}}
            """)
    static let throttled = FakeProviderServer.Reply(
        status: 429,
        body: """
            {"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"fbtrace_id":"Rl429"}}
            """)
    static let pairRateLimit = FakeProviderServer.Reply(
        status: 400,
        body: """
            {"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException",\
            "code":131056,"fbtrace_id":"Pr400"}}
            """)

    /// Meta's authentication-template message with the copy-code button, as the driver must send it.
    static let expectedBody = """
        {"messaging_product":"whatsapp","recipient_type":"individual","to":"237699000001","type":"template",\
        "template":{"name":"otp_login","language":{"code":"fr"},"components":[\
        {"type":"body","parameters":[{"type":"text","text":"123456"}]},\
        {"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"123456"}]}]}}
        """

    func notifier(_ baseURL: URL, _ client: HTTPClient, timeout: TimeAmount = .seconds(15)) -> WhatsAppCloudNotifier {
        WhatsAppCloudNotifier(
            phoneNumberId: Self.phoneNumberId, accessToken: Self.accessToken, baseURL: baseURL, httpClient: client, timeout: timeout)
    }

    func expectCloudRequest(_ request: FakeProviderServer.Recorded, expected: String = WhatsAppCloudNotifierTests.expectedBody) throws {
        #expect(request.method == "POST")
        #expect(request.path == "/v21.0/\(Self.phoneNumberId)/messages")
        #expect(request.headers["authorization"] == "Bearer \(Self.accessToken)")
        #expect(request.headers["content-type"] == "application/json")
        let body = try #require(request.json, "body is not a JSON object: \(request.text)")
        let wanted = try #require(try JSONSerialization.jsonObject(with: Data(expected.utf8)) as? NSDictionary)
        for key in ["messaging_product", "recipient_type", "to", "type"] {
            #expect(body[key] as? String == wanted[key] as? String, "\(key)")
        }
        let template = try #require(body["template"] as? NSDictionary)
        let wantedTemplate = try #require(wanted["template"] as? NSDictionary)
        #expect(template["name"] as? String == wantedTemplate["name"] as? String)
        #expect(template["language"] as? NSDictionary == wantedTemplate["language"] as? NSDictionary)
        #expect(template["components"] as? NSArray == wantedTemplate["components"] as? NSArray)
        #expect(body == wanted, "\(request.text)")
    }

    func outboxRow(_ database: NodeDatabase) throws -> Row? {
        try database.readBlocking { db in try Row.fetchOne(db, sql: "SELECT * FROM notification_outbox") }
    }

    @Test func sendsAnAuthenticationTemplateWithTheCopyCodeButton() async throws {
        try await withHTTPClient { client in
            try await FakeProviderServer.with(replies: [Self.sent]) { server, url in
                let cloud = notifier(url, client)
                #expect(try await cloud.deliver(Self.login) == "wamid.HBgMMjM3Njk5MDAwMDAxFQIAERgSQUJDREVGMDEyMzQ1Njc4OQA=")
                try await cloud.send(OTPMessage.make(purpose: .passwordReset, to: "+237677123456", code: "000042", expiry: 600))

                let requests = server.requests
                try #require(requests.count == 2)
                try expectCloudRequest(requests[0])
                try expectCloudRequest(
                    requests[1],
                    expected: Self.expectedBody.replacingOccurrences(of: "\"123456\"", with: "\"000042\"")
                        .replacingOccurrences(of: "237699000001", with: "237677123456").replacingOccurrences(
                            of: "otp_login", with: "otp_password_reset"))
            }
        }
    }

    @Test func anExpiredTokenFailsPermanentlyWithoutRetry() async throws {
        try await withHTTPClient { client in
            try await FakeProviderServer.with(replies: [Self.badToken]) { server, url in
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
                let error: String = try #require(row["last_error"])
                #expect(error.contains("HTTP 401, erreur 190/463, OAuthException"))
                #expect(error.contains("Error validating access token"))
                #expect(error.contains("fbtrace_id AbCdEfGhIjK"))
                clock.advance(3600)
                #expect(await queue.deliverPending() == .init())
                #expect(server.requests.count == 1)
            }
        }
    }

    @Test func templateAndParameterErrorsArePermanent() async throws {
        try await withHTTPClient { client in
            for reply in [Self.unknownTemplate, Self.invalidParameter] {
                try await FakeProviderServer.with(replies: [reply]) { server, url in
                    let error = await notifierError { try await notifier(url, client).send(Self.login) }
                    #expect(error?.isPermanent == true, "\(reply.body)")
                    #expect(server.requests.count == 1)
                }
            }
        }
    }

    @Test func anOutageIsRetriedWithBackoffAndTheMessageGoesOnce() async throws {
        try await withHTTPClient { client in
            try await FakeProviderServer.with(replies: [Self.unavailable, Self.sent]) { server, url in
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
                #expect((row["last_error"] as String?)?.contains("HTTP 503, erreur 131016") == true)

                clock.advance(1)
                #expect(await queue.deliverPending() == .init(sent: 1))
                row = try #require(try outboxRow(database))
                #expect(row["status"] == "sent")
                #expect(row["attempts"] == 2)
                #expect(row["last_error"] as String? == nil)
                clock.advance(3600)
                #expect(await queue.deliverPending() == .init())

                let requests = server.requests
                try #require(requests.count == 2)
                #expect(requests[0].body == requests[1].body)
                try expectCloudRequest(requests[1])
            }
        }
    }

    @Test func rateLimitsAndNetworkFailuresAreTransient() async throws {
        try await withHTTPClient { client in
            for reply in [Self.throttled, Self.pairRateLimit] {
                try await FakeProviderServer.with(replies: [reply]) { _, url in
                    let error = await notifierError { try await notifier(url, client).send(Self.login) }
                    #expect(error?.isPermanent == false, "\(reply.body)")
                }
            }
            let refused = await notifierError { try await notifier(unreachableURL, client, timeout: .milliseconds(300)).send(Self.login) }
            #expect(refused?.isPermanent == false)
            #expect(refused?.message.hasPrefix("WhatsApp Cloud injoignable") == true)
        }
    }

    @Test func theEnvironmentNamesTheMissingVariableAndConfiguresTheDriver() async throws {
        var env = ["WHATSAPP_CLOUD_PHONE_NUMBER_ID": Self.phoneNumberId]
        #expect(
            throws: NotifierSettingError(
                line: "Configuration manquante : WHATSAPP_CLOUD_ACCESS_TOKEN est requis avec --notifier whatsapp-cloud"
                    + " (jeton d'accès de l'API WhatsApp Cloud).")
        ) { try NotifierEnvironment.whatsAppCloud(env) }
        env["WHATSAPP_CLOUD_ACCESS_TOKEN"] = Self.accessToken
        try await withHTTPClient { client in
            try await FakeProviderServer.with(replies: [Self.sent]) { server, url in
                env["WHATSAPP_CLOUD_BASE_URL"] = url.absoluteString
                try await NotifierEnvironment.whatsAppCloud(env, httpClient: client).send(Self.login)
                try expectCloudRequest(try #require(server.requests.first))
            }
        }
    }
}
