import DjobeaDomain
import DjobeaGateway
import DjobeaGatewayFakes
import DjobeaTestSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import DjobeaServer
@testable import DjobeaStore

/// Web Push end to end in one process: subscriptions through the provider API, pushes encrypted and signed by the
/// gateway, decrypted by a fake browser behind a fake push service.
@Suite("Gateway: pushes to providers' browsers", .serialized)
struct GatewayPushTests: ReadsJSONResponses {
    /// The decrypted payload of a push, as the gateway encodes it.
    static func payload(_ push: FakePushService.Push) throws -> WebPushPayload {
        try JSONCoding.declaredKeys.decode(WebPushPayload.self, from: Data(push.payload))
    }

    @Test("a subscription posted through the API gets an urgent offer at once: Urgency high, short TTL, no client details; once")
    func urgentOfferThroughSubscribedBrowser() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        var logger = Logger(label: "gateway-test")
        logger.logLevel = .critical
        // This hub is its own gateway (console driver): it publishes its VAPID key and pushes itself.
        // The fake push service listens on loopback: allowed for tests and the demo only (the API reads the process's
        // environment; the gateway is given it).
        setenv("DJOBEA_PUSH_ALLOW_LOOPBACK", "1", 1)
        let made = try await GatewayServices.make(
            storage: harness.database, dataDirectory: harness.directory, driver: .console,
            environment: ["DJOBEA_PUSH_ALLOW_LOOPBACK": "1"], logger: logger)
        let services = GatewayServices(
            messages: made.messages, pushes: made.pushes, collections: made.collections, webhooks: made.webhooks,
            vapidPublicKey: made.vapidPublicKey, background: [])
        let jean = try #require(harness.providers.first)
        let paul = try #require(harness.providers.dropFirst().first)
        try await FakePushService.with(vapidPublicKey: services.vapidPublicKey) { push in
            let browser = WebPushTestClient()
            push.register(browser, id: "jean-phone")
            let subscription = browser.subscription(endpoint: push.endpoint(for: "jean-phone"))
            var hub = harness.node()
            hub.gateway = services
            let app = hub.application()
            try await app.test(.live) { client in
                let token = try await harness.login(client, phone: jean.phone)
                let key = try await client.execute(uri: "/provider/push/key", method: .get, headers: harness.bearer(token))
                #expect(key.status == .ok)
                #expect(try decode(PushKeyAnswer.self, key).publicKey == services.vapidPublicKey)

                func post(_ body: [String: Any], token: String) async throws -> TestResponse {
                    try await client.execute(
                        uri: "/provider/push/subscriptions", method: .post, headers: harness.bearer(token), body: harness.body(body))
                }
                func subscriptionBody(
                    device: String = "jean-phone-0001", endpoint: String = subscription.endpoint, p256dh: String = subscription.p256dh
                )
                    -> [String: Any]
                {
                    ["device_id": device, "endpoint": endpoint, "expirationTime": NSNull(), "keys": ["p256dh": p256dh, "auth": subscription.auth]]
                }
                let plain = try await post(subscriptionBody(endpoint: "http://push.example.com/send/abc"), token: token)
                #expect(plain.status == .badRequest && Webhooks.errorCode(plain) == "invalid_endpoint")
                let badKeys = try await post(subscriptionBody(p256dh: "BAAAAAAAAAAA"), token: token)
                #expect(badKeys.status == .badRequest && Webhooks.errorCode(badKeys) == "invalid_keys")
                let badDevice = try await post(subscriptionBody(device: "a b"), token: token)
                #expect(badDevice.status == .unprocessableContent && Webhooks.errorCode(badDevice) == "invalid_parameter")
                #expect(try harness.database.readBlocking { try Int.fetchOne($0, sql: "SELECT count(*) FROM push_subscriptions") } == 0)

                let created = try await post(subscriptionBody(), token: token)
                #expect(created.status == .created)
                #expect(try decode(PushSubscriptionAnswer.self, created).subscribed)
                let asked = try await client.execute(
                    uri: "/provider/push/subscriptions?device_id=jean-phone-0001", method: .get, headers: harness.bearer(token))
                #expect(try decode(PushSubscriptionAnswer.self, asked).subscribed)
                // Another provider cannot remove Jean's device.
                let paulToken = try await harness.login(client, phone: paul.phone)
                let deleted = try await client.execute(
                    uri: "/provider/push/subscriptions", method: .delete, headers: harness.bearer(paulToken),
                    body: harness.body(["device_id": "jean-phone-0001"]))
                #expect(deleted.status == .ok)
                #expect(
                    try harness.database.readBlocking {
                        try Int.fetchOne($0, sql: "SELECT count(*) FROM push_subscriptions WHERE provider_id = ?", arguments: [jean.id])
                    } == 1)

                // What the demo data already owes Jean goes first; then a new urgent request is offered to him.
                _ = await services.pushes.deliverPending()
                let clientName = "Clarisse Ndjock-Essomba"
                let clientPhone = "+237677123450"
                let title = "Court-circuit au salon"
                let request = try harness.database.writeBlocking { tx -> String in
                    let now = tx.now
                    guard let zone = try String.fetchOne(tx.db, sql: "SELECT id FROM zones ORDER BY id LIMIT 1"),
                        let service = try String.fetchOne(tx.db, sql: "SELECT id FROM services ORDER BY id LIMIT 1")
                    else { throw GatewayTestError("no zone or service in the demo data") }
                    let clientId = DjobeaID.v7(now: now)
                    try tx.insert(
                        .clients, ["id": .text(clientId), "phone": .text(clientPhone), "name": .text(clientName), "created_at": ColumnValue(now)])
                    let id = DjobeaID.v7(now: now)
                    try tx.insert(
                        .serviceRequests,
                        [
                            "id": .text(id), "client_id": .text(clientId), "service_id": .text(service), "zone_id": .text(zone), "urgency": "urgent",
                            "title": .text(title), "description": "Plus de courant, odeur de brûlé.", "address": "Bonamoussadi, près de la pharmacie",
                            "created_at": ColumnValue(now), "updated_at": ColumnValue(now),
                        ])
                    try tx.startLifecycle(requestId: id)
                    try tx.insert(
                        .requestOffers,
                        [
                            "id": .text(DjobeaID.v7(now: now)), "request_id": .text(id), "provider_id": .text(jean.id),
                            "offered_at": ColumnValue(now),
                            "expires_at": ColumnValue(now.addingTimeInterval(600)), "state": "pending",
                        ])
                    return id
                }
                let before = push.received.count
                let accepted = await services.pushes.deliverPending()
                let pushes = push.received.dropFirst(before).filter { (try? Self.payload($0))?.requestId == request }
                #expect(accepted >= 1 && pushes.count == 1)
                let alert = try #require(pushes.first)
                #expect(alert.id == "jean-phone" && alert.headers["urgency"] == "high")
                let ttl = try #require(alert.headers["ttl"].flatMap { Int($0) })
                #expect(ttl > 0 && ttl <= 300)
                let payload = try Self.payload(alert)
                #expect(payload.kind == "urgent_offer")
                #expect(payload.title.contains(title))
                #expect(payload.url == "/#/demandes/\(request)")
                for secret in ["Clarisse", "Ndjock", "677123450", "Bonamoussadi", "brûlé"] {
                    #expect(!alert.text.contains(secret), "the lock screen must not show \(secret)")
                }
                // Pushed once: the next pass has nothing more for this offer.
                let count = push.received.count
                _ = await services.pushes.deliverPending()
                #expect(push.received.dropFirst(count).allSatisfy { (try? Self.payload($0))?.requestId != request })
            }
        }
    }

    @Test("410 from the push service deletes the subscription (a change for the hub); notifications off means no push")
    func goneAndDisabled() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        let services = try await world.services(driver: .console, environment: [:])
        try await FakePushService.with(vapidPublicKey: services.vapidPublicKey) { push in
            let jean = WebPushTestClient()
            let paul = WebPushTestClient()
            push.register(jean, id: "jean")
            push.register(paul, id: "paul")
            push.script([.gone], for: "jean")
            let (jeanSubscription, paulSettings) = try world.database.writeBlocking { tx -> (String, String) in
                let jeanInfo = jean.subscription(endpoint: push.endpoint(for: "jean"))
                let paulInfo = paul.subscription(endpoint: push.endpoint(for: "paul"))
                let subscription = try PushStore.subscribe(
                    providerId: world.providerA, deviceId: "jean-device-01", endpoint: jeanInfo.endpoint, p256dh: jeanInfo.p256dh,
                    auth: jeanInfo.auth,
                    gatewayNode: nil, in: tx)
                try PushStore.subscribe(
                    providerId: world.providerB, deviceId: "paul-device-01", endpoint: paulInfo.endpoint, p256dh: paulInfo.p256dh,
                    auth: paulInfo.auth,
                    gatewayNode: nil, in: tx)
                // Paul turned notifications off in his settings.
                let settings = DjobeaID.v7(now: tx.now)
                try tx.insert(
                    .providerSettings,
                    [
                        "id": .text(settings), "provider_id": .text(world.providerB), "notifications_enabled": 0, "working_hours": "{}",
                        "created_at": ColumnValue(tx.now), "updated_at": ColumnValue(tx.now),
                    ])
                return (subscription, settings)
            }
            try world.offer(try world.request(client: world.awa), to: world.providerA)
            let paulRequest = try world.request(client: world.eric, title: "Prise qui grésille")
            try world.offer(paulRequest, to: world.providerB)

            let accepted = await services.pushes.deliverPending()
            #expect(accepted == 0 && push.received.isEmpty)
            #expect(push.attempts.filter { $0.id == "jean" }.map(\.status) == [410])
            #expect(push.attempts.filter { $0.id == "paul" }.isEmpty, "notifications off: not even tried")
            #expect(try world.count("SELECT count(*) FROM push_subscriptions WHERE provider_id = ?", [world.providerA]) == 0)
            #expect(try world.count("SELECT count(*) FROM push_subscriptions WHERE provider_id = ?", [world.providerB]) == 1)
            #expect(
                try world.count(
                    "SELECT count(*) FROM change_log WHERE table_name = 'push_subscriptions' AND op = 'delete' AND row_key = ?", [jeanSubscription])
                    == 1)

            // Paul turns them back on: his offer reaches him.
            _ = try world.database.writeBlocking { tx in
                try tx.update(.providerSettings, key: paulSettings, ["notifications_enabled": 1, "updated_at": ColumnValue(tx.now)])
            }
            #expect(await services.pushes.deliverPending() == 1)
            let pushed = try await push.waitForPush(id: "paul", timeout: .seconds(1))
            #expect(try Self.payload(pushed).requestId == paulRequest)
        }
    }

    @Test("a client's WhatsApp message through the webhook becomes a client_message push, without the client's words")
    func inboundMessagePush() async throws {
        let world = try GatewayWorld()
        defer { world.remove() }
        try await FakeWhatsAppCloud.with { fake in
            let services = try await world.services(driver: .whatsappCloud, environment: GatewayWorld.cloudEnvironment(fake))
            try await FakePushService.with(vapidPublicKey: services.vapidPublicKey) { push in
                let browser = WebPushTestClient()
                push.register(browser, id: "jean")
                _ = try world.database.writeBlocking { tx in
                    let info = browser.subscription(endpoint: push.endpoint(for: "jean"))
                    try PushStore.subscribe(
                        providerId: world.providerA, deviceId: "jean-device-01", endpoint: info.endpoint, p256dh: info.p256dh, auth: info.auth,
                        gatewayNode: nil, in: tx)
                    // Jean works around the clock: a client's message may wake him at any hour of the test.
                    try tx.insert(
                        .providerSettings,
                        [
                            "id": .text(DjobeaID.v7(now: tx.now)), "provider_id": .text(world.providerA),
                            "working_hours": #"{"start":"00:00","end":"24:00","days":[1,2,3,4,5,6,7]}"#, "created_at": ColumnValue(tx.now),
                            "updated_at": ColumnValue(tx.now),
                        ])
                }
                let (request, _) = try await world.accepted(client: world.awa, by: world.providerA)
                _ = await services.pushes.deliverPending()
                let before = push.received.count
                try await world.application(services).test(.live) { client in
                    let body = MetaWebhookFixtures.inboundTextBody(
                        from: GatewayWorld.awaPhone, text: "Le portail est vert, sonnez deux fois", timestamp: Webhooks.now)
                    let response = try await Webhooks.meta(client, body)
                    #expect(response.status == .ok)
                }
                #expect(await services.pushes.deliverPending() == 1)
                let pushes = Array(push.received.dropFirst(before))
                try #require(pushes.count == 1)
                let payload = try Self.payload(pushes[0])
                #expect(payload.kind == "client_message")
                #expect(payload.url == "/#/demandes/\(request)")
                #expect(payload.body.contains("Fuite sous l'évier"))
                for secret in ["portail", "sonnez", "Awa", "677000056"] {
                    #expect(!pushes[0].text.contains(secret), "the lock screen must not show \(secret)")
                }
                #expect(await services.pushes.deliverPending() == 0)
            }
        }
    }

    @Test("quiet hours: outside the provider's working hours only urgent offers and offers about to expire wake them")
    func quietHours() {
        // Wednesday 25 November 2026 at 23:30 in Douala (22:30 UTC); hours 08:00–18:00 on weekdays.
        let night = Date(timeIntervalSince1970: 1_795_645_800)
        let day = night.addingTimeInterval(-12 * 3_600)
        let hours = #"{"start":"08:00","end":"18:00","days":[1,2,3,4,5]}"#
        func work(_ kind: PushWork.Kind) -> PushWork {
            PushWork(key: "k", kind: kind, providerId: "p", requestId: "r", title: "t", body: "b", targets: [], workingHours: hours)
        }
        for kind in [PushWork.Kind.newOffer, .clientMessage, .paymentReceived] {
            #expect(!PushGateway.allowed(work(kind), at: night), "\(kind)")
            #expect(PushGateway.allowed(work(kind), at: day), "\(kind)")
        }
        for kind in [PushWork.Kind.urgentOffer, .offerExpiring] {
            #expect(PushGateway.allowed(work(kind), at: night), "\(kind)")
        }
    }
}
