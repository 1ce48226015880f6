import AsyncHTTPClient
import DjobeaDomain
import DjobeaGatewayFakes
import DjobeaTestSupport
import Foundation
import NIOCore
import Testing

@testable import DjobeaGateway

@Suite("Twilio client messages (WhatsApp and SMS) against the local fake of the Messages API")
struct TwilioMessengerTests {
    static let whatsAppFrom = "whatsapp:+14155238886"
    static let smsFrom = "+14155238887"
    static let callback = URL(string: "https://djobea.example/webhooks/twilio") ?? URL(fileURLWithPath: "/")
    static let acceptance = TemplateCall(
        name: "demande_acceptee", parameters: ["Awa", "Fuite sous l'évier", "Jean-Paul Mbarga"],
        text: WhatsAppTemplates.acceptance.render(["Awa", "Fuite sous l'évier", "Jean-Paul Mbarga"]))

    func messenger(
        _ fake: FakeTwilio, _ client: HTTPClient, whatsAppFrom: String? = TwilioMessengerTests.whatsAppFrom,
        smsFrom: String? = TwilioMessengerTests.smsFrom, callback: URL? = TwilioMessengerTests.callback, timeout: TimeAmount = .seconds(15)
    ) -> TwilioMessenger {
        TwilioMessenger(
            accountSid: fake.accountSid, authToken: fake.authToken, whatsAppFrom: whatsAppFrom, smsFrom: smsFrom,
            contentSids: FakeTwilio.contentSids, statusCallbackURL: callback, baseURL: fake.baseURL, httpClient: client, timeout: timeout)
    }

    func expectHeaders(_ request: RecordedRequest, _ fake: FakeTwilio) {
        #expect(request.method == "POST")
        #expect(request.path == "/2010-04-01/Accounts/\(fake.accountSid)/Messages.json")
        let credentials = request.headers["authorization"].flatMap { header -> String? in
            guard header.hasPrefix("Basic ") else { return nil }
            return Data(base64Encoded: String(header.dropFirst(6))).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(credentials == "\(fake.accountSid):\(fake.authToken)")
        #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
    }

    @Test func whatsAppFreeTextGoesAsABodyWithTheStatusCallbackNamingOurId() async throws {
        try await withHTTPClient { client in
            try await FakeTwilio.with { fake in
                let receipt = try await messenger(fake, client).send(
                    ClientOutbound(messageId: "msg_01", to: "+237699000001", channel: .whatsapp, content: .text("Bonjour Awa & co, à 9 h")))
                #expect(receipt.externalId.hasPrefix("SM") && receipt.externalId.count == 34)
                let request = try #require(fake.requests.first)
                expectHeaders(request, fake)
                #expect(
                    request.text
                        == "To=whatsapp%3A%2B237699000001&From=whatsapp%3A%2B14155238886&Body=Bonjour%20Awa%20%26%20co%2C%20%C3%A0%209%20h"
                        + "&StatusCallback=https%3A%2F%2Fdjobea.example%2Fwebhooks%2Ftwilio%3Fm%3Dmsg_01")
                #expect(fake.accepted.first?.statusCallback == "https://djobea.example/webhooks/twilio?m=msg_01")
                #expect(fake.accepted.first?.sid == receipt.externalId)
            }
        }
    }

    @Test func aWhatsAppTemplateGoesAsContentSidAndNumberedVariables() async throws {
        try await withHTTPClient { client in
            try await FakeTwilio.with { fake in
                _ = try await messenger(fake, client, callback: nil).send(
                    ClientOutbound(messageId: "msg_02", to: "+237677123456", channel: .whatsapp, content: .template(Self.acceptance)))
                let request = try #require(fake.requests.first)
                expectHeaders(request, fake)
                let form = request.form
                #expect(form.map(\.0) == ["To", "From", "ContentSid", "ContentVariables"])
                #expect(form.first { $0.0 == "To" }?.1 == "whatsapp:+237677123456")
                #expect(form.first { $0.0 == "From" }?.1 == Self.whatsAppFrom)
                #expect(form.first { $0.0 == "ContentSid" }?.1 == FakeTwilio.contentSids["demande_acceptee"])
                #expect(
                    form.first { $0.0 == "ContentVariables" }?.1 == #"{"1":"Awa","2":"Fuite sous l'évier","3":"Jean-Paul Mbarga"}"#)
                #expect(fake.accepted.first?.contentVariables == ["1": "Awa", "2": "Fuite sous l'évier", "3": "Jean-Paul Mbarga"])
            }
        }
    }

    @Test("an invoice's template carries its PDF: the media variable after the body's is the PDF's path under /c/")
    func aDocumentTemplateCarriesThePDFAsMedia() async throws {
        let link = "https://djobea.example/c/AbCdEfGhIjKlMnOpQrStUvWxYz012345.019c1311-ce60-719f-9064-b619d49d3539.abcdefghijklmnopqrstuv"
        let call = TemplateCall(
            name: "facture_envoyee", parameters: ["Awa", "Fuite sous l'évier", "F-2026-0001", "20 500 FCFA", link], text: "Bonjour Awa",
            document: DocumentAttachment(link: link + "/pdf", filename: "F-2026-0001.pdf"))
        try await withHTTPClient { client in
            try await FakeTwilio.with { fake in
                _ = try await messenger(fake, client, callback: nil).send(
                    ClientOutbound(messageId: "msg_09", to: "+237677123456", channel: .whatsapp, content: .template(call)))
                let variables = try #require(fake.accepted.first?.contentVariables)
                #expect(variables.count == 6 && variables["5"] == link)
                #expect(variables["6"] == "AbCdEfGhIjKlMnOpQrStUvWxYz012345.019c1311-ce60-719f-9064-b619d49d3539.abcdefghijklmnopqrstuv/pdf")
            }
        }
    }

    @Test func anSMSCarriesTheFrenchTextEvenForATemplate() async throws {
        try await withHTTPClient { client in
            try await FakeTwilio.with { fake in
                let twilio = messenger(fake, client)
                _ = try await twilio.send(
                    ClientOutbound(messageId: "msg_03", to: "+237677123456", channel: .sms, content: .template(Self.acceptance)))
                _ = try await twilio.send(ClientOutbound(messageId: "msg_04", to: "+237677123456", channel: .sms, content: .text("Salut")))
                let forms = fake.requests.map(\.form)
                try #require(forms.count == 2)
                #expect(forms[0].map(\.0) == ["To", "From", "Body", "StatusCallback"])
                #expect(forms[0][0].1 == "+237677123456")
                #expect(forms[0][1].1 == Self.smsFrom)
                #expect(forms[0][2].1 == Self.acceptance.text)
                #expect(forms[0][3].1 == "https://djobea.example/webhooks/twilio?m=msg_03")
                #expect(forms[1][2].1 == "Salut")
                #expect(fake.accepted.map(\.channel) == [.sms, .sms])
            }
        }
    }

    @Test func theChannelsFollowTheConfiguredSenders() async throws {
        let client = HTTPClient.shared
        let base = URL(string: "http://127.0.0.1:1") ?? URL(fileURLWithPath: "/")
        #expect(
            TwilioMessenger(accountSid: "AC1", authToken: "t", whatsAppFrom: "+1", smsFrom: "+2", baseURL: base, httpClient: client).channels == [
                .whatsapp, .sms,
            ])
        #expect(TwilioMessenger(accountSid: "AC1", authToken: "t", whatsAppFrom: "+1", baseURL: base, httpClient: client).channels == [.whatsapp])
        let smsOnly = TwilioMessenger(accountSid: "AC1", authToken: "t", whatsAppFrom: nil, smsFrom: "DJOBEA", baseURL: base, httpClient: client)
        #expect(smsOnly.channels == [.sms])
        let error = await sendError {
            _ = try await smsOnly.send(ClientOutbound(messageId: "m", to: "+237699000001", channel: .whatsapp, content: .text("x")))
        }
        #expect(error?.code == "twilio_channel_unavailable")
    }

    @Test func aTemplateWithoutContentSidNamesTheVariableToSet() async throws {
        let twilio = TwilioMessenger(
            accountSid: "AC1", authToken: "t", whatsAppFrom: "whatsapp:+14155238886", contentSids: [:], baseURL: unreachableURL,
            httpClient: .shared)
        let error = await sendError {
            _ = try await twilio.send(
                ClientOutbound(messageId: "m", to: "+237699000001", channel: .whatsapp, content: .template(Self.acceptance)))
        }
        #expect(error?.code == "twilio_content_sid_missing")
        #expect(error?.description.contains("TWILIO_CONTENT_SID_DEMANDE_ACCEPTEE") == true)
        #expect(error?.description.contains("« demande_acceptee »") == true)
    }

    @Test func aStatusCallbackURLWithAQueryGetsOurIdAppended() {
        let twilio = TwilioMessenger(
            accountSid: "AC1", authToken: "t", whatsAppFrom: "+1",
            statusCallbackURL: URL(string: "https://djobea.example/webhooks/twilio?hub=bonamoussadi"), httpClient: .shared)
        #expect(twilio.statusCallback(messageId: "01 J/x") == "https://djobea.example/webhooks/twilio?hub=bonamoussadi&m=01%20J%2Fx")
    }

    @Test func notOnWhatsAppInvalidNumbersThrottlingAndOutagesAreClassified() async throws {
        try await withHTTPClient { client in
            try await FakeTwilio.with { fake in
                let twilio = messenger(fake, client)
                func send(_ to: String, _ channel: ClientChannel = .whatsapp) async -> ClientSendError? {
                    await sendError { _ = try await twilio.send(ClientOutbound(messageId: "m", to: to, channel: channel, content: .text("x"))) }
                }
                fake.answerError(63003, for: "+237600000026")
                let notOnWhatsApp = await send("+237600000026")
                #expect(notOnWhatsApp?.isNotOnWhatsApp == true)
                #expect(notOnWhatsApp?.description.contains("erreur 63003") == true)

                fake.answerError(21211, for: "+237600000000")
                let invalidNumber = await send("+237600000000")
                #expect(invalidNumber?.code == "twilio_21211")
                fake.answerError(21614, for: "+237600000001")
                let landline = await send("+237600000001", .sms)
                #expect(landline?.code == "twilio_21614")
                #expect(landline?.description.contains("https://www.twilio.com/docs/errors/21614") == true)
                let notE164 = await send("0699000001")
                #expect(notE164?.code == "twilio_21211")

                fake.throttleNext(1, retryAfter: 5)
                let throttled = await send("+237699000001")
                #expect(throttled?.isTransient == true)
                #expect(throttled?.retryAfter == 5)
                fake.failNext(1)
                let outage = await send("+237699000001")
                #expect(outage?.isTransient == true)
                #expect(outage?.description.contains("HTTP 500, erreur 20500") == true)
                let afterOutage = await send("+237699000001")
                #expect(afterOutage == nil)

                fake.script { $0.perRecipientInterval = .seconds(60) }
                let pair = await send("+237699000001")
                #expect(pair?.isTransient == true)
                #expect(pair?.description.contains("erreur 20429") == true)
            }
        }
    }

    @Test func aWrongTokenIsPermanentAndARefusedConnectionTransient() async throws {
        try await withHTTPClient { client in
            try await FakeTwilio.with { fake in
                let wrong = TwilioMessenger(
                    accountSid: fake.accountSid, authToken: "wrong", whatsAppFrom: Self.whatsAppFrom, baseURL: fake.baseURL, httpClient: client)
                let message = ClientOutbound(messageId: "m", to: "+237699000001", channel: .whatsapp, content: .text("x"))
                let wrongToken = await sendError { _ = try await wrong.send(message) }
                #expect(wrongToken?.code == "twilio_20003")
            }
            let down = TwilioMessenger(
                accountSid: "AC1", authToken: "t", whatsAppFrom: Self.whatsAppFrom, baseURL: unreachableURL, httpClient: client,
                timeout: .milliseconds(500))
            let error = await sendError {
                _ = try await down.send(ClientOutbound(messageId: "m", to: "+237699000001", channel: .whatsapp, content: .text("x")))
            }
            #expect(error?.isTransient == true)
            #expect(error?.description.hasPrefix("Twilio injoignable : ") == true)
        }
    }

    @Test func errorAnswersAreClassifiedByStatusAndCode() {
        func classify(_ status: Int, _ body: String) -> ClientSendError {
            TwilioMessenger.error(GatewayHTTP.Reply(status: status, retryAfter: nil, body: Data(body.utf8)))
        }
        #expect(classify(503, "").isTransient)
        #expect(classify(408, "").isTransient)
        #expect(classify(400, #"{"code":63003,"message":"not WhatsApp","status":400}"#).isNotOnWhatsApp)
        #expect(classify(400, #"{"code":21211,"message":"invalid","status":400}"#).code == "twilio_21211")
        #expect(classify(404, "not json").code == "twilio_http_404")
    }

    @Test func theEnvironmentNamesTheMissingOrInvalidVariable() throws {
        let client = HTTPClient.shared
        func line(_ env: [String: String]) -> String? {
            do {
                _ = try TwilioMessenger.fromEnvironment(env, httpClient: client)
                return nil
            } catch let error as GatewaySettingError {
                return error.line
            } catch {
                return "\(error)"
            }
        }
        #expect(
            line([:])
                == "Configuration manquante : TWILIO_ACCOUNT_SID est requis pour les messages clients par Twilio (SID du compte Twilio, AC…).")
        var env = ["TWILIO_ACCOUNT_SID": "AC0123"]
        #expect(line(env)?.hasPrefix("Configuration manquante : TWILIO_AUTH_TOKEN est requis") == true)
        env["TWILIO_AUTH_TOKEN"] = "secret"
        #expect(line(env)?.hasPrefix("Configuration manquante : TWILIO_WHATSAPP_FROM est requis") == true)
        env["TWILIO_WHATSAPP_FROM"] = "whatsapp:14155238886"
        #expect(line(env)?.hasPrefix("Configuration invalide : TWILIO_WHATSAPP_FROM = « whatsapp:14155238886 »") == true)
        env["TWILIO_WHATSAPP_FROM"] = "+14155238886"
        #expect(line(env) == nil)
        #expect(line(env.merging(["TWILIO_ACCOUNT_SID": "SK123"]) { $1 })?.contains("TWILIO_ACCOUNT_SID") == true)
        #expect(line(env.merging(["TWILIO_SMS_FROM": "whatsapp:+1415"]) { $1 })?.contains("TWILIO_SMS_FROM") == true)
        #expect(line(env.merging(["TWILIO_SMS_FROM": "DJOBEA"]) { $1 }) == nil)
        #expect(line(env.merging(["TWILIO_STATUS_CALLBACK_URL": "djobea.example/cb"]) { $1 })?.contains("TWILIO_STATUS_CALLBACK_URL") == true)
        #expect(line(env.merging(["TWILIO_BASE_URL": "ftp://x"]) { $1 })?.contains("TWILIO_BASE_URL") == true)
        #expect(
            line(env.merging(["TWILIO_CONTENT_SID_DEMANDE_AVIS": "demande_avis"]) { $1 })?.hasPrefix(
                "Configuration invalide : TWILIO_CONTENT_SID_DEMANDE_AVIS = « demande_avis »") == true)
        let whatsAppOnly = try TwilioMessenger.fromEnvironment(env, httpClient: client)
        #expect(whatsAppOnly.channels == [.whatsapp])
        #expect(WhatsAppTemplates.all.map { TwilioMessenger.contentSidVariable($0.name) }.contains("TWILIO_CONTENT_SID_NOUVEAU_CRENEAU"))
    }

    @Test func theEnvironmentOfTheFakeConfiguresBothChannelsAndEveryTemplate() async throws {
        try await withHTTPClient { client in
            try await FakeTwilio.with { fake in
                let twilio = try TwilioMessenger.fromEnvironment(
                    fake.environment(statusCallbackURL: "https://djobea.example/webhooks/twilio"), httpClient: client)
                #expect(twilio.channels == [.whatsapp, .sms])
                for template in WhatsAppTemplates.all {
                    let call = TemplateCall(
                        name: template.name, parameters: template.examples, quickReplies: template.quickReplies.map(\.payload),
                        text: template.render(template.examples),
                        document: template.documentFor(template.examples).map { DocumentAttachment(link: $0.link, filename: $0.filename) })
                    _ = try await twilio.send(
                        ClientOutbound(messageId: template.name, to: "+237699000001", channel: .whatsapp, content: .template(call)))
                }
                #expect(fake.accepted.map(\.contentSid) == WhatsAppTemplates.all.map { FakeTwilio.contentSids[$0.name] })
                #expect(fake.accepted.map(\.statusCallback) == WhatsAppTemplates.all.map { "https://djobea.example/webhooks/twilio?m=\($0.name)" })
            }
        }
    }
}
