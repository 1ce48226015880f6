import AsyncHTTPClient
import DjobeaDomain
import DjobeaGateway
import DjobeaGatewayFakes
import DjobeaTestSupport
import Foundation
import NIOCore
import Testing

@Suite("The local fakes of WhatsApp Cloud and Twilio")
struct FakeServicesTests {
    @Test func theLoopbackServerRecordsQueryHeadersAndBodyAndStops() async throws {
        try await withHTTPClient { client in
            let server = try await FakeHTTPServer.start { request in
                .json(202, #"{"seen":"\#(request.query["m"] ?? "")"}"#, retryAfter: 3)
            }
            var request = HTTPClientRequest(url: server.baseURL.absoluteString + "/webhooks/twilio?m=msg%2001&x=1")
            request.method = .POST
            request.headers.add(name: "X-Twilio-Signature", value: "abc=")
            request.body = .bytes(ByteBuffer(string: "Body=Oui+%C3%A0+demain"))
            let response = try await client.execute(request, timeout: .seconds(5))
            #expect(response.status.code == 202)
            #expect(response.headers.first(name: "retry-after") == "3")
            let body = try await response.body.collect(upTo: 1024)
            #expect(String(buffer: body) == #"{"seen":"msg 01"}"#)
            await server.stop()

            let again = HTTPClientRequest(url: server.baseURL.absoluteString + "/")
            await #expect(throws: (any Error).self) { _ = try await client.execute(again, timeout: .seconds(2)) }
        }
    }

    @Test func aBusyPortFailsToStartInsteadOfHanging() async throws {
        let first = try await FakeHTTPServer.start { _ in FakeResponse(status: 204) }
        await #expect(throws: FakeServerError.self) { _ = try await FakeHTTPServer.start(port: first.port) { _ in FakeResponse(status: 204) } }
        await first.stop()
    }

    @Test func theTwilioFakeChecksTheVariablesOfOurContentTemplates() async throws {
        try await withHTTPClient { client in
            try await FakeTwilio.with { fake in
                let twilio = try TwilioMessenger.fromEnvironment(fake.environment(), httpClient: client)
                let short = TemplateCall(name: "demande_avis", parameters: ["Awa", "Jean-Paul"], text: "…")
                let error = await sendError {
                    _ = try await twilio.send(ClientOutbound(messageId: "m", to: "+237699000001", channel: .whatsapp, content: .template(short)))
                }
                #expect(error?.code == "twilio_21656")
                #expect(fake.requests.count == 1)
                #expect(fake.accepted.isEmpty)
            }
        }
    }

    @Test func idsLookLikeTheServicesOwn() async throws {
        try await withHTTPClient { client in
            try await FakeTwilio.with { twilioFake in
                try await FakeWhatsAppCloud.with { cloudFake in
                    let message = ClientOutbound(messageId: "m", to: "+237699000001", channel: .whatsapp, content: .text("Bonjour"))
                    let sid = try await TwilioMessenger.fromEnvironment(twilioFake.environment(), httpClient: client).send(message)
                    let wamid = try await WhatsAppCloudMessenger.fromEnvironment(cloudFake.environment, httpClient: client).send(message)
                    #expect(sid.externalId.wholeMatch(of: /SM[0-9a-f]{32}/) != nil, "\(sid.externalId)")
                    #expect(wamid.externalId.wholeMatch(of: /wamid\.[A-Za-z0-9+\/=]{20,}/) != nil, "\(wamid.externalId)")
                    #expect(twilioFake.accountSid.wholeMatch(of: /AC[0-9a-f]{32}/) != nil)
                }
            }
        }
    }

    @Test func aTwilioStatusForASendWhoseAnswerWasLostFindsOurIdInTheCallbackURL() async throws {
        try await withHTTPClient { client in
            try await FakeTwilio.with { fake in
                let env = fake.environment(statusCallbackURL: "https://djobea.example/webhooks/twilio/status")
                fake.script { $0.delay = .milliseconds(500) }
                let impatient = TwilioMessenger(
                    accountSid: fake.accountSid, authToken: fake.authToken, whatsAppFrom: env["TWILIO_WHATSAPP_FROM"],
                    statusCallbackURL: URL(string: env["TWILIO_STATUS_CALLBACK_URL"] ?? ""), baseURL: fake.baseURL, httpClient: client,
                    timeout: .milliseconds(100))
                let lost = await sendError {
                    _ = try await impatient.send(ClientOutbound(messageId: "msg_42", to: "+237699000001", channel: .whatsapp, content: .text("x")))
                }
                #expect(lost?.isUnknownOutcome == true)
                // The fake went on and accepted the message although nobody read its answer.
                var accepted = fake.accepted
                for _ in 0..<50 where accepted.isEmpty {
                    try await Task.sleep(for: .milliseconds(50))
                    accepted = fake.accepted
                }
                let message = try #require(accepted.first)
                let callback = try #require(message.statusCallback)
                #expect(callback == "https://djobea.example/webhooks/twilio/status?m=msg_42")

                let form = TwilioWebhookFixtures.statusForm(sid: message.sid, state: "delivered", to: message.to, from: message.from)
                let header = TwilioWebhookFixtures.signature(url: callback, form: form, authToken: fake.authToken)
                let received = TwilioWebhook.parseForm(TwilioWebhookFixtures.encode(form))
                #expect(TwilioWebhook.verifySignature(url: callback, form: received, header: header, authToken: fake.authToken))
                let query = URLComponents(string: callback)?.queryItems?.reduce(into: [String: String]()) { $0[$1.name] = $1.value } ?? [:]
                #expect(
                    TwilioWebhook.events(form: received, query: query) == [
                        .status(StatusEvent(externalId: message.sid, messageId: "msg_42", state: .delivered))
                    ])
            }
        }
    }

    @Test func aMetaStatusEchoesOurIdFromTheSend() async throws {
        try await withHTTPClient { client in
            try await FakeWhatsAppCloud.with { fake in
                let cloud = try WhatsAppCloudMessenger.fromEnvironment(fake.environment, httpClient: client)
                let receipt = try await cloud.send(
                    ClientOutbound(messageId: "msg_43", to: "+237699000001", channel: .whatsapp, content: .text("Bonjour")))
                let message = try #require(fake.accepted.first)
                let body = MetaWebhookFixtures.statusBody(
                    externalId: message.id, state: "read", recipient: message.to, messageId: message.bizOpaqueCallbackData,
                    timestamp: 1_764_000_000)
                let header = MetaWebhookFixtures.signature(body, appSecret: "app-secret")
                #expect(MetaWebhook.verifySignature(rawBody: body, header: header, appSecret: "app-secret"))
                #expect(
                    try MetaWebhook.events(rawBody: body) == [
                        .status(
                            StatusEvent(
                                externalId: receipt.externalId, messageId: "msg_43", state: .read, at: Date(timeIntervalSince1970: 1_764_000_000)))
                    ])
            }
        }
    }
}
