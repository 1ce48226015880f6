import DjobeaDomain
import DjobeaGateway
import DjobeaGatewayFakes
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The black-box acceptance on `djobea demo`: a message to the client when a request is accepted, a client's
/// signed WhatsApp reply at the hub, and a Web Push for a new offer, each within 60 s.
@Suite("The gateway on the demo, black box", .serialized)
struct GatewayDemoTests {
    typealias P = NodeProcess

    static func hubValue(_ directory: URL, _ sql: String, _ arguments: [String] = []) throws -> String? {
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("djobea.sqlite").path, configuration: P.readOnly)
        return try queue.read { db in try String.fetchOne(db, sql: sql, arguments: StatementArguments(arguments)) }
    }

    static func messages(_ hub: String, _ request: String, bearer: [String: String]) async throws -> [ProviderRequestDetail.Message] {
        let detail = try await P.send("GET", "\(hub)/provider/requests/\(request)", headers: bearer)
        return detail.decoded(ProviderRequestDetail.self)?.messages ?? []
    }

    static func postWebhook(_ url: String, body: [UInt8], signature: String) async throws -> Int {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(signature, forHTTPHeaderField: "X-Hub-Signature-256")
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    @Test(
        "accept → the client's message in the gateway outbox and shown sent; a signed reply at the hub, a forged one refused; a push for a new offer")
    func demoLoop() async throws {
        let directory = try temporaryDirectory("gateway-demo")
        defer { try? FileManager.default.removeItem(at: directory) }
        let centralDir = directory.appendingPathComponent("central")
        let port = try freePort()
        let hub = "http://127.0.0.1:\(port)"
        let demo = try ChildProcess(["demo", "--data", directory.path, "--port", "\(port)", "--host", "127.0.0.1"])
        defer { demo.kill(SIGTERM) }
        #expect(await demo.waitForLine(timeout: 600) { $0.contains("prêt") } != nil, "demo: \(demo.errorText.suffix(500))")
        let centralURL = try #require(
            demo.outputLines.first { $0.hasPrefix("Central de démo") }.flatMap { line in
                line.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init)
            })

        // A provider with a new request offered: accept it.
        let phones = demo.outputLines.compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("+237") ? String(trimmed.prefix(13)) : nil
        }
        var chosen: (bearer: [String: String], request: String)?
        for phone in phones {
            let bearer = ["Authorization": "Bearer \(try await P.login(hub: hub, directory: directory, phone: phone))"]
            let list = try await P.send("GET", "\(hub)/provider/requests?status=nouvelle", headers: bearer)
            if let first = list.decoded(ProviderRequestPage.self)?.items.first?.id {
                chosen = (bearer, first)
                break
            }
        }
        let (bearer, requestId) = try #require(chosen, "a demo provider has an open offer")
        let client = try #require(
            try Self.hubValue(
                directory, "SELECT c.phone FROM clients c JOIN service_requests r ON r.client_id = c.id WHERE r.id = ?", [requestId]))
        let accepted = Date()
        #expect(try await P.send("PUT", "\(hub)/provider/requests/\(requestId)/accept", headers: bearer).status == 200)
        #expect(
            try await P.eventually(60) {
                GatewayProcessTests.outbox(centralDir, to: client).contains { $0.template == "demande_acceptee" }
            }, "a French message to the client's phone in the gateway's outbox within 60 s")
        let line = try #require(GatewayProcessTests.outbox(centralDir, to: client).last)
        #expect(line.text.contains("a été acceptée par"), "\(line)")
        #expect(
            try await P.eventually(60) {
                try await Self.messages(hub, requestId, bearer: bearer).contains { $0.deliveryLabel == "Envoyé" }
            }, "the request's message list shows it sent")
        let shown = try await Self.messages(hub, requestId, bearer: bearer)
        #expect(shown.contains { $0.deliveryLabel == "Envoyé" }, "\(shown)")
        #expect(Date().timeIntervalSince(accepted) < 60)

        // The client answers on WhatsApp: correctly signed, it shows at the hub; forged, it is refused and changes nothing.
        let secret = try String(contentsOf: centralDir.appendingPathComponent("whatsapp-app-secret"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let reply = MetaWebhookFixtures.inboundTextBody(from: client, externalId: "wamid.demo-reply-1", text: "Merci, je vous attends à 17 h")
        let forged = MetaWebhookFixtures.inboundTextBody(from: client, externalId: "wamid.demo-forged", text: "Annulez tout")
        #expect(
            try await Self.postWebhook(
                "\(centralURL)/webhooks/whatsapp-cloud", body: forged, signature: MetaWebhookFixtures.signature(forged, appSecret: secret + "x"))
                == 401)
        let replied = Date()
        #expect(
            try await Self.postWebhook(
                "\(centralURL)/webhooks/whatsapp-cloud", body: reply, signature: MetaWebhookFixtures.signature(reply, appSecret: secret)) == 200)
        #expect(
            try await P.eventually(60) {
                try await Self.messages(hub, requestId, bearer: bearer).contains {
                    $0.direction == "in" && $0.body == "Merci, je vous attends à 17 h"
                }
            }, "the reply is in the request's messages at the hub within 60 s")
        #expect(Date().timeIntervalSince(replied) < 60)
        #expect(try await !Self.messages(hub, requestId, bearer: bearer).contains { $0.body == "Annulez tout" })

        // A new urgent request: whoever it is offered to subscribes a browser (a loopback push service) and gets a push.
        let push = try await FakePushService.start()
        defer { Task { await push.stop() } }
        let apiKey = try String(contentsOf: centralDir.appendingPathComponent("api-key"), encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let created = try await P.send(
            "POST", "\(centralURL)/central/requests",
            json: [
                "zone": "denver", "service": "plomberie", "urgency": "urgent", "title": "Tuyau éclaté dans la cuisine",
                "description": "L'eau inonde la cuisine.", "address": "Denver, près du marché", "client_name": "Rose Ekane",
                "client_phone": "+237677990011",
            ], headers: ["Authorization": "Bearer \(apiKey)"])
        #expect(created.status == 201, "\(created)")
        let newRequest = try #require(created.decoded(CreatedId.self)?.id)
        var offeredTo: String?
        _ = try await P.eventually(60) {
            offeredTo = try Self.hubValue(
                directory,
                "SELECT p.phone FROM request_offers o JOIN providers p ON p.id = o.provider_id WHERE o.request_id = ? AND o.state = 'pending'",
                [newRequest])
            return offeredTo != nil
        }
        let phone = try #require(offeredTo, "the hub offers the new request")
        let offerBearer = ["Authorization": "Bearer \(try await P.login(hub: hub, directory: directory, phone: phone))"]
        let key = try await P.send("GET", "\(hub)/provider/push/key", headers: offerBearer)
        #expect(key.status == 200, "\(key)")
        push.expectVAPIDKey(key.decoded(PushKeyAnswer.self)?.publicKey)
        let browser = WebPushTestClient()
        push.register(browser, id: "phone-1")
        let subscription = browser.subscription(endpoint: push.endpoint(for: "phone-1"))
        let subscribed = try await P.send(
            "POST", "\(hub)/provider/push/subscriptions",
            json: [
                "device_id": "demo-device-0001", "endpoint": subscription.endpoint, "expirationTime": NSNull(),
                "keys": ["p256dh": subscription.p256dh, "auth": subscription.auth],
            ], headers: offerBearer)
        #expect(subscribed.status == 201, "\(subscribed)")
        // The provider may have other fresh offers (pushed too): wait for the one naming the new request.
        let deadline = Date().addingTimeInterval(60)
        var found: (FakePushService.Push, WebPushPayload)?
        while found == nil, Date() < deadline {
            let next = try await push.waitForPush(id: "phone-1", timeout: .seconds(max(1, deadline.timeIntervalSinceNow)))
            let decoded = try JSONCoding.declaredKeys.decode(WebPushPayload.self, from: Data(next.payload))
            if decoded.requestId == newRequest { found = (next, decoded) }
        }
        let (delivered, payload) = try #require(found, "a push naming the new offer within 60 s")
        #expect(payload.kind == "urgent_offer", "\(payload)")
        #expect(payload.title.contains("Tuyau éclaté dans la cuisine"), "\(payload)")
        #expect(payload.url == "/#/demandes/\(newRequest)")
        #expect(delivered.headers["urgency"] == "high" && delivered.headers["content-encoding"] == "aes128gcm")
        #expect(!delivered.text.contains("Rose") && !delivered.text.contains("677990011"), "no client name or number on the lock screen")
    }
}
