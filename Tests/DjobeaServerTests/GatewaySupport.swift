import AsyncHTTPClient
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

@testable import DjobeaServer
@testable import DjobeaStore

/// A central node on a temporary SQLite file: one zone, one service, two providers, three clients. Times are real
/// (the gateway reads the clock), so every row is written "now".
struct GatewayWorld {
    let storage: NodeStorage
    let zone = DjobeaID.v7()
    let service = DjobeaID.v7()
    /// Jean Kouam and Paul Ebogo.
    let providerA = DjobeaID.v7()
    let providerB = DjobeaID.v7()
    /// Awa Ngo, Eric Tchami, Binta Sow.
    let awa = DjobeaID.v7()
    let eric = DjobeaID.v7()
    let binta = DjobeaID.v7()
    static let awaPhone = "+237677000056"
    static let ericPhone = "+237677000099"
    static let bintaPhone = "+237677000077"
    static let appSecret = "test-app-secret-0123456789"
    static let verifyToken = "test-verify-token"
    static let publicURL = "https://central.example.cm"

    let logger: Logger = {
        var logger = Logger(label: "gateway-test")
        logger.logLevel = .critical
        return logger
    }()

    init() throws {
        storage = try NodeStorage.temporary("gateway", role: .central)
        let setup = Date().addingTimeInterval(-30 * 86_400)
        try database.writeBlocking(now: setup) { [self] tx in
            let at = ColumnValue(setup)
            try tx.insert(.zones, ["id": .text(zone), "code": "denver", "name": "Denver", "created_at": at])
            try tx.insert(.services, ["id": .text(service), "code": "plomberie", "name_fr": "Plomberie"])
            for (id, phone, name) in [(providerA, "+237699000001", "Jean Kouam"), (providerB, "+237699000002", "Paul Ebogo")] {
                try tx.insert(.providers, ["id": .text(id), "phone": .text(phone), "name": .text(name), "joined_at": at, "updated_at": at])
            }
            for (id, phone, name) in [(awa, Self.awaPhone, "Awa Ngo"), (eric, Self.ericPhone, "Eric Tchami"), (binta, Self.bintaPhone, "Binta Sow")] {
                try tx.insert(.clients, ["id": .text(id), "phone": .text(phone), "name": .text(name), "created_at": at])
            }
            // A quick reply of the providers' app.
            try tx.insert(
                .messageTemplates,
                ["id": .text(DjobeaID.v7()), "kind": "reply", "code": "arrive_15min", "body": "J'arrive dans 15 minutes", "sort_order": 0])
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    var commands: ProviderRequestCommands { ProviderRequestCommands(database: database) }

    /// A new request of `client`, created a quarter of an hour ago.
    func request(client: String, title: String = "Fuite sous l'évier", urgency: Urgency = .urgent) throws -> String {
        let created = Date().addingTimeInterval(-15 * 60)
        return try database.writeBlocking(now: created) { [self] tx in
            let id = DjobeaID.v7(now: created)
            try tx.insert(
                .serviceRequests,
                [
                    "id": .text(id), "client_id": .text(client), "service_id": .text(service), "zone_id": .text(zone),
                    "urgency": .text(urgency.rawValue), "title": .text(title), "description": "L'eau coule en permanence.",
                    "address": "Denver, Rue du Marché", "budget_min": 15_000, "budget_max": 25_000, "created_at": ColumnValue(created),
                    "updated_at": ColumnValue(created),
                ])
            try tx.startLifecycle(requestId: id)
            return id
        }
    }

    /// A pending offer of `request` to `provider`, made `ago` seconds ago and open for `window` seconds.
    @discardableResult
    func offer(_ request: String, to provider: String, ago: TimeInterval = 60, window: TimeInterval = 30 * 60) throws -> String {
        let offeredAt = Date().addingTimeInterval(-ago)
        return try database.writeBlocking(now: offeredAt) { tx in
            let id = DjobeaID.v7(now: offeredAt)
            try tx.insert(
                .requestOffers,
                [
                    "id": .text(id), "request_id": .text(request), "provider_id": .text(provider), "offered_at": ColumnValue(offeredAt),
                    "expires_at": ColumnValue(offeredAt.addingTimeInterval(window)), "state": "pending",
                ])
            return id
        }
    }

    /// A request of `client` offered to and accepted by `provider`, as the provider's app does it: the acceptance
    /// message is queued. Returns the request and the message.
    func accepted(client: String, by provider: String, title: String = "Fuite sous l'évier") async throws -> (request: String, message: String) {
        let request = try request(client: client, title: title)
        try offer(request, to: provider)
        let result = try await commands.accept(providerId: provider, requestId: request)
        guard let message = result.messageId else { throw GatewayTestError("accept queued no message") }
        return (request, message)
    }

    /// A message of the provider to the client of `request`: a quick reply (`templateCode`) or a free text.
    func say(_ text: String? = nil, quickReply: String? = nil, on request: String, by provider: String) async throws -> String {
        let result = try await commands.sendMessage(providerId: provider, requestId: request, templateCode: quickReply, body: text)
        guard let message = result.messageId else { throw GatewayTestError("sendMessage queued no message") }
        return message
    }

    /// A non-essential message queued by the gateway itself (like a rating request or an away reply).
    func nonEssential(on request: String, provider: String, client: String) throws -> String {
        try database.writeBlocking { tx in
            try GatewayReplies.insert(
                body: "Merci ! Notez votre prestataire de 1 à 5.", templateCode: "test_non_essentiel", template: nil, essential: false,
                requestId: request, providerId: provider, clientId: client, in: tx)
            guard
                let id = try String.fetchOne(
                    tx.db, sql: "SELECT id FROM messages WHERE template_code = 'test_non_essentiel' ORDER BY id DESC LIMIT 1")
            else { throw GatewayTestError("no non-essential message") }
            return id
        }
    }

    /// The `messages` row `id`.
    func message(_ id: String) throws -> Row {
        guard let row = try database.readBlocking({ try Row.fetchOne($0, sql: "SELECT * FROM messages WHERE id = ?", arguments: [id]) }) else {
            throw GatewayTestError("no message \(id)")
        }
        return row
    }

    func status(_ id: String) throws -> String { try message(id)["delivery_status"] }

    func count(_ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        try database.readBlocking { try Int.fetchOne($0, sql: sql, arguments: arguments) ?? 0 }
    }

    // MARK: - Gateway

    /// Settings for quick tests: no spacing per number, a short first backoff, and a global rate high enough that a
    /// pass right after another is not held by the global pacing (its slots are booked up to a second ahead).
    static func quickSettings(spacing: TimeInterval = 0, backoff: TimeInterval = 0.2, lease: TimeInterval = 120) -> ClientMessageGateway.Settings {
        var settings = ClientMessageGateway.Settings()
        settings.rate = 1_000
        settings.perNumberSpacing = spacing
        settings.backoffInitial = backoff
        settings.backoffMaximum = 5
        settings.lease = lease
        return settings
    }

    /// The message sender with the real WhatsApp Cloud driver pointed at `fake`.
    func gateway(
        _ fake: FakeWhatsAppCloud, settings: ClientMessageGateway.Settings = GatewayWorld.quickSettings(), timeout: TimeAmount = .seconds(10)
    ) -> ClientMessageGateway {
        let messenger = WhatsAppCloudMessenger(
            phoneNumberId: fake.phoneNumberId, accessToken: fake.accessToken, apiVersion: fake.apiVersion, baseURL: fake.baseURL,
            httpClient: .shared, timeout: timeout)
        return ClientMessageGateway(storage: database, messenger: messenger, settings: settings, logger: logger)
    }

    /// The environment of a WhatsApp Cloud gateway calling `fake`, with the webhook secrets.
    static func cloudEnvironment(_ fake: FakeWhatsAppCloud) -> [String: String] {
        fake.environment.merging([
            "WHATSAPP_CLOUD_APP_SECRET": appSecret, "WHATSAPP_CLOUD_VERIFY_TOKEN": verifyToken, "DJOBEA_PUBLIC_URL": publicURL,
        ]) { $1 }
    }

    /// The gateway as the server wires it (`GatewayServices.make`), without its background loops: the tests run the
    /// passes themselves, so that nothing sends behind their back.
    func services(
        driver: NotifierChoice, environment: [String: String], settings: ClientMessageGateway.Settings = GatewayWorld.quickSettings()
    ) async throws -> GatewayServices {
        // The fakes listen on loopback: allowed here as in the demo, never in production.
        let made = try await GatewayServices.make(
            storage: database, dataDirectory: directory, driver: driver,
            environment: environment.merging(["DJOBEA_PUSH_ALLOW_LOOPBACK": "1"]) { $1 }, logger: logger, settings: settings)
        return GatewayServices(
            messages: made.messages, pushes: made.pushes, collections: made.collections, webhooks: made.webhooks,
            vapidPublicKey: made.vapidPublicKey, background: [])
    }

    var directory: URL { storage.directory.url }
    var database: NodeDatabase { storage.database }

    /// Central serving the webhooks of `services` (the gateway on fakes), nothing else.
    func application(_ services: GatewayServices) -> some ApplicationProtocol {
        Node(role: .central, configuration: storage.configuration(), storage: storage, logger: logger, gateway: services).application()
    }
}

struct GatewayTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Calls to the webhooks as Meta and Twilio make them.
enum Webhooks: ReadsJSONResponses {
    static func header(_ name: String) throws -> HTTPField.Name {
        guard let field = HTTPField.Name(name) else { throw GatewayTestError("bad header name \(name)") }
        return field
    }

    /// A POST to `/webhooks/whatsapp-cloud`, signed with `secret` unless `signature` is given.
    static func meta(
        _ client: some TestClientProtocol, _ body: [UInt8], secret: String = GatewayWorld.appSecret, signature: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[try header("X-Hub-Signature-256")] = signature ?? MetaWebhookFixtures.signature(body, appSecret: secret)
        return try await client.execute(uri: "/webhooks/whatsapp-cloud", method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }

    /// A POST of `form` to `/webhooks/twilio` + `query`, signed over `DJOBEA_PUBLIC_URL` + path and query.
    static func twilio(
        _ client: some TestClientProtocol, _ form: [(String, String)], query: String = "", authToken: String, signature: String? = nil
    ) async throws -> TestResponse {
        let uri = "/webhooks/twilio" + query
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        headers[try header("X-Twilio-Signature")] =
            signature ?? TwilioWebhookFixtures.signature(url: GatewayWorld.publicURL + uri, form: form, authToken: authToken)
        return try await client.execute(
            uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: TwilioWebhookFixtures.encode(form)))
    }

    /// A Unix timestamp for "now" (the fixtures' default is a fixed date long past, outside any 24-hour window).
    static var now: Int { Int(Date().timeIntervalSince1970) }
}
