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

/// The gateway, black-box: `djobea central` (the gateway) and `djobea hub` processes on loopback, killed and cut off.
@Suite("The gateway with real processes: offline hubs, SIGKILL", .serialized)
struct GatewayProcessTests {
    typealias P = NodeProcess
    typealias Ops = OpsProcessTests

    static func startCentral(_ directory: URL, port: Int, environment: [String: String] = [:]) async throws -> ChildProcess {
        let central = try ChildProcess(
            ["central", "--data", directory.path, "--port", "\(port)", "--host", "127.0.0.1", "--api-key", P.apiKey], environment: environment)
        #expect(await central.waitForLine(timeout: 180) { $0.contains("à l'écoute") } != nil, "central: \(central.errorText.suffix(600))")
        return central
    }

    /// The lines of central's console outbox (the console messenger's) addressed to `phone`; the login codes the
    /// console notifier writes to the same file have another shape and are skipped.
    static func outbox(_ central: URL, to phone: String) -> [ConsoleMessenger.Line] {
        let text = (try? String(contentsOf: central.appendingPathComponent("outbox/whatsapp.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let decoded = try? JSONCoding.declaredKeys.decode(ConsoleMessenger.Line.self, from: Data(line.utf8)), decoded.to == phone else {
                return nil
            }
            return decoded
        }
    }

    @Test("a hub cut off from central queues its client messages; when the link returns they leave, each once, and show as sent")
    func offlineHub() async throws {
        let root = try temporaryDirectory("gateway-offline")
        defer { try? FileManager.default.removeItem(at: root) }
        let (centralDir, hubDir) = (root.appendingPathComponent("central"), root.appendingPathComponent("hub"))
        let (centralPort, hubPort) = (try freePort(), try freePort())
        let centralURL = "http://127.0.0.1:\(centralPort)"
        let central = try await Self.startCentral(centralDir, port: centralPort, environment: ["DJOBEA_GATEWAY_NUMBER_SPACING": "0"])
        defer { central.kill(SIGTERM) }
        let link = try Ops.Link(target: centralPort)
        defer { link.down() }
        let token = try await P.enrolToken(centralDir, name: "Hub A", zones: "zone-a")
        setenv("DJOBEA_SYNC_INTERVAL", "0.5", 1)
        let hub = try await P.startHub(hubDir, port: hubPort, central: "http://127.0.0.1:\(link.port)", token: token)
        defer { hub.kill(SIGTERM) }
        let hubURL = "http://127.0.0.1:\(hubPort)"

        let (phone, client) = ("+237690000501", "+237677000501")
        _ = try await Ops.provider(centralURL, name: "Jean Plombier", phone: phone, zones: ["zone-a"])
        let requestId = try await Ops.request(centralURL, client: client)
        #expect(try await P.eventually { try P.count(hubDir, "SELECT count(*) FROM request_offers WHERE request_id = ?", [requestId]) == 1 })
        let bearer = ["Authorization": "Bearer \(try await P.login(hub: hubURL, directory: hubDir, phone: phone))"]

        link.down()
        #expect(try await P.send("PUT", "\(hubURL)/provider/requests/\(requestId)/accept", headers: bearer).status == 200)
        let sent = try await P.send(
            "POST", "\(hubURL)/provider/requests/\(requestId)/message", json: ["body": "J'arrive dans 20 minutes"], headers: bearer)
        #expect(sent.status == 200, "\(sent)")
        try await Task.sleep(for: .seconds(3))
        #expect(Self.outbox(centralDir, to: client).isEmpty, "nothing leaves while the hub is cut off")
        #expect(try P.count(hubDir, "SELECT count(*) FROM messages WHERE request_id = ? AND delivery_status = 'queued'", [requestId]) == 2)

        try link.up()
        #expect(try await P.eventually(60) { Self.outbox(centralDir, to: client).count == 2 }, "both messages leave within 60 s")
        let lines = Self.outbox(centralDir, to: client)
        #expect(lines.first?.template == "demande_acceptee", "\(lines)")
        #expect(lines.last?.text.contains("J'arrive dans 20 minutes") == true, "\(lines)")
        #expect(
            try await P.eventually(60) {
                try P.count(hubDir, "SELECT count(*) FROM messages WHERE request_id = ? AND delivery_status = 'sent'", [requestId]) == 2
            }, "the hub shows them sent")
        try await Task.sleep(for: .seconds(3))
        #expect(Self.outbox(centralDir, to: client).count == 2, "each once")
        let detail = try await P.send("GET", "\(hubURL)/provider/requests/\(requestId)", headers: bearer)
        let labels = detail.decoded(ProviderRequestDetail.self)?.messages.map(\.deliveryLabel)
        #expect(labels == ["Envoyé", "Envoyé"], "\(detail)")
    }

    /// Queues one message to `client` in central's database, as the sync would bring it from a hub.
    static func queueMessage(_ directory: URL, client phone: String, body: String) throws -> String {
        let database = try NodeDatabase.open(path: directory.appendingPathComponent("djobea.sqlite").path, role: .central)
        return try database.writeBlocking { tx in
            let now = UTCTimestamp.format(tx.now)
            var provider = try String.fetchOne(tx.db, sql: "SELECT id FROM providers LIMIT 1")
            if provider == nil {
                let id = DjobeaID.v7()
                try tx.insert(
                    ProviderRecord(
                        id: id, phone: "+237690000601", name: "Jean Plombier", level: .bronze, accountStatus: .active, awayMode: false,
                        joinedAt: now, updatedAt: now))
                provider = id
            }
            guard let provider else { throw StoreError.invalid("no provider") }
            let client = DjobeaID.v7()
            try tx.insert(ClientRecord(id: client, phone: phone, name: "Awa Ngo", createdAt: now))
            return try tx.insert(
                MessageRecord(
                    id: DjobeaID.v7(), providerId: provider, clientId: client, direction: .outgoing, channel: .whatsapp, body: body, sentAt: now,
                    deliveryStatus: .queued, essential: true))
        }
    }

    static func status(_ directory: URL, _ id: String) throws -> (status: String?, externalId: String?) {
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("djobea.sqlite").path, configuration: P.readOnly)
        return try queue.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT delivery_status, external_id FROM messages WHERE id = ?", arguments: [id])
            return (row?["delivery_status"], row?["external_id"])
        }
    }

    @Test(
        "SIGKILL while WhatsApp holds the send: without a status webhook the message goes twice after the lease (the one documented window); with one, once"
    )
    func killedWhileSending() async throws {
        let root = try temporaryDirectory("gateway-kill")
        defer { try? FileManager.default.removeItem(at: root) }
        let fake = try await FakeWhatsAppCloud.start()
        let secret = "secret-de-test-0123456789"
        fake.script { $0.delay = .seconds(2) }
        let port = try freePort()
        let environment = fake.environment.merging([
            "DJOBEA_NOTIFIER": "whatsapp-cloud", "WHATSAPP_CLOUD_APP_SECRET": secret, "DJOBEA_GATEWAY_LEASE": "4",
            "DJOBEA_GATEWAY_NUMBER_SPACING": "0",
        ]) { $1 }
        var central = try await Self.startCentral(root, port: port, environment: environment)
        func sends(_ phone: String) -> [FakeWhatsAppCloud.Accepted] { fake.accepted.filter { $0.to == phone } }

        // 1. Killed after WhatsApp took the message, before the answer was written: sent again after the lease.
        let first = try Self.queueMessage(root, client: "+237677000601", body: "Premier message")
        #expect(try await P.eventually(20) { fake.requests.contains { $0.path.hasSuffix("/messages") } }, "the send is in flight")
        central.kill(SIGKILL)
        #expect(try await P.eventually(10) { sends("+237677000601").count == 1 }, "WhatsApp accepted it anyway")
        central = try await Self.startCentral(root, port: port, environment: environment)
        #expect(try await P.eventually(30) { sends("+237677000601").count == 2 }, "no webhook came back: sent a second time after the lease")
        #expect(try await P.eventually(10) { try Self.status(root, first).status == "sent" })
        try await Task.sleep(for: .seconds(6))
        #expect(sends("+237677000601").count == 2, "and never a third time")

        // 2. Same crash, but the status webhook (carrying our id) arrives before the lease runs out: sent once.
        let second = try Self.queueMessage(root, client: "+237677000602", body: "Second message")
        #expect(
            try await P.eventually(20) { fake.requests.contains { String(decoding: $0.body, as: UTF8.self).contains("237677000602") } },
            "the send is in flight")
        central.kill(SIGKILL)
        #expect(try await P.eventually(10) { sends("+237677000602").count == 1 })
        central = try await Self.startCentral(root, port: port, environment: environment)
        defer { central.kill(SIGTERM) }
        let wamid = try #require(sends("+237677000602").first?.id)
        let body = MetaWebhookFixtures.statusBody(externalId: wamid, state: "delivered", recipient: "+237677000602", messageId: second)
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)/webhooks/whatsapp-cloud")))
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(MetaWebhookFixtures.signature(body, appSecret: secret), forHTTPHeaderField: "X-Hub-Signature-256")
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        try await Task.sleep(for: .seconds(8))
        #expect(sends("+237677000602").count == 1, "reconciled by our id: never sent again")
        let reconciled = try Self.status(root, second)
        #expect(reconciled.status == "delivered" && reconciled.externalId == wamid)
        await fake.stop()
    }

    @Test("a push for a new urgent offer leaves within seconds of the request reaching central (goal: 5 s)")
    func pushLatency() async throws {
        let root = try temporaryDirectory("gateway-push")
        defer { try? FileManager.default.removeItem(at: root) }
        let (centralDir, hubDir) = (root.appendingPathComponent("central"), root.appendingPathComponent("hub"))
        let (centralPort, hubPort) = (try freePort(), try freePort())
        let centralURL = "http://127.0.0.1:\(centralPort)"
        let central = try await Self.startCentral(centralDir, port: centralPort, environment: ["DJOBEA_PUSH_ALLOW_LOOPBACK": "1"])
        defer { central.kill(SIGTERM) }
        let token = try await P.enrolToken(centralDir, name: "Hub A", zones: "zone-a")
        setenv("DJOBEA_SYNC_INTERVAL", "0.5", 1)
        setenv("DJOBEA_PUSH_ALLOW_LOOPBACK", "1", 1)
        let hub = try await P.startHub(hubDir, port: hubPort, central: centralURL, token: token)
        defer { hub.kill(SIGTERM) }
        let hubURL = "http://127.0.0.1:\(hubPort)"
        let phone = "+237690000701"
        _ = try await Ops.provider(centralURL, name: "Jean Plombier", phone: phone, zones: ["zone-a"])
        #expect(try await P.eventually { try P.count(hubDir, "SELECT count(*) FROM providers WHERE phone = ?", [phone]) == 1 })
        let bearer = ["Authorization": "Bearer \(try await P.login(hub: hubURL, directory: hubDir, phone: phone))"]
        #expect(try await P.eventually { try await P.send("GET", "\(hubURL)/provider/push/key", headers: bearer).status == 200 })
        let key = try await P.send("GET", "\(hubURL)/provider/push/key", headers: bearer).decoded(PushKeyAnswer.self)
        let push = try await FakePushService.start(vapidPublicKey: key?.publicKey)
        let browser = WebPushTestClient()
        push.register(browser, id: "jean")
        let info = browser.subscription(endpoint: push.endpoint(for: "jean"))
        let subscribed = try await P.send(
            "POST", "\(hubURL)/provider/push/subscriptions",
            json: ["device_id": "jean-phone-0001", "endpoint": info.endpoint, "keys": ["p256dh": info.p256dh, "auth": info.auth]], headers: bearer)
        #expect(subscribed.status == 201)
        #expect(
            try await P.eventually { try P.count(centralDir, "SELECT count(*) FROM push_subscriptions") == 1 }, "the subscription reaches central")

        let started = Date()
        let requestId = try await Ops.request(centralURL, client: "+237677000701")
        let delivered = try await push.waitForPush(id: "jean", timeout: .seconds(60))
        let elapsed = Date().timeIntervalSince(started)
        let payload = try JSONCoding.declaredKeys.decode(WebPushPayload.self, from: Data(delivered.payload))
        #expect(payload.requestId == requestId && payload.kind == "urgent_offer")
        // The goal is 5 s from the offer; on a loaded 2-core test machine a wider bound keeps the test honest, not flaky.
        #expect(elapsed < 15, "push left \(elapsed) s after the request reached central")
        FileHandle.standardError.write(Data("gateway push latency: \(String(format: "%.2f", elapsed)) s from request intake to push\n".utf8))
        await push.stop()
    }
}
