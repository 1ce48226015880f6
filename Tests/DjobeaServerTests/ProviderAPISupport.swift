import DjobeaAuth
import DjobeaDemo
import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// A hub with 7 days of demo data, real authentication and the console notifier writing the outbox file.
struct ProviderAPIHarness {
    let storage: NodeStorage
    let auth: ProviderAuthService
    let queue: WhatsAppQueue
    let services: ProviderAPIServices
    let providers: [ProviderListing]

    static func make() async throws -> ProviderAPIHarness {
        let storage = try NodeStorage.temporary("api", role: .hub)
        let (directory, database) = (storage.directory.url, storage.database)
        _ = try DemoGenerator(seed: 7, days: 7, now: Date()).generate(into: database, photos: nil) { _ in }
        let logger = Logger(label: "test")
        let keys = try TokenKeys(secret: Array(repeating: 7, count: 32))
        let notifier = ConsoleNotifier(outboxDirectory: directory.appendingPathComponent("outbox"), printsToStandardOutput: false)
        let queue = WhatsAppQueue(database: database, notifier: notifier, keys: keys, logger: logger)
        let auth = await ProviderAuthService(
            database: database, keys: keys, seedKey: try TOTPSeedKey(secret: Array(repeating: 9, count: 32)), notifications: queue, logger: logger)
        let services = ProviderAPIServices(auth: auth, limiter: RateLimiter(limit: RateLimit(count: 10_000, period: 60)))
        return ProviderAPIHarness(
            storage: storage, auth: auth, queue: queue, services: services,
            providers: try await AccountStore(database).listing(limit: 10))
    }

    var directory: URL { storage.directory.url }
    var database: NodeDatabase { storage.database }

    /// The hub serving the provider API of `services` (the test's doubles: a fixed token secret, the outbox notifier),
    /// without loops; a test substitutes another part in the node (`node.provider = …`, `node.gateway = …`).
    func node() -> Node {
        Node(role: .hub, configuration: storage.configuration(), storage: storage, logger: Logger(label: "test"), provider: services)
    }

    /// `node()`'s application, its provider API `provider` if given (a clock the test moves, tight rate limits).
    func application(provider: ProviderAPIServices? = nil) -> some ApplicationProtocol {
        var hub = node()
        if let provider { hub.provider = provider }
        return hub.application()
    }

    /// The newest code sent to `phone`, read from the outbox file as a provider would read WhatsApp.
    func lastCode(for phone: String) async throws -> String? {
        _ = await queue.deliverPending()
        return try consoleOutboxCode(to: phone, in: directory)
    }

    /// Logs `phone` in through send-otp and verify-otp; returns the access token.
    func login(_ client: some TestClientProtocol, phone: String) async throws -> String {
        let sent = try await client.execute(uri: "/provider/auth/send-otp", method: .post, headers: json, body: body(["phone": phone]))
        guard sent.status == .accepted, let code = try await lastCode(for: phone) else { throw HarnessError.noCode(phone) }
        let verified = try await client.execute(
            uri: "/provider/auth/verify-otp", method: .post, headers: json, body: body(["phone": phone, "code": code]))
        guard verified.status == .ok else { throw HarnessError.loginFailed(phone, Int(verified.status.code)) }
        return try decode(AuthTokens.self, verified).accessToken
    }

    var json: HTTPFields { [.contentType: "application/json"] }

    func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

    func body(_ value: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: value)) ?? Data())
    }

    func changeCount() throws -> Int {
        try database.rowCounts()["change_log"] ?? -1
    }

    enum HarnessError: Error {
        case noCode(String)
        case loginFailed(String, Int)
    }
}
