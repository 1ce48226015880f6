import AsyncHTTPClient
import Crypto
import DjobeaGateway
import DjobeaGatewayFakes
import Foundation
import Testing

@Suite struct WebPushSenderTests {
    let keys = VAPIDKeys(privateKey: P256.Signing.PrivateKey())

    var sender: WebPushSender {
        WebPushSender(keys: keys, subject: "mailto:ops@djobea.cm", httpClient: HTTPClient.shared, timeout: .seconds(10))
    }

    /// A fake push service expecting our key, with a registered test client for `id`.
    func withService(id: String = "p1", _ body: (FakePushService, WebPushTestClient) async throws -> Void) async throws {
        try await FakePushService.with(vapidPublicKey: keys.publicKeyBase64URL) { service in
            let client = WebPushTestClient()
            service.register(client, id: id)
            try await body(service, client)
        }
    }

    @Test func acceptedPushDecryptsToThePayloadWithItsHeaders() async throws {
        try await withService { service, client in
            let payload = try WebPushPayload(kind: "new_request", title: "Nouvelle demande", body: "Plomberie", url: "/p/r/1").encoded()
            let outcome = await sender.send(
                payload: payload, to: client.subscription(endpoint: service.endpoint(for: "p1")), urgency: .high, ttl: 3600,
                topic: "request-1")
            #expect(outcome == .accepted)
            let push = try await service.waitForPush(id: "p1", timeout: .seconds(5))
            #expect(push.payload == payload)
            #expect(push.headers["urgency"] == "high")
            #expect(push.headers["ttl"] == "3600")
            #expect(push.headers["topic"] == "request-1")
            #expect(push.headers["content-encoding"] == "aes128gcm")
            #expect(push.headers["content-type"] == "application/octet-stream")
            #expect(push.headers["authorization"]?.hasSuffix("k=\(keys.publicKeyBase64URL)") == true)
        }
    }

    @Test func sendsAnEncodedPayload() async throws {
        try await withService { service, client in
            let payload = WebPushPayload(kind: "new_request", title: "Nouvelle demande", body: "Électricité", url: "/p/r/2", requestId: "r2")
            let subscription = client.subscription(endpoint: service.endpoint(for: "p1"))
            #expect(await sender.send(payload, to: subscription, urgency: .normal, ttl: 60) == .accepted)
            let push = try await service.waitForPush(id: "p1", timeout: .seconds(5))
            #expect(try JSONDecoder().decode(WebPushPayload.self, from: Data(push.payload)) == payload)
        }
    }

    @Test func invalidTopicIsLeftOut() async throws {
        try await withService { service, client in
            let subscription = client.subscription(endpoint: service.endpoint(for: "p1"))
            #expect(await sender.send(payload: [1], to: subscription, urgency: .veryLow, ttl: 0, topic: "demande n°1") == .accepted)
            let long = String(repeating: "a", count: 33)
            #expect(await sender.send(payload: [2], to: subscription, urgency: .low, ttl: -5, topic: long) == .accepted)
            let first = try await service.waitForPush(id: "p1", timeout: .seconds(5))
            let second = try await service.waitForPush(id: "p1", timeout: .seconds(5))
            #expect(first.headers["topic"] == nil)
            #expect(first.headers["urgency"] == "very-low")
            #expect(second.headers["topic"] == nil)
            #expect(second.headers["ttl"] == "0")
            #expect(second.payload == [2])
        }
    }

    @Test(arguments: [(FakePushService.Reply.gone, 410), (.notFound, 404)])
    func goneSubscriptions(reply: FakePushService.Reply, status: Int) async throws {
        try await withService { service, client in
            service.script([reply], for: "p1")
            let outcome = await sender.send(payload: [1], to: client.subscription(endpoint: service.endpoint(for: "p1")), urgency: .normal, ttl: 60)
            #expect(outcome == .gone(status: status))
            #expect(service.received.isEmpty)
        }
    }

    @Test func tooManyRequestsIsRetriedAfterTheServiceDelay() async throws {
        try await withService { service, client in
            service.script([.tooManyRequests(retryAfter: 30)], for: "p1")
            let subscription = client.subscription(endpoint: service.endpoint(for: "p1"))
            guard case .retry(let reason, let retryAfter) = await sender.send(payload: [1], to: subscription, urgency: .normal, ttl: 60) else {
                Issue.record("not a retry")
                return
            }
            #expect(retryAfter == 30)
            #expect(reason.contains("429"))
            // The script is used up: the next push goes through.
            #expect(await sender.send(payload: [1], to: subscription, urgency: .normal, ttl: 60) == .accepted)
        }
    }

    @Test func serverErrorIsRetried() async throws {
        try await withService { service, client in
            service.script([.serverError], for: "p1")
            let outcome = await sender.send(payload: [1], to: client.subscription(endpoint: service.endpoint(for: "p1")), urgency: .normal, ttl: 60)
            guard case .retry(let reason, let retryAfter) = outcome else {
                Issue.record("not a retry: \(outcome)")
                return
            }
            #expect(reason.contains("HTTP 500"))
            #expect(retryAfter == nil)
        }
    }

    @Test func refusedConnectionIsRetried() async {
        // The HTTP client tries to connect again until the deadline: a short timeout keeps the test short.
        let sender = WebPushSender(keys: keys, subject: "mailto:ops@djobea.cm", httpClient: HTTPClient.shared, timeout: .seconds(2))
        let subscription = WebPushTestClient().subscription(endpoint: "http://127.0.0.1:1/push/p1")
        let outcome = await sender.send(payload: [1], to: subscription, urgency: .normal, ttl: 60)
        guard case .retry(let reason, nil) = outcome else {
            Issue.record("not a retry: \(outcome)")
            return
        }
        #expect(reason.hasPrefix("Service push injoignable"))
    }

    @Test func payloadTooLargeAnswerIsRefusedWithTheBody() async throws {
        try await withService { service, client in
            service.script([.status(413, body: String(repeating: "x", count: 500))], for: "p1")
            let outcome = await sender.send(payload: [1], to: client.subscription(endpoint: service.endpoint(for: "p1")), urgency: .normal, ttl: 60)
            guard case .refused(413, let reason) = outcome else {
                Issue.record("not refused with 413: \(outcome)")
                return
            }
            #expect(reason == "Service push : HTTP 413 — " + String(repeating: "x", count: 200))
        }
    }

    @Test func wrongVAPIDKeyIsRefused() async throws {
        try await withService { service, client in
            service.expectVAPIDKey(VAPIDKeys(privateKey: P256.Signing.PrivateKey()).publicKeyBase64URL)
            let outcome = await sender.send(payload: [1], to: client.subscription(endpoint: service.endpoint(for: "p1")), urgency: .normal, ttl: 60)
            guard case .refused(403, _) = outcome else {
                Issue.record("not refused with 403: \(outcome)")
                return
            }
            #expect(service.received.isEmpty)
        }
    }

    @Test func oversizedPayloadIsRefusedBeforeAnyRequest() async throws {
        try await withService { service, client in
            let payload = [UInt8](repeating: 0x41, count: WebPushEncryption.maxPlaintextLength + 1)
            let outcome = await sender.send(
                payload: payload, to: client.subscription(endpoint: service.endpoint(for: "p1")), urgency: .normal, ttl: 60)
            guard case .refused(0, let reason) = outcome else {
                Issue.record("not refused with 0: \(outcome)")
                return
            }
            #expect(reason.contains("trop long"))
            #expect(service.attempts.isEmpty)
        }
    }

    @Test func invalidSubscriptionIsRefusedBeforeAnyRequest() async throws {
        try await withService { service, client in
            var subscription = client.subscription(endpoint: service.endpoint(for: "p1"))
            subscription.auth = "AAAA"
            let outcome = await sender.send(payload: [1], to: subscription, urgency: .normal, ttl: 60)
            guard case .refused(0, let reason) = outcome else {
                Issue.record("not refused with 0: \(outcome)")
                return
            }
            #expect(reason.contains("auth"))
            #expect(service.attempts.isEmpty)
        }
    }

    @Test func retryAfterHeaderForms() {
        let now = Date(timeIntervalSince1970: 1_784_000_000)
        #expect(WebPushSender.parseRetryAfter("120", now: now) == 120)
        #expect(WebPushSender.parseRetryAfter("soon", now: now) == nil)
        let date = now.addingTimeInterval(90)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(WebPushSender.parseRetryAfter(formatter.string(from: date), now: now) == 90)
    }
}
