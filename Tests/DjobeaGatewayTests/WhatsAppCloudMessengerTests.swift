import AsyncHTTPClient
import DjobeaDomain
import DjobeaGatewayFakes
import DjobeaTestSupport
import Foundation
import NIOCore
import Testing

@testable import DjobeaGateway

@Suite("WhatsApp Cloud client messages against the local fake of the Graph API")
struct WhatsAppCloudMessengerTests {
    static let slot = TemplateCall(
        name: "nouveau_creneau", parameters: ["Jean-Paul Mbarga", "Fuite sous l'évier", "mardi 2 décembre entre 9 h et 11 h"],
        quickReplies: ["creneau_oui", "creneau_non"],
        text: WhatsAppTemplates.slotProposal.render(["Jean-Paul Mbarga", "Fuite sous l'évier", "mardi 2 décembre entre 9 h et 11 h"]))

    func messenger(_ fake: FakeWhatsAppCloud, _ client: HTTPClient) -> WhatsAppCloudMessenger {
        WhatsAppCloudMessenger(
            phoneNumberId: fake.phoneNumberId, accessToken: fake.accessToken, baseURL: fake.baseURL, httpClient: client)
    }

    func expectHeaders(_ request: RecordedRequest, _ fake: FakeWhatsAppCloud) {
        #expect(request.method == "POST")
        #expect(request.path == "/v21.0/\(fake.phoneNumberId)/messages")
        #expect(request.headers["authorization"] == "Bearer \(fake.accessToken)")
        #expect(request.headers["content-type"] == "application/json")
    }

    @Test func freeTextGoesAsATextMessageWithOurIdAsCallbackData() async throws {
        try await withHTTPClient { client in
            try await FakeWhatsAppCloud.with { fake in
                let message = ClientOutbound(
                    messageId: "msg_01", to: "+237699000001", channel: .whatsapp, content: .text("Bonjour Awa,\nà demain 9 h !"))
                let receipt = try await messenger(fake, client).send(message)
                #expect(receipt.externalId.hasPrefix("wamid."))
                #expect(fake.accepted.map(\.id) == [receipt.externalId])
                let request = try #require(fake.requests.first)
                expectHeaders(request, fake)
                #expect(
                    request.text
                        == #"{"biz_opaque_callback_data":"msg_01","messaging_product":"whatsapp","recipient_type":"individual","#
                        + #""text":{"body":"Bonjour Awa,\nà demain 9 h !","preview_url":false},"to":"237699000001","type":"text"}"#)
            }
        }
    }

    @Test("a quote's template carries its PDF in a document header: the client page's link with /pdf, named after the number")
    func aQuoteCarriesItsPDFAsADocumentHeader() async throws {
        let parameters = ["Awa", "D-2026-0003", "Jean Kouam", "Fuite", "20 500 FCFA", "21/12/2026", "https://djobea.cm/c/AbCdEfGhIjKlMnOpQrStUvWx"]
        let template = WhatsAppTemplates.quoteSent
        let document = try #require(template.documentFor(parameters))
        #expect(document.link == "https://djobea.cm/c/AbCdEfGhIjKlMnOpQrStUvWx/pdf" && document.filename == "D-2026-0003.pdf")
        #expect(WhatsAppTemplates.paymentRequest.documentFor(["a", "b", "c", "d"]) == nil, "a template without a document header")
        let call = TemplateCall(
            name: template.name, parameters: parameters, text: template.render(parameters),
            document: DocumentAttachment(link: document.link, filename: document.filename))
        try await withHTTPClient { client in
            try await FakeWhatsAppCloud.with { fake in
                let message = ClientOutbound(messageId: "msg_q", to: "+237677123456", channel: .whatsapp, content: .template(call))
                _ = try await messenger(fake, client).send(message)
                let json = try #require(fake.requests.first?.json)
                let components = try #require((json["template"] as? [String: Any])?["components"] as? [[String: Any]])
                #expect(components.first?["type"] as? String == "header")
                let header = try #require((components.first?["parameters"] as? [[String: Any]])?.first)
                #expect(header["type"] as? String == "document")
                #expect((header["document"] as? [String: String]) == ["link": document.link, "filename": "D-2026-0003.pdf"])
                #expect(fake.accepted.first?.documentLink == document.link && fake.accepted.first?.parameters == parameters)
            }
        }
    }

    @Test func aTemplateCarriesItsBodyParametersAndOneQuickReplyButtonPerPayload() async throws {
        try await withHTTPClient { client in
            try await FakeWhatsAppCloud.with { fake in
                let message = ClientOutbound(messageId: "msg_02", to: "+237677123456", channel: .whatsapp, content: .template(Self.slot))
                let receipt = try await messenger(fake, client).send(message)
                let request = try #require(fake.requests.first)
                expectHeaders(request, fake)
                let expected = jsonObject(
                    """
                    {"messaging_product":"whatsapp","recipient_type":"individual","to":"237677123456","type":"template",
                     "template":{"name":"nouveau_creneau","language":{"code":"fr"},"components":[
                       {"type":"body","parameters":[{"type":"text","text":"Jean-Paul Mbarga"},{"type":"text","text":"Fuite sous l'évier"},
                                                    {"type":"text","text":"mardi 2 décembre entre 9 h et 11 h"}]},
                       {"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"creneau_oui"}]},
                       {"type":"button","sub_type":"quick_reply","index":"1","parameters":[{"type":"payload","payload":"creneau_non"}]}]},
                     "biz_opaque_callback_data":"msg_02"}
                    """)
                #expect(expected != nil)
                #expect(request.json.map { NSDictionary(dictionary: $0) } == expected, "\(request.text)")
                #expect(
                    fake.accepted == [
                        .init(
                            id: receipt.externalId, to: "+237677123456", type: "template", text: nil, templateName: "nouveau_creneau",
                            parameters: Self.slot.parameters, quickReplies: ["creneau_oui", "creneau_non"],
                            bizOpaqueCallbackData: "msg_02")
                    ])
            }
        }
    }

    @Test func templateParametersLoseNewlinesTabsAndLongSpaceRuns() async throws {
        #expect(TemplateParameter.normalised("Pouvez-vous\nm'envoyer\r\nune photo ?") == "Pouvez-vous m'envoyer une photo ?")
        #expect(TemplateParameter.normalised("a\tb") == "a b")
        #expect(TemplateParameter.normalised("a    b") == "a    b")
        #expect(TemplateParameter.normalised("a     b") == "a b")
        #expect(TemplateParameter.normalised("  \n ") == "-")
        #expect(TemplateParameter.normalised(" fin \n") == "fin")
        try await withHTTPClient { client in
            try await FakeWhatsAppCloud.with { fake in
                let call = TemplateCall(
                    name: "message_prestataire", parameters: ["Jean-Paul", "Fuite", "Ligne 1\nLigne 2\t\tfin      !"], text: "…")
                _ = try await messenger(fake, client).send(
                    ClientOutbound(messageId: "msg_03", to: "+237699000001", channel: .whatsapp, content: .template(call)))
                #expect(fake.accepted.first?.parameters == ["Jean-Paul", "Fuite", "Ligne 1 Ligne 2 fin !"])
            }
        }
    }

    @Test func throttlingAndOutagesAreTransientWithTheServiceHint() async throws {
        try await withHTTPClient { client in
            try await FakeWhatsAppCloud.with { fake in
                let cloud = messenger(fake, client)
                let message = ClientOutbound(messageId: "msg_04", to: "+237699000001", channel: .whatsapp, content: .text("Bonjour"))
                fake.throttleNext(1, retryAfter: 7)
                let throttled = await sendError { _ = try await cloud.send(message) }
                #expect(throttled?.isTransient == true)
                #expect(throttled?.retryAfter == 7)
                #expect(throttled?.description.contains("HTTP 429, erreur 130429") == true)

                fake.failNext(2)
                for _ in 0..<2 {
                    let outage = await sendError { _ = try await cloud.send(message) }
                    #expect(outage?.isTransient == true)
                    #expect(outage?.retryAfter == nil)
                    #expect(outage?.description.contains("HTTP 500, erreur 131000") == true)
                }
                _ = try await cloud.send(message)
                #expect(fake.requests.count == 4)
                #expect(fake.accepted.count == 1)
            }
        }
    }

    @Test func aNumberWithoutWhatsAppIsReportedAsSuch() async throws {
        try await withHTTPClient { client in
            try await FakeWhatsAppCloud.with { fake in
                fake.answerError(131026, for: "+237600000026")
                let error = await sendError {
                    _ = try await messenger(fake, client).send(
                        ClientOutbound(messageId: "m", to: "+237600000026", channel: .whatsapp, content: .template(Self.slot)))
                }
                #expect(error?.isNotOnWhatsApp == true, "\(String(describing: error))")
                #expect(error?.description.contains("Message undeliverable") == true)
            }
        }
    }

    @Test func anInvalidParameterIsPermanentAndQuotesMeta() async throws {
        try await withHTTPClient { client in
            try await FakeWhatsAppCloud.with { fake in
                fake.answerError(131009, for: "+237600000000")
                let error = await sendError {
                    _ = try await messenger(fake, client).send(
                        ClientOutbound(messageId: "m", to: "+237600000000", channel: .whatsapp, content: .text("Bonjour")))
                }
                #expect(error?.code == "whatsapp_131009")
                #expect(error?.description.hasPrefix("WhatsApp Cloud a refusé le message (HTTP 400, erreur 131009)") == true)
                #expect(error?.description.contains("« (#131009) Parameter value is not valid »") == true)

                fake.answerError(100, for: "+237600000000")
                let invalid = await sendError {
                    _ = try await messenger(fake, client).send(
                        ClientOutbound(messageId: "m", to: "+237600000000", channel: .whatsapp, content: .text("Bonjour")))
                }
                #expect(invalid?.code == "whatsapp_100")
            }
        }
    }

    @Test func aBadTokenAndAWrongParameterCountArePermanent() async throws {
        try await withHTTPClient { client in
            try await FakeWhatsAppCloud.with { fake in
                let wrongToken = WhatsAppCloudMessenger(
                    phoneNumberId: fake.phoneNumberId, accessToken: "expired", baseURL: fake.baseURL, httpClient: client)
                let message = ClientOutbound(messageId: "m", to: "+237699000001", channel: .whatsapp, content: .text("Bonjour"))
                let expiredToken = await sendError { _ = try await wrongToken.send(message) }
                #expect(expiredToken?.code == "whatsapp_190")

                let short = TemplateCall(name: "demande_acceptee", parameters: ["Awa"], text: "Bonjour Awa")
                let error = await sendError {
                    _ = try await messenger(fake, client).send(
                        ClientOutbound(messageId: "m", to: "+237699000001", channel: .whatsapp, content: .template(short)))
                }
                #expect(error?.code == "whatsapp_132000")
                #expect(fake.accepted.isEmpty)
            }
        }
    }

    @Test func perRecipientAndGlobalRateLimitsAreTransient() async throws {
        try await withHTTPClient { client in
            try await FakeWhatsAppCloud.with { fake in
                let cloud = messenger(fake, client)
                fake.script { $0.perRecipientInterval = .seconds(60) }
                let first = ClientOutbound(messageId: "m1", to: "+237699000001", channel: .whatsapp, content: .text("Un"))
                _ = try await cloud.send(first)
                let pair = await sendError { _ = try await cloud.send(first) }
                #expect(pair?.isTransient == true)
                #expect(pair?.description.contains("erreur 131056") == true)
                #expect(pair?.retryAfter == 1)
                _ = try await cloud.send(ClientOutbound(messageId: "m2", to: "+237699000002", channel: .whatsapp, content: .text("Deux")))

                fake.reset()
                fake.script {
                    $0.globalPerSecond = 2
                    $0.globalWindow = .seconds(60)
                }
                for index in 0..<2 {
                    _ = try await cloud.send(
                        ClientOutbound(messageId: "g\(index)", to: "+23769900010\(index)", channel: .whatsapp, content: .text("x")))
                }
                let global = await sendError {
                    _ = try await cloud.send(ClientOutbound(messageId: "g3", to: "+237699000109", channel: .whatsapp, content: .text("x")))
                }
                #expect(global?.isTransient == true)
                #expect(global?.description.contains("erreur 130429") == true)
            }
        }
    }

    @Test func aSlowAnswerCanBeWaitedForOrTimedOut() async throws {
        try await withHTTPClient { client in
            try await FakeWhatsAppCloud.with { fake in
                fake.script { $0.delay = .milliseconds(600) }
                let impatient = WhatsAppCloudMessenger(
                    phoneNumberId: fake.phoneNumberId, accessToken: fake.accessToken, baseURL: fake.baseURL, httpClient: client,
                    timeout: .milliseconds(150))
                let message = ClientOutbound(messageId: "slow", to: "+237699000001", channel: .whatsapp, content: .text("Bonjour"))
                let error = await sendError { _ = try await impatient.send(message) }
                // The request left: the service may have taken it, so the outcome is unknown, not a plain retry.
                #expect(error?.isUnknownOutcome == true)
                #expect(error?.description.hasPrefix("WhatsApp Cloud : pas de réponse") == true)
                let receipt = try await messenger(fake, client).send(message)
                #expect(receipt.externalId.hasPrefix("wamid."))
            }
        }
    }

    @Test func aRefusedConnectionIsTransient() async throws {
        try await withHTTPClient { client in
            let cloud = WhatsAppCloudMessenger(
                phoneNumberId: "1", accessToken: "t", baseURL: unreachableURL, httpClient: client, timeout: .milliseconds(500))
            let error = await sendError {
                _ = try await cloud.send(ClientOutbound(messageId: "m", to: "+237699000001", channel: .whatsapp, content: .text("x")))
            }
            #expect(error?.isTransient == true)
            #expect(error?.description.hasPrefix("WhatsApp Cloud injoignable : ") == true)
        }
    }

    @Test func errorAnswersAreClassifiedByStatusAndCode() {
        func classify(_ status: Int, _ body: String, retryAfter: TimeInterval? = nil) -> ClientSendError {
            WhatsAppCloudMessenger.error(GatewayHTTP.Reply(status: status, retryAfter: retryAfter, body: Data(body.utf8)))
        }
        #expect(classify(503, "<html>down</html>").isTransient)
        #expect(classify(408, "").isTransient)
        #expect(classify(400, #"{"error":{"message":"pair","code":131056}}"#).isTransient)
        #expect(classify(400, #"{"error":{"message":"spam","code":131048}}"#).isTransient)
        #expect(classify(400, #"{"error":{"message":"x","code":80007}}"#, retryAfter: 30).retryAfter == 30)
        #expect(classify(400, #"{"error":{"message":"undeliverable","code":131026}}"#).isNotOnWhatsApp)
        #expect(classify(404, #"{"error":{"message":"(#132001) Template name does not exist","code":132001}}"#).code == "whatsapp_132001")
        #expect(classify(403, "").code == "whatsapp_http_403")
    }

    @Test func retryAfterReadsSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 1_764_000_000)
        #expect(GatewayHTTP.retryAfter("12", now: now) == 12)
        #expect(GatewayHTTP.retryAfter(" 0 ", now: now) == 0)
        #expect(GatewayHTTP.retryAfter(nil, now: now) == nil)
        #expect(GatewayHTTP.retryAfter("bientôt", now: now) == nil)
        // 1_764_000_000 is Mon, 24 Nov 2025 16:00:00 GMT.
        #expect(GatewayHTTP.retryAfter("Mon, 24 Nov 2025 16:00:30 GMT", now: now) == 30)
        #expect(GatewayHTTP.retryAfter("Mon, 24 Nov 2025 15:00:00 GMT", now: now) == 0)
    }

    @Test func theEnvironmentNamesTheMissingOrInvalidVariable() throws {
        let client = HTTPClient.shared
        #expect(
            throws: GatewaySettingError(
                line: "Configuration manquante : WHATSAPP_CLOUD_PHONE_NUMBER_ID est requis pour les messages clients par WhatsApp Cloud"
                    + " (identifiant du numéro expéditeur dans WhatsApp Manager).")
        ) { try WhatsAppCloudMessenger.fromEnvironment([:], httpClient: client) }
        #expect(
            throws: GatewaySettingError(
                line: "Configuration manquante : WHATSAPP_CLOUD_ACCESS_TOKEN est requis pour les messages clients par WhatsApp Cloud"
                    + " (jeton d'accès de l'API WhatsApp Cloud).")
        ) { try WhatsAppCloudMessenger.fromEnvironment(["WHATSAPP_CLOUD_PHONE_NUMBER_ID": "106540352242922"], httpClient: client) }
        let base = ["WHATSAPP_CLOUD_PHONE_NUMBER_ID": "106540352242922", "WHATSAPP_CLOUD_ACCESS_TOKEN": "EAAG"]
        #expect(throws: GatewaySettingError.self) {
            try WhatsAppCloudMessenger.fromEnvironment(
                ["WHATSAPP_CLOUD_PHONE_NUMBER_ID": "+237699000001", "WHATSAPP_CLOUD_ACCESS_TOKEN": "t"], httpClient: client)
        }
        do {
            _ = try WhatsAppCloudMessenger.fromEnvironment(base.merging(["WHATSAPP_CLOUD_BASE_URL": "graph.facebook.com"]) { $1 }, httpClient: client)
            Issue.record("an URL without scheme was accepted")
        } catch let error as GatewaySettingError {
            #expect(error.line.hasPrefix("Configuration invalide : WHATSAPP_CLOUD_BASE_URL = « graph.facebook.com »"))
        }
        #expect(throws: GatewaySettingError.self) {
            try WhatsAppCloudMessenger.fromEnvironment(base.merging(["WHATSAPP_CLOUD_API_VERSION": "21"]) { $1 }, httpClient: client)
        }
        let cloud = try WhatsAppCloudMessenger.fromEnvironment(base, httpClient: client)
        #expect(cloud.channels == [.whatsapp])
    }

    @Test func theEnvironmentOfTheFakeConfiguresAWorkingDriver() async throws {
        try await withHTTPClient { client in
            try await FakeWhatsAppCloud.with { fake in
                let cloud = try WhatsAppCloudMessenger.fromEnvironment(fake.environment, httpClient: client)
                let receipt = try await cloud.send(
                    ClientOutbound(messageId: "env", to: "+237699000001", channel: .whatsapp, content: .text("Bonjour")))
                #expect(fake.accepted.first?.id == receipt.externalId)
            }
        }
    }
}
