import DjobeaDomain
import DjobeaGateway
import DjobeaGatewayFakes
import DjobeaReplication
import DjobeaTestSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import DjobeaServer
@testable import DjobeaStore

/// The client message gateway end to end in one process: messages queued the way the product queues them, sent by
/// the real drivers over HTTP to the fakes of WhatsApp Cloud and Twilio, and the services' webhooks posted to central
/// over real sockets.
@Suite("Gateway: client messages over HTTP", .serialized)
struct GatewayMessagesTests {
    typealias PassReport = ClientMessageGateway.PassReport

    @Test("an acceptance leaves once, as template demande_acceptee in French with our id; the row becomes sent with the wamid")
    func acceptanceSentOnce() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            let (_, id) = try await world.accepted(client: world.awa, by: world.providerA)
            #expect(try world.status(id) == "queued")
            let gateway = world.gateway(fake)
            let report = await gateway.deliverPending()
            #expect(report.sent == 1 && report.retried == 0 && report.failed == 0 && report.deferred == 0)
            try #require(fake.accepted.count == 1)
            let sent = fake.accepted[0]
            #expect(sent.to == GatewayWorld.awaPhone && sent.type == "template" && sent.templateName == "demande_acceptee")
            #expect(sent.parameters == ["Awa", "Fuite sous l'évier", "Jean Kouam"])
            #expect(sent.bizOpaqueCallbackData == id)
            let template = try #require(fake.requests.last?.json?["template"] as? [String: Any])
            #expect((template["language"] as? [String: Any])?["code"] as? String == "fr")
            let row = try world.message(id)
            #expect(row["delivery_status"] as String == "sent" && row["external_id"] as String? == sent.id)
            #expect(row["channel"] as String == "whatsapp" && row["status_at"] as String? != nil)
            // Nothing left to do: a second pass calls nobody.
            #expect(await gateway.deliverPending() == PassReport())
            #expect(fake.requests.count == 1)
        }
    }

    @Test("inside the client's 24-hour window a quick reply goes as free text; outside it, as template message_prestataire")
    func windowDecidesTextOrTemplate() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            let services = try await world.services(driver: .whatsappCloud, environment: GatewayWorld.cloudEnvironment(fake))
            let (awaRequest, _) = try await world.accepted(client: world.awa, by: world.providerA)
            let (ericRequest, _) = try await world.accepted(client: world.eric, by: world.providerB, title: "Prise qui grésille")
            #expect(await services.messages.deliverPending().sent == 2)
            // Awa writes to us on WhatsApp: her window opens.
            try await world.application(services).test(.live) { client in
                let body = MetaWebhookFixtures.inboundTextBody(from: GatewayWorld.awaPhone, text: "Je suis à la maison", timestamp: Webhooks.now)
                let response = try await Webhooks.meta(client, body)
                #expect(response.status == .ok)
            }
            #expect(try world.count("SELECT count(*) FROM messages WHERE direction = 'in' AND request_id = ?", [awaRequest]) == 1)
            let inside = try await world.say(quickReply: "arrive_15min", on: awaRequest, by: world.providerA)
            let outside = try await world.say(quickReply: "arrive_15min", on: ericRequest, by: world.providerB)
            let report = await services.messages.deliverPending()
            #expect(report.sent == 2 && report.failed == 0 && report.deferred == 0)
            let free = try #require(fake.accepted.first { $0.bizOpaqueCallbackData == inside })
            #expect(free.type == "text" && free.templateName == nil && free.text == "J'arrive dans 15 minutes" && free.to == GatewayWorld.awaPhone)
            let template = try #require(fake.accepted.first { $0.bizOpaqueCallbackData == outside })
            #expect(template.type == "template" && template.templateName == "message_prestataire" && template.to == GatewayWorld.ericPhone)
            #expect(template.parameters == ["Paul Ebogo", "Prise qui grésille", "J'arrive dans 15 minutes"])
            #expect(try world.status(inside) == "sent" && world.status(outside) == "sent")
        }
    }

    @Test("a provider's text on several lines outside the window still goes as a valid template (no newline or tab in a parameter)")
    func multilineTextInTemplate() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            let (request, _) = try await world.accepted(client: world.eric, by: world.providerB, title: "Prise qui grésille")
            let text = "Bonjour Eric,\n\nJ'arrive      vers 15 h.\tMerci"
            let id = try await world.say(text, on: request, by: world.providerB)
            let gateway = world.gateway(fake)
            let report = await gateway.deliverPending()
            #expect(report.sent == 2 && report.failed == 0)
            let sent = try #require(fake.accepted.first { $0.bizOpaqueCallbackData == id })
            #expect(sent.templateName == "message_prestataire" && sent.parameters.count == 3)
            let parameter = sent.parameters.last ?? ""
            #expect(parameter.contains("Bonjour Eric") && parameter.contains("vers 15 h") && parameter.contains("Merci"))
            #expect(!parameter.contains("\n") && !parameter.contains("\t") && !parameter.contains("     "))
            #expect(try world.status(id) == "sent")
        }
    }

    @Test("an SMS from the client does not open the WhatsApp window: the next WhatsApp message is still a template")
    func smsDoesNotOpenWhatsAppWindow() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            try await FakeTwilio.with { twilio in
                let environment = GatewayWorld.cloudEnvironment(fake).merging(twilio.environment()) { $1 }
                let services = try await world.services(driver: .whatsappCloud, environment: environment)
                let (request, _) = try await world.accepted(client: world.awa, by: world.providerA)
                #expect(await services.messages.deliverPending().sent == 1)
                // Awa answers by SMS, to the SMS number.
                try await world.application(services).test(.live) { client in
                    let form = TwilioWebhookFixtures.inboundForm(
                        from: GatewayWorld.awaPhone, to: "+14155238887", channel: .sms, body: "Je suis là", accountSid: twilio.accountSid)
                    let response = try await Webhooks.twilio(client, form, authToken: twilio.authToken)
                    #expect(response.status == .ok)
                }
                #expect(
                    try world.count("SELECT count(*) FROM messages WHERE direction = 'in' AND channel = 'sms' AND request_id = ?", [request]) == 1)
                let reply = try await world.say(quickReply: "arrive_15min", on: request, by: world.providerA)
                #expect(await services.messages.deliverPending().sent == 1)
                // WhatsApp refuses free text outside its own 24-hour window (error 131047): it must be the template.
                let sent = try #require(fake.accepted.first { $0.bizOpaqueCallbackData == reply })
                #expect(sent.type == "template" && sent.templateName == "message_prestataire")
                #expect(sent.parameters == ["Jean Kouam", "Fuite sous l'évier", "J'arrive dans 15 minutes"])
            }
        }
    }

    @Test("webhooks over HTTP: statuses move forward only, a bad signature changes nothing, verification, replays, size limit")
    func statusWebhooks() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            let services = try await world.services(driver: .whatsappCloud, environment: GatewayWorld.cloudEnvironment(fake))
            let (request, id) = try await world.accepted(client: world.awa, by: world.providerA)
            #expect(await services.messages.deliverPending().sent == 1)
            let wamid = try #require(fake.accepted.first?.id)
            try await world.application(services).test(.live) { client in
                // Meta's subscription check.
                let base = "/webhooks/whatsapp-cloud?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token="
                let verified = try await client.execute(uri: base + GatewayWorld.verifyToken, method: .get)
                #expect(verified.status == .ok && String(buffer: verified.body) == "1158201444")
                let refused = try await client.execute(uri: base + "not-our-token", method: .get)
                #expect(refused.status == .forbidden && Webhooks.errorCode(refused) == "invalid_verify_token")
                #expect(!String(buffer: refused.body).contains("1158201444"))

                // A forged "read" is refused and written nowhere.
                func status(_ state: String) -> [UInt8] {
                    MetaWebhookFixtures.statusBody(externalId: wamid, state: state, recipient: GatewayWorld.awaPhone, messageId: id)
                }
                let changes = try world.count("SELECT count(*) FROM change_log")
                let forged = try await Webhooks.meta(client, status("read"), secret: "not-the-app-secret")
                #expect(forged.status == .unauthorized && Webhooks.errorCode(forged) == "invalid_signature")
                let unsigned = try await Webhooks.meta(client, status("read"), signature: "")
                #expect(unsigned.status == .unauthorized)
                #expect(try world.status(id) == "sent" && world.count("SELECT count(*) FROM change_log") == changes)

                // delivered, read, then a delivered that arrives late: the row stays read.
                for (state, expected) in [("delivered", "delivered"), ("read", "read"), ("delivered", "read")] {
                    let response = try await Webhooks.meta(client, status(state))
                    #expect(response.status == .ok, "\(state)")
                    #expect(try world.status(id) == expected, "after \(state)")
                }

                // The same inbound message posted twice (Meta retries) is one row.
                let inbound = MetaWebhookFixtures.inboundTextBody(
                    from: GatewayWorld.awaPhone, externalId: "wamid.INBOUND-REPLAY", text: "Merci, à tout à l'heure", timestamp: Webhooks.now)
                #expect(try await Webhooks.meta(client, inbound).status == .ok)
                #expect(try await Webhooks.meta(client, inbound).status == .ok)
                #expect(
                    try world.count(
                        "SELECT count(*) FROM messages WHERE direction = 'in' AND external_id = 'wamid.INBOUND-REPLAY' AND request_id = ?", [request])
                        == 1)

                // More than 256 KiB, even correctly signed, is refused before being read.
                var big = Array(#"{"object":"whatsapp_business_account","entry":[],"pad":""#.utf8)
                big += [UInt8](repeating: UInt8(ascii: "x"), count: 256 * 1024) + Array(#""}"#.utf8)
                let tooLarge = try await Webhooks.meta(client, big)
                #expect(tooLarge.status == .contentTooLarge && Webhooks.errorCode(tooLarge) == "body_too_large")
            }
            #expect(try world.status(id) == "read")
        }
    }

    @Test("429 twice then 500: the message is retried after Retry-After and backoff, and accepted exactly once")
    func retriesUntilAccepted() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            let (_, id) = try await world.accepted(client: world.awa, by: world.providerA)
            fake.throttleNext(2, retryAfter: 1)
            fake.failNext(1)
            let gateway = world.gateway(fake, settings: GatewayWorld.quickSettings(backoff: 0.2))
            var total = PassReport()
            let deadline = Date().addingTimeInterval(20)
            while total.sent == 0, Date() < deadline {
                let report = await gateway.deliverPending()
                total.sent += report.sent
                total.retried += report.retried
                total.failed += report.failed
                if report.retried > 0 { #expect(try world.status(id) == "queued", "a retried message stays queued") }
                if total.sent == 0 { try await Task.sleep(for: .milliseconds(300)) }
            }
            #expect(total.retried == 3 && total.sent == 1 && total.failed == 0)
            #expect(fake.requests.count == 4 && fake.accepted.count == 1)
            #expect(fake.accepted.first?.bizOpaqueCallbackData == id)
            let requests = fake.requests
            if requests.count == 4 {
                // Retry-After: 1 was honoured although the first backoff is 0.2 s.
                #expect(requests[1].receivedAt.timeIntervalSince(requests[0].receivedAt) >= 0.95)
                #expect(requests[2].receivedAt.timeIntervalSince(requests[1].receivedAt) >= 0.95)
            }
            let row = try world.message(id)
            #expect(row["delivery_status"] as String == "sent" && row["external_id"] as String? == fake.accepted.first?.id)
            #expect(try world.count("SELECT attempts FROM gateway_work WHERE kind = 'message' AND work_key = ?", [id]) == 4)
            #expect(await gateway.deliverPending() == PassReport())
            #expect(fake.requests.count == 4)
        }
    }

    @Test("a message WhatsApp refuses for good (131009, 100) fails with a French reason; the next one still goes in the same pass")
    func poisonDoesNotBlock() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            fake.answerError(131009, for: GatewayWorld.awaPhone)
            fake.answerError(100, for: GatewayWorld.bintaPhone)
            let (_, poisoned) = try await world.accepted(client: world.awa, by: world.providerA)
            let (_, invalid) = try await world.accepted(client: world.binta, by: world.providerA, title: "Chauffe-eau en panne")
            let (_, healthy) = try await world.accepted(client: world.eric, by: world.providerB, title: "Prise qui grésille")
            // One send at a time: the refused ones are in front of the queue.
            var settings = GatewayWorld.quickSettings()
            settings.concurrency = 1
            let gateway = world.gateway(fake, settings: settings)
            let report = await gateway.deliverPending()
            #expect(report.failed == 2 && report.sent == 1 && report.retried == 0)
            for (id, code) in [(poisoned, "131009"), (invalid, "100")] {
                let row = try world.message(id)
                #expect(row["delivery_status"] as String == "failed")
                let reason = row["status_reason"] as String? ?? ""
                #expect(reason.hasPrefix("WhatsApp Cloud a refusé le message") && reason.contains("erreur \(code)"), "\(reason)")
            }
            #expect(try world.status(healthy) == "sent")
            #expect(fake.accepted.map(\.bizOpaqueCallbackData) == [healthy])
            // Failed is final: never tried again.
            let calls = fake.requests.count
            #expect(await gateway.deliverPending() == PassReport())
            #expect(fake.requests.count == calls)
        }
    }

    @Test("no WhatsApp (131026): the essential message goes by SMS through Twilio; a later non-essential one fails")
    func noWhatsAppFallsBackToSMS() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            try await FakeTwilio.with { twilio in
                let environment = GatewayWorld.cloudEnvironment(fake).merging(twilio.environment()) { $1 }
                let services = try await world.services(driver: .whatsappCloud, environment: environment)
                fake.answerError(131026, for: GatewayWorld.awaPhone)
                let (request, id) = try await world.accepted(client: world.awa, by: world.providerA)
                let body: String = try world.message(id)["body"]
                let first = await services.messages.deliverPending()
                #expect(first.smsFallbacks == 1 && first.sent == 0)
                #expect(twilio.accepted.isEmpty && fake.accepted.isEmpty)
                let second = await services.messages.deliverPending()
                #expect(second.sent == 1)
                try #require(twilio.accepted.count == 1)
                let sms = twilio.accepted[0]
                #expect(sms.channel == .sms && sms.to == GatewayWorld.awaPhone && sms.from == "+14155238887" && sms.body == body)
                let row = try world.message(id)
                #expect(row["channel"] as String == "sms" && row["delivery_status"] as String == "sent" && row["external_id"] as String? == sms.sid)
                #expect(try world.count("SELECT count(*) FROM clients WHERE id = ? AND no_whatsapp_at IS NOT NULL", [world.awa]) == 1)

                let later = try world.nonEssential(on: request, provider: world.providerA, client: world.awa)
                let third = await services.messages.deliverPending()
                #expect(third.failed == 1 && third.sent == 0)
                let failed = try world.message(later)
                #expect(failed["delivery_status"] as String == "failed")
                #expect((failed["status_reason"] as String?)?.contains("sans WhatsApp") == true)
                #expect(twilio.accepted.count == 1, "no SMS for a non-essential message")
                #expect(fake.requests.count == 1, "WhatsApp is not tried again for that client")
            }
        }
    }

    @Test("WhatsApp took the message, then its status webhook says 131026: the message goes by SMS; the old status changes nothing")
    func asynchronousNoWhatsAppFallsBackToSMS() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            try await FakeTwilio.with { twilio in
                let environment = GatewayWorld.cloudEnvironment(fake).merging(twilio.environment()) { $1 }
                let services = try await world.services(driver: .whatsappCloud, environment: environment)
                let (_, id) = try await world.accepted(client: world.awa, by: world.providerA)
                #expect(await services.messages.deliverPending().sent == 1)
                let wamid = try #require(fake.accepted.first?.id)
                #expect(try world.status(id) == "sent")
                let failed = MetaWebhookFixtures.statusBody(
                    externalId: wamid, state: "failed", recipient: GatewayWorld.awaPhone, messageId: id, errorCode: 131026,
                    errorTitle: "Message undeliverable")
                try await world.application(services).test(.live) { client in
                    #expect(try await Webhooks.meta(client, failed).status == .ok)
                    let row = try world.message(id)
                    #expect(row["channel"] as String == "sms" && row["delivery_status"] as String == "queued")
                    #expect(try world.count("SELECT count(*) FROM clients WHERE id = ? AND no_whatsapp_at IS NOT NULL", [world.awa]) == 1)

                    let report = await services.messages.deliverPending()
                    #expect(report.sent == 1, "the message must go on by SMS")
                    let sms = try #require(twilio.accepted.first)
                    #expect(sms.channel == .sms && sms.to == GatewayWorld.awaPhone)
                    #expect(try world.status(id) == "sent" && world.message(id)["external_id"] as String? == sms.sid)

                    // Meta repeats the failure of the WhatsApp attempt: it does not speak for the SMS.
                    #expect(try await Webhooks.meta(client, failed).status == .ok)
                    #expect(try world.status(id) == "sent" && world.message(id)["channel"] as String == "sms")
                }
                #expect(await services.messages.deliverPending() == PassReport())
                #expect(twilio.accepted.count == 1 && fake.accepted.count == 1)
            }
        }
    }

    @Test("STOP through the webhook: the client gets no more non-essential messages, essential ones still go")
    func stopOptsOut() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            let services = try await world.services(driver: .whatsappCloud, environment: GatewayWorld.cloudEnvironment(fake))
            let (request, _) = try await world.accepted(client: world.awa, by: world.providerA)
            #expect(await services.messages.deliverPending().sent == 1)
            try await world.application(services).test(.live) { client in
                let stop = MetaWebhookFixtures.inboundTextBody(from: GatewayWorld.awaPhone, text: "STOP", timestamp: Webhooks.now)
                let response = try await Webhooks.meta(client, stop)
                #expect(response.status == .ok)
            }
            #expect(try world.count("SELECT count(*) FROM clients WHERE id = ? AND opted_out_at IS NOT NULL", [world.awa]) == 1)
            let optional = try world.nonEssential(on: request, provider: world.providerA, client: world.awa)
            let essential = try await world.say(quickReply: "arrive_15min", on: request, by: world.providerA)
            let report = await services.messages.deliverPending()
            #expect(report.failed == 1 && report.sent == 1)
            let refused = try world.message(optional)
            #expect(refused["delivery_status"] as String == "failed" && (refused["status_reason"] as String?)?.contains("STOP") == true)
            #expect(try world.status(essential) == "sent")
            #expect(fake.accepted.map(\.bizOpaqueCallbackData).contains(essential) && !fake.accepted.map(\.bizOpaqueCallbackData).contains(optional))
        }
    }

    @Test("two senders at once (a restarted gateway while the old one waits for WhatsApp): the lease lets only one send")
    func leaseKeepsConcurrentSendersApart() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            fake.script { $0.delay = .seconds(1) }
            let (_, id) = try await world.accepted(client: world.awa, by: world.providerA)
            let first = world.gateway(fake)
            let second = world.gateway(fake)
            async let one = first.deliverPending()
            try await Task.sleep(for: .milliseconds(200))
            let other = await second.deliverPending()
            let report = await one
            #expect(report.sent + other.sent == 1 && report.retried + other.retried == 0)
            #expect(fake.requests.count == 1 && fake.accepted.count == 1)
            #expect(try world.status(id) == "sent")
        }
    }

    @Test("WhatsApp Cloud with Twilio for SMS only starts without a Twilio WhatsApp sender (DESIGN: SMS when TWILIO_SMS_FROM is set)")
    func cloudWithTwilioSMSOnly() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            try await FakeTwilio.with { twilio in
                var environment = GatewayWorld.cloudEnvironment(fake).merging(twilio.environment()) { $1 }
                environment["TWILIO_WHATSAPP_FROM"] = nil
                let services = try await world.services(driver: .whatsappCloud, environment: environment)
                _ = services
            }
        }
    }

    @Test("per-number spacing: three messages to one client in one pass, one sent and two deferred; another client is not held up")
    func perNumberSpacing() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            let (request, _) = try await world.accepted(client: world.awa, by: world.providerA)
            _ = try await world.say("Je pars de chez moi", on: request, by: world.providerA)
            _ = try await world.say("Je suis en route", on: request, by: world.providerA)
            let (_, eric) = try await world.accepted(client: world.eric, by: world.providerB, title: "Prise qui grésille")
            let gateway = world.gateway(fake, settings: GatewayWorld.quickSettings(spacing: 5))
            let report = await gateway.deliverPending()
            #expect(report.sent == 2 && report.deferred == 2 && report.failed == 0)
            #expect(fake.accepted.filter { $0.to == GatewayWorld.awaPhone }.count == 1)
            #expect(fake.accepted.contains { $0.bizOpaqueCallbackData == eric })
            #expect(try world.count("SELECT count(*) FROM messages WHERE client_id = ? AND delivery_status = 'queued'", [world.awa]) == 2)
            // Still within the spacing: they wait.
            let again = await gateway.deliverPending()
            #expect(again.sent == 0 && again.deferred == 2)
            #expect(fake.accepted.count == 2)
        }
    }

    @Test("the answer is lost (timeout) but WhatsApp took it: the status webhook with our id reconciles the row; never sent again")
    func lostAnswerReconciledByWebhook() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            let services = try await world.services(driver: .whatsappCloud, environment: GatewayWorld.cloudEnvironment(fake))
            let gateway = world.gateway(fake, settings: GatewayWorld.quickSettings(backoff: 0.5), timeout: .seconds(1))
            fake.script { $0.delay = .seconds(3) }
            let (_, id) = try await world.accepted(client: world.awa, by: world.providerA)
            let first = await gateway.deliverPending()
            #expect(first.retried == 1 && first.sent == 0)
            #expect(try world.status(id) == "queued")
            // WhatsApp took it after all, once its delay was over.
            #expect(try await eventually { fake.accepted.count == 1 })
            let wamid = try #require(fake.accepted.first?.id)
            #expect(fake.accepted.first?.bizOpaqueCallbackData == id)
            try await world.application(services).test(.live) { client in
                let body = MetaWebhookFixtures.statusBody(externalId: wamid, state: "delivered", recipient: GatewayWorld.awaPhone, messageId: id)
                let response = try await Webhooks.meta(client, body)
                #expect(response.status == .ok)
            }
            let row = try world.message(id)
            #expect(row["delivery_status"] as String == "delivered" && row["external_id"] as String? == wamid)
            fake.script { $0.delay = nil }
            try await Task.sleep(for: .seconds(1.5))  // the retry falls due
            #expect(await gateway.deliverPending() == PassReport())
            #expect(fake.requests.count == 1 && fake.accepted.count == 1)
        }
    }

    @Test("the documented duplicate window: answer lost and no status before the retry, the message goes a second time")
    func lostAnswerWithoutWebhookIsSentTwice() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            let gateway = world.gateway(fake, settings: GatewayWorld.quickSettings(backoff: 0.5, lease: 5), timeout: .seconds(1))
            fake.script { $0.delay = .seconds(3) }
            let (_, id) = try await world.accepted(client: world.awa, by: world.providerA)
            #expect(await gateway.deliverPending().retried == 1)
            #expect(try await eventually { fake.accepted.count == 1 })
            fake.script { $0.delay = nil }
            // No answer is not a refusal: the retry waits a lease for a status webhook, not just the backoff.
            #expect(await gateway.deliverPending() == PassReport())
            try await Task.sleep(for: .seconds(3.5))
            let second = await gateway.deliverPending()
            #expect(second.sent == 1)
            #expect(fake.accepted.count == 2 && fake.accepted.allSatisfy { $0.bizOpaqueCallbackData == id })
            let row = try world.message(id)
            #expect(row["delivery_status"] as String == "sent" && row["external_id"] as String? == fake.accepted.last?.id)
            #expect(await gateway.deliverPending() == PassReport())
            #expect(fake.accepted.count == 2)
        }
    }

    @Test("Twilio: status and inbound callbacks through POST /webhooks/twilio, signed over DJOBEA_PUBLIC_URL; a bad signature is 401")
    func twilioWebhooks() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeTwilio.with { twilio in
            let callback = GatewayWorld.publicURL + "/webhooks/twilio"
            let environment = twilio.environment(statusCallbackURL: callback).merging(["DJOBEA_PUBLIC_URL": GatewayWorld.publicURL]) { $1 }
            let services = try await world.services(driver: .twilio, environment: environment)
            let (request, id) = try await world.accepted(client: world.awa, by: world.providerA)
            #expect(await services.messages.deliverPending().sent == 1)
            try #require(twilio.accepted.count == 1)
            let sent = twilio.accepted[0]
            #expect(sent.channel == .whatsapp && sent.contentSid == FakeTwilio.contentSids["demande_acceptee"])
            #expect(try world.message(id)["external_id"] as String? == sent.sid)
            let token = twilio.authToken
            try await world.application(services).test(.live) { client in
                func status(_ state: String) -> [(String, String)] {
                    TwilioWebhookFixtures.statusForm(
                        sid: sent.sid, state: state, to: GatewayWorld.awaPhone, from: "+14155238886", accountSid: twilio.accountSid)
                }
                // Twilio calls back the URL given with the message, which names our message.
                let statusCallback = try #require(sent.statusCallback)
                #expect(statusCallback == callback + "?m=\(id)")
                let query = String(statusCallback.dropFirst(callback.count))
                let delivered = try await Webhooks.twilio(client, status("delivered"), query: query, authToken: token)
                #expect(delivered.status == .ok)
                #expect(try world.status(id) == "delivered")

                let forged = try await Webhooks.twilio(client, status("read"), query: query, authToken: "not-the-auth-token")
                #expect(forged.status == .unauthorized && Webhooks.errorCode(forged) == "invalid_signature")
                // Signed without the query string: not the URL Twilio called.
                let partial = TwilioWebhookFixtures.signature(
                    url: GatewayWorld.publicURL + "/webhooks/twilio", form: status("read"), authToken: token)
                let moved = try await Webhooks.twilio(client, status("read"), query: query, authToken: token, signature: partial)
                #expect(moved.status == .unauthorized)
                #expect(try world.status(id) == "delivered")

                let inbound = TwilioWebhookFixtures.inboundForm(
                    sid: "SM" + String(repeating: "7", count: 32), from: GatewayWorld.awaPhone, body: "D'accord, je vous attends",
                    accountSid: twilio.accountSid)
                let forgedInbound = try await Webhooks.twilio(client, inbound, authToken: "not-the-auth-token")
                #expect(forgedInbound.status == .unauthorized)
                #expect(try world.count("SELECT count(*) FROM messages WHERE direction = 'in'") == 0)
                let received = try await Webhooks.twilio(client, inbound, authToken: token)
                #expect(received.status == .ok && String(buffer: received.body) == "<Response/>")
                #expect(try await Webhooks.twilio(client, inbound, authToken: token).status == .ok)
                let rows = try world.database.readBlocking {
                    try Row.fetchAll($0, sql: "SELECT request_id, channel, body FROM messages WHERE direction = 'in'")
                }
                #expect(rows.count == 1)
                #expect(rows.first?["request_id"] as String? == request && rows.first?["body"] as String? == "D'accord, je vous attends")
                #expect(rows.first?["channel"] as String? == "whatsapp")

                #expect(try await Webhooks.twilio(client, status("read"), query: query, authToken: token).status == .ok)
                #expect(try world.status(id) == "read")
            }
        }
    }

    @Test("one event the schema refuses is skipped and logged; the other events of the same webhook call are applied")
    func poisonEventInABatch() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        _ = try await world.accepted(client: world.awa, by: world.providerA)
        // Something the database refuses for one message only (as a value the schema forbids would).
        try await world.database.writer.write { db in
            try db.execute(
                sql: """
                    CREATE TEMP TRIGGER refuse_poison BEFORE INSERT ON main.messages WHEN NEW.external_id = 'wamid.poison'
                    BEGIN SELECT RAISE(ABORT, 'refused for the test'); END
                    """)
        }
        let controller = WebhookController(storage: world.database, settings: WebhookSettings(), logger: world.logger, onInbound: {})
        try await controller.handle([
            .inbound(InboundEvent(externalId: "wamid.poison", from: GatewayWorld.awaPhone, channel: .whatsapp, text: "Premier")),
            .inbound(InboundEvent(externalId: "wamid.good", from: GatewayWorld.awaPhone, channel: .whatsapp, text: "Second")),
        ])
        #expect(try world.count("SELECT count(*) FROM messages WHERE external_id = 'wamid.good' AND direction = 'in'") == 1)
        #expect(try world.count("SELECT count(*) FROM messages WHERE external_id = 'wamid.poison'") == 0)
    }

    @Test("a webhook event is skipped only when it is refused; a storage failure fails the call, so the service retries")
    func refusedOrFailed() {
        struct ConnectionLost: Error {}
        #expect(WebhookController.refusesEvent(ReplicaConstraintViolation(message: "check"), onSQLite: false))
        #expect(WebhookController.refusesEvent(StoreError.invalid("x"), onSQLite: false))
        #expect(!WebhookController.refusesEvent(ConnectionLost(), onSQLite: false), "PostgreSQL: a lost connection is no refusal")
        #expect(WebhookController.refusesEvent(ConnectionLost(), onSQLite: true), "SQLite: as before, only storage failures fail the call")
        #expect(!WebhookController.refusesEvent(DatabaseError(resultCode: .SQLITE_FULL), onSQLite: true))
        #expect(!WebhookController.refusesEvent(CancellationError(), onSQLite: true))
    }
}
