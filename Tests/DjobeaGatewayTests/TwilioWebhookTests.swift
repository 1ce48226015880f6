import DjobeaGateway
import DjobeaGatewayFakes
import Foundation
import Testing

@Suite("Twilio webhooks: signature, form, status callbacks and inbound messages")
struct TwilioWebhookTests {
    /// Twilio's documented example (auth token `12345`).
    static let docURL = "https://mycompany.com/myapp.php?foo=1&bar=2"
    static func docParams(_ caller: String) -> [(String, String)] {
        [("CallSid", "CA1234567890ABCDE"), ("Caller", caller), ("Digits", "1234"), ("From", caller), ("To", "+18005551212")]
    }

    @Test func twilioDocumentedExamplesVerify() {
        #expect(
            TwilioWebhook.verifySignature(
                url: Self.docURL, form: Self.docParams("+14158675309"), header: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", authToken: "12345"))
        #expect(
            TwilioWebhook.verifySignature(
                url: Self.docURL, form: Self.docParams("+14158675310").reversed(), header: "GvWf1cFY/Q7PnoempGyD5oXAezc=",
                authToken: "12345"))
        #expect(TwilioWebhook.signature(url: Self.docURL, form: Self.docParams("+14158675309"), authToken: "12345") == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        #expect(
            TwilioWebhookFixtures.signature(url: Self.docURL, form: Self.docParams("+14158675309"), authToken: "12345")
                == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    }

    @Test func aWrongTokenATamperedFormOrABadHeaderFail() {
        let form = Self.docParams("+14158675309")
        let good = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        #expect(!TwilioWebhook.verifySignature(url: Self.docURL, form: form, header: good, authToken: "54321"))
        #expect(!TwilioWebhook.verifySignature(url: Self.docURL, form: form + [("Extra", "1")], header: good, authToken: "12345"))
        #expect(!TwilioWebhook.verifySignature(url: Self.docURL, form: Self.docParams("+14158675310"), header: good, authToken: "12345"))
        #expect(!TwilioWebhook.verifySignature(url: Self.docURL + "&baz=3", form: form, header: good, authToken: "12345"))
        #expect(!TwilioWebhook.verifySignature(url: Self.docURL, form: form, header: nil, authToken: "12345"))
        #expect(!TwilioWebhook.verifySignature(url: Self.docURL, form: form, header: "", authToken: "12345"))
        #expect(!TwilioWebhook.verifySignature(url: Self.docURL, form: form, header: "sha1=" + good, authToken: "12345"))
        #expect(!TwilioWebhook.verifySignature(url: Self.docURL, form: form, header: "RSOYDt4T1cUTdK1PDd93/VVr8B8", authToken: "12345"))
        #expect(!TwilioWebhook.verifySignature(url: Self.docURL, form: form, header: good, authToken: ""))
    }

    @Test func formsDecodePlusAsSpaceAndPercentEscapes() {
        let form = TwilioWebhook.parseForm(Array("Body=Oui+%C3%A0+9h%21&From=whatsapp%3A%2B237699000001&Empty=&Flag&=x&Bad=%ZZ".utf8))
        #expect(form.map(\.0) == ["Body", "From", "Empty", "Flag", "", "Bad"])
        #expect(form.map(\.1) == ["Oui à 9h!", "whatsapp:+237699000001", "", "", "x", "%ZZ"])
        let fixture = TwilioWebhookFixtures.inboundForm(sid: "SM1", from: "+237699000001", body: "Oui + non & peut-être")
        #expect(TwilioWebhook.parseForm(TwilioWebhookFixtures.encode(fixture)).map(\.1) == fixture.map(\.1))
    }

    @Test func statusCallbacksGiveTheStateAndOurIdFromTheQuery() {
        func events(_ state: String, errorCode: Int? = nil, query: [String: String] = ["m": "msg_01"]) -> [WebhookEvent] {
            TwilioWebhook.events(
                form: TwilioWebhookFixtures.statusForm(
                    sid: "SM0123456789abcdef0123456789abcdef", state: state, to: "+237699000001", from: "+14155238886", errorCode: errorCode),
                query: query)
        }
        for ignored in ["queued", "sending", "accepted", "scheduled"] { #expect(events(ignored).isEmpty, "\(ignored)") }
        for (state, reported) in [("sent", ReportedState.sent), ("delivered", .delivered), ("read", .read), ("failed", .failed)] {
            #expect(
                events(state) == [.status(StatusEvent(externalId: "SM0123456789abcdef0123456789abcdef", messageId: "msg_01", state: reported))])
        }
        #expect(
            events("undelivered", errorCode: 63016, query: [:]) == [
                .status(StatusEvent(externalId: "SM0123456789abcdef0123456789abcdef", state: .failed, errorCode: "63016"))
            ])
        let sms = TwilioWebhookFixtures.statusForm(
            sid: "SMaa", state: "failed", to: "+237699000001", from: "+14155238887", channel: .sms, errorCode: 30006)
        #expect(
            TwilioWebhook.events(form: sms + [("ErrorMessage", "Landline or unreachable carrier")], query: ["m": "msg_7"]) == [
                .status(
                    StatusEvent(
                        externalId: "SMaa", messageId: "msg_7", state: .failed, errorCode: "30006", errorText: "Landline or unreachable carrier"))
            ])
    }

    @Test func inboundMessagesGiveTheChannelTextButtonAndReply() {
        let text = TwilioWebhookFixtures.inboundForm(sid: "SM1", from: "+237699000001", body: "Bonjour", profileName: "Awa")
        #expect(
            TwilioWebhook.events(form: text, query: [:]) == [
                .inbound(InboundEvent(externalId: "SM1", from: "+237699000001", channel: .whatsapp, text: "Bonjour", profileName: "Awa"))
            ])
        let button = TwilioWebhookFixtures.inboundForm(
            sid: "SM2", from: "+237699000001", body: "1 - J'accepte", buttonPayload: "creneau_oui", buttonText: "1 - J'accepte",
            repliedSid: "SMours", profileName: nil)
        #expect(
            TwilioWebhook.events(form: button, query: [:]) == [
                .inbound(
                    InboundEvent(
                        externalId: "SM2", from: "+237699000001", channel: .whatsapp, text: "1 - J'accepte", buttonPayload: "creneau_oui",
                        contextExternalId: "SMours"))
            ])
        let sms = TwilioWebhookFixtures.inboundForm(sid: "SM3", from: "+237677000002", channel: .sms, body: "STOP")
        #expect(
            TwilioWebhook.events(form: sms, query: [:]) == [
                .inbound(InboundEvent(externalId: "SM3", from: "+237677000002", channel: .sms, text: "STOP"))
            ])
        let media = [("MessageSid", "SM4"), ("From", "whatsapp:+237699000001"), ("Body", ""), ("NumMedia", "1")]
        #expect(
            TwilioWebhook.events(form: media, query: [:]) == [
                .inbound(InboundEvent(externalId: "SM4", from: "+237699000001", channel: .whatsapp, text: nil))
            ])
        #expect(TwilioWebhook.events(form: [("Body", "sans identifiant")], query: [:]).isEmpty)
    }

    @Test func aSignedFixtureVerifiesAgainstTheCallbackURLWithOurId() {
        let url = "https://djobea.example/webhooks/twilio?m=msg_01"
        let form = TwilioWebhookFixtures.statusForm(sid: "SMbb", state: "delivered", to: "+237699000001", from: "+14155238886")
        let header = TwilioWebhookFixtures.signature(url: url, form: form, authToken: "token")
        let parsed = TwilioWebhook.parseForm(TwilioWebhookFixtures.encode(form))
        #expect(TwilioWebhook.verifySignature(url: url, form: parsed, header: header, authToken: "token"))
        #expect(!TwilioWebhook.verifySignature(url: "https://djobea.example/webhooks/twilio", form: parsed, header: header, authToken: "token"))
    }
}
