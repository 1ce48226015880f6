import Crypto
import DjobeaGateway
import DjobeaGatewayFakes
import Foundation
import Testing

@Suite("WhatsApp Cloud webhooks: signature, subscription check, payload")
struct MetaWebhookTests {
    static let appSecret = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    static let body = Array(#"{"object":"whatsapp_business_account","entry":[]}"#.utf8)

    @Test func theSignatureIsTheHexHMACOfTheRawBody() {
        let header = MetaWebhookFixtures.signature(Self.body, appSecret: Self.appSecret)
        let hex = HMAC<SHA256>.authenticationCode(for: Self.body, using: SymmetricKey(data: Array(Self.appSecret.utf8)))
            .map { String(format: "%02x", $0) }.joined()
        #expect(header == "sha256=" + hex)
        #expect(MetaWebhook.verifySignature(rawBody: Self.body, header: header, appSecret: Self.appSecret))
        #expect(MetaWebhook.verifySignature(rawBody: Self.body, header: "sha256=" + hex.uppercased(), appSecret: Self.appSecret))
        #expect(MetaWebhook.verifySignature(rawBody: Self.body, header: "SHA256=" + hex, appSecret: Self.appSecret))
    }

    @Test func aWrongSecretATamperedBodyOrABadHeaderFail() {
        let header = MetaWebhookFixtures.signature(Self.body, appSecret: Self.appSecret)
        let hex = String(header.dropFirst("sha256=".count))
        #expect(!MetaWebhook.verifySignature(rawBody: Self.body, header: header, appSecret: "another-secret"))
        #expect(!MetaWebhook.verifySignature(rawBody: Self.body + [0x20], header: header, appSecret: Self.appSecret))
        var tampered = Self.body
        tampered[2] ^= 1
        #expect(!MetaWebhook.verifySignature(rawBody: tampered, header: header, appSecret: Self.appSecret))
        #expect(!MetaWebhook.verifySignature(rawBody: Self.body, header: nil, appSecret: Self.appSecret))
        #expect(!MetaWebhook.verifySignature(rawBody: Self.body, header: "", appSecret: Self.appSecret))
        #expect(!MetaWebhook.verifySignature(rawBody: Self.body, header: hex, appSecret: Self.appSecret))
        #expect(!MetaWebhook.verifySignature(rawBody: Self.body, header: "sha1=" + hex, appSecret: Self.appSecret))
        #expect(!MetaWebhook.verifySignature(rawBody: Self.body, header: "sha256=" + hex.dropLast(2), appSecret: Self.appSecret))
        #expect(!MetaWebhook.verifySignature(rawBody: Self.body, header: "sha256=" + hex.dropLast() + "g", appSecret: Self.appSecret))
        #expect(!MetaWebhook.verifySignature(rawBody: Self.body, header: header, appSecret: ""))
    }

    @Test func theSubscriptionCheckEchoesTheChallengeForTheRightToken() {
        let query = ["hub.mode": "subscribe", "hub.verify_token": "jeton-djobea", "hub.challenge": "1158201444"]
        #expect(MetaWebhook.verificationAnswer(query: query, verifyToken: "jeton-djobea") == "1158201444")
        #expect(MetaWebhook.verificationAnswer(query: query, verifyToken: "jeton-djobeA") == nil)
        #expect(MetaWebhook.verificationAnswer(query: query, verifyToken: "jeton") == nil)
        #expect(MetaWebhook.verificationAnswer(query: query, verifyToken: "") == nil)
        #expect(MetaWebhook.verificationAnswer(query: query.merging(["hub.mode": "unsubscribe"]) { $1 }, verifyToken: "jeton-djobea") == nil)
        #expect(MetaWebhook.verificationAnswer(query: query.filter { $0.key != "hub.challenge" }, verifyToken: "jeton-djobea") == nil)
    }

    /// A status batch exactly as Meta sends it (sent with pricing, then a failure with its error detail).
    static let statuses = """
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{\
        "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},\
        "statuses":[{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA","status":"delivered","timestamp":"1750263773",\
        "recipient_id":"237699000001","biz_opaque_callback_data":"msg_01","conversation":{"id":"8b3b6d6b1b7b","origin":{"type":"utility"}},\
        "pricing":{"billable":true,"pricing_model":"PMP","category":"utility","type":"regular"}},\
        {"id":"wamid.HBgLMjM3NjAwMDAwMDI2FQIAERgSRkFJTEVE","status":"failed","timestamp":"1750263780","recipient_id":"237600000026",\
        "biz_opaque_callback_data":"msg_02","errors":[{"code":131026,"title":"Message undeliverable",\
        "message":"Message undeliverable","error_data":{"details":"Message Undeliverable."},\
        "href":"https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]},\
        {"id":"wamid.X","status":"read","timestamp":"1750263790","recipient_id":"237699000001"},\
        {"id":"wamid.Y","status":"deleted","timestamp":"1750263791","recipient_id":"237699000001"}]},"field":"messages"}]}]}
        """

    @Test func statusesGiveTheStateOurIdAndTheFailure() throws {
        let events = try MetaWebhook.events(rawBody: Array(Self.statuses.utf8))
        #expect(
            events == [
                .status(
                    StatusEvent(
                        externalId: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA", messageId: "msg_01", state: .delivered,
                        at: Date(timeIntervalSince1970: 1_750_263_773))),
                .status(
                    StatusEvent(
                        externalId: "wamid.HBgLMjM3NjAwMDAwMDI2FQIAERgSRkFJTEVE", messageId: "msg_02", state: .failed,
                        errorCode: "131026", errorText: "Message undeliverable — Message Undeliverable.",
                        at: Date(timeIntervalSince1970: 1_750_263_780))),
                .status(StatusEvent(externalId: "wamid.X", state: .read, at: Date(timeIntervalSince1970: 1_750_263_790))),
            ])
    }

    @Test func theFixtureStatusBodyParsesBack() throws {
        let body = MetaWebhookFixtures.statusBody(
            externalId: "wamid.abc", state: "failed", recipient: "+237699000001", messageId: "msg_9", timestamp: 1_764_000_000,
            errorCode: 131049, errorTitle: "This message was not delivered to maintain healthy ecosystem engagement.")
        #expect(
            try MetaWebhook.events(rawBody: body) == [
                .status(
                    StatusEvent(
                        externalId: "wamid.abc", messageId: "msg_9", state: .failed, errorCode: "131049",
                        errorText: "This message was not delivered to maintain healthy ecosystem engagement.",
                        at: Date(timeIntervalSince1970: 1_764_000_000)))
            ])
    }

    /// An inbound text as Meta sends it, replying to one of our messages.
    static let inboundText = """
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{\
        "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},\
        "contacts":[{"profile":{"name":"Awa Ngono"},"wa_id":"237699000001"}],\
        "messages":[{"context":{"from":"15550783881","id":"wamid.OURS"},"from":"237699000001",\
        "id":"wamid.HBgMMjM3Njk5MDAwMDAxFQIAEhggQTE=","timestamp":"1750263800","type":"text","text":{"body":"Oui, à demain 9 h"}}]},\
        "field":"messages"}]}]}
        """

    @Test func anInboundTextGivesTheNumberWithAPlusTheTextTheReplyAndTheProfile() throws {
        #expect(
            try MetaWebhook.events(rawBody: Array(Self.inboundText.utf8)) == [
                .inbound(
                    InboundEvent(
                        externalId: "wamid.HBgMMjM3Njk5MDAwMDAxFQIAEhggQTE=", from: "+237699000001", channel: .whatsapp,
                        text: "Oui, à demain 9 h", contextExternalId: "wamid.OURS", profileName: "Awa Ngono",
                        at: Date(timeIntervalSince1970: 1_750_263_800)))
            ])
    }

    @Test func buttonsAndInteractiveRepliesGiveTheirPayloadAndTitle() throws {
        let button = MetaWebhookFixtures.inboundButtonBody(
            from: "+237699000001", externalId: "wamid.B", payload: "creneau_oui", title: "1 - J'accepte", contextExternalId: "wamid.T",
            timestamp: 1_764_000_100)
        #expect(
            try MetaWebhook.events(rawBody: button) == [
                .inbound(
                    InboundEvent(
                        externalId: "wamid.B", from: "+237699000001", channel: .whatsapp, text: "1 - J'accepte", buttonPayload: "creneau_oui",
                        contextExternalId: "wamid.T", profileName: "Awa", at: Date(timeIntervalSince1970: 1_764_000_100)))
            ])
        let interactive = MetaWebhookFixtures.inboundInteractiveBody(
            from: "+237699000001", externalId: "wamid.I", id: "note_5", title: "★★★★★", profileName: nil, timestamp: 1_764_000_200)
        #expect(
            try MetaWebhook.events(rawBody: interactive) == [
                .inbound(
                    InboundEvent(
                        externalId: "wamid.I", from: "+237699000001", channel: .whatsapp, text: "★★★★★", buttonPayload: "note_5",
                        at: Date(timeIntervalSince1970: 1_764_000_200)))
            ])
        let text = MetaWebhookFixtures.inboundTextBody(from: "+237699000001", externalId: "wamid.T2", text: "Merci")
        guard case .inbound(let event) = try MetaWebhook.events(rawBody: text).first else {
            Issue.record("no inbound event")
            return
        }
        #expect(event.text == "Merci")
        #expect(event.externalId == "wamid.T2")
    }

    @Test func unknownTypesGiveAnEventWithoutTextAndCaptionsAreRead() throws {
        let sticker = MetaWebhookFixtures.inboundBody(
            message: [
                "from": "237699000001", "id": "wamid.S", "timestamp": "1764000000", "type": "sticker",
                "sticker": ["id": "1234", "mime_type": "image/webp", "animated": false],
            ],
            from: "+237699000001")
        #expect(
            try MetaWebhook.events(rawBody: sticker) == [
                .inbound(
                    InboundEvent(
                        externalId: "wamid.S", from: "+237699000001", channel: .whatsapp, text: nil, profileName: "Awa",
                        at: Date(timeIntervalSince1970: 1_764_000_000)))
            ])
        let image = MetaWebhookFixtures.inboundBody(
            message: [
                "from": "237699000001", "id": "wamid.P", "timestamp": "1764000000", "type": "image",
                "image": ["id": "5678", "mime_type": "image/jpeg", "sha256": "abc", "caption": "La fuite"],
            ],
            from: "+237699000001")
        let events = try MetaWebhook.events(rawBody: image)
        #expect(events.count == 1)
        if case .inbound(let event) = events.first { #expect(event.text == "La fuite") } else { Issue.record("\(events)") }
    }

    @Test func otherFieldsAreSkippedAndBadBodiesRefused() throws {
        let templateUpdate = #"""
            {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"message_template_status_update",\#
            "value":{"event":"APPROVED","message_template_id":12,"message_template_name":"demande_avis","message_template_language":"fr"}}]}]}
            """#
        #expect(try MetaWebhook.events(rawBody: Array(templateUpdate.utf8)).isEmpty)
        #expect(try MetaWebhook.events(rawBody: Array(#"{"object":"whatsapp_business_account"}"#.utf8)).isEmpty)
        #expect(throws: WebhookPayloadError.self) { try MetaWebhook.events(rawBody: Array("{\"object\":".utf8)) }
        #expect(throws: WebhookPayloadError.self) { try MetaWebhook.events(rawBody: Array("[]".utf8)) }
        #expect(throws: WebhookPayloadError.self) { try MetaWebhook.events(rawBody: Array(#"{"object":"page","entry":[]}"#.utf8)) }
        var large = Array(#"{"object":"whatsapp_business_account","entry":[],"pad":""#.utf8)
        large += [UInt8](repeating: UInt8(ascii: "a"), count: MetaWebhook.maximumBodySize)
        large += Array(#""}"#.utf8)
        do {
            _ = try MetaWebhook.events(rawBody: large)
            Issue.record("a body over 256 KiB was read")
        } catch let error as WebhookPayloadError {
            #expect(error.reason.hasPrefix("webhook WhatsApp trop volumineux"))
        }
    }
}
