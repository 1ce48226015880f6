import Crypto
import DjobeaDomain
import DjobeaGateway
import Foundation
import Hummingbird
import Logging
import NIOCore

/// A local fake of a Web Push service (RFC 8030) on 127.0.0.1, on a port the system chose.
///
/// `POST /push/{id}` checks what a real push service checks: the VAPID `Authorization` (RFC 8292; 401, or 403 when
/// the key is not the expected one), `Content-Encoding: aes128gcm` and `TTL` (400), a body of at most 4096 bytes
/// (413). It then answers the next scripted reply for `id`, if any, or decrypts the body with the client registered
/// for `id` (404 when there is none), records the push and answers 201.
///
/// Start it with `start(vapidPublicKey:)` and stop it with `stop()` (it may outlive a test function, e.g. while a
/// separate `djobea` process pushes to it), or scope it with `with(vapidPublicKey:_:)`.
public final class FakePushService: Sendable {
    /// The largest body a push service must accept (RFC 8030 §7.2).
    public static let maxBodyLength = 4096

    /// A scripted answer for one push.
    public enum Reply: Sendable, Equatable {
        /// 201, after decryption (the default when nothing is scripted).
        case accepted
        /// 410: the subscription expired.
        case gone
        /// 404: no such subscription.
        case notFound
        /// 429 with `Retry-After: seconds`.
        case tooManyRequests(retryAfter: Int)
        /// 500.
        case serverError
        /// Any status, with a text body.
        case status(Int, body: String)
    }

    /// A push the fake accepted.
    public struct Push: Sendable {
        public let id: String
        /// Header values by lowercased name.
        public let headers: [String: String]
        /// The decrypted payload.
        public let payload: [UInt8]

        public var text: String { String(decoding: payload, as: UTF8.self) }
    }

    /// Any request that reached the fake, with its answer.
    public struct Attempt: Sendable {
        public let id: String
        public let headers: [String: String]
        public let bodyLength: Int
        public let status: Int
        /// Why it was not accepted (empty for 201).
        public let reason: String
    }

    private struct State {
        var port = 0
        var expectedKey: String?
        var clients: [String: WebPushTestClient] = [:]
        var scripts: [String: [Reply]] = [:]
        var received: [Push] = []
        var attempts: [Attempt] = []
        var taken: [String: Int] = [:]
        var running: Task<Void, Never>?
    }

    private let state: LockedValue<State>

    private init(expectedKey: String?) {
        state = LockedValue(State(expectedKey: expectedKey))
    }

    /// The port it listens on.
    public var port: Int { state.withLock { $0.port } }

    /// `http://127.0.0.1:PORT`: the `aud` VAPID JWTs must carry.
    public var origin: String { "http://127.0.0.1:\(port)" }

    /// The push endpoint of subscription `id`.
    public func endpoint(for id: String) -> String {
        "\(origin)/push/\(id.addingPercentEncoding(withAllowedCharacters: Self.segmentCharacters) ?? id)"
    }

    /// Pushes to `id` are decrypted with `client`.
    public func register(_ client: WebPushTestClient, id: String) {
        state.withLock { $0.clients[id] = client }
    }

    /// The answers to the next pushes to `id`, in order; once they are used up, pushes are accepted again.
    public func script(_ replies: [Reply], for id: String) {
        state.withLock { $0.scripts[id] = replies }
    }

    /// The VAPID public key (base64url) every push must be signed with; nil accepts any valid signature.
    public func expectVAPIDKey(_ key: String?) {
        state.withLock { $0.expectedKey = key }
    }

    /// The pushes accepted so far, in order.
    public var received: [Push] { state.withLock { $0.received } }

    /// Every request so far with its answer, in order.
    public var attempts: [Attempt] { state.withLock { $0.attempts } }

    /// The next accepted push to `id` not yet returned by this method, waiting for it up to `timeout`.
    public func waitForPush(id: String, timeout: Duration = .seconds(10)) async throws -> Push {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let push = state.withLock { state -> Push? in
                let taken = state.taken[id, default: 0]
                let pushes = state.received.filter { $0.id == id }
                guard pushes.count > taken else { return nil }
                state.taken[id] = taken + 1
                return pushes[taken]
            }
            if let push { return push }
            guard clock.now < deadline else { throw FakePushServiceError.noPush(id: id) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    // MARK: - Life

    /// Starts a fake on 127.0.0.1; `vapidPublicKey` (base64url), when given, is the only key it accepts.
    public static func start(vapidPublicKey: String? = nil) async throws -> FakePushService {
        let service = FakePushService(expectedKey: vapidPublicKey)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "fake-push-service")
        logger.logLevel = .critical  // stopping by cancellation logs harmless errors
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { request, _ in try await service.answer(request) },
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let running = Task {
            try? await app.runService(gracefulShutdownSignals: [])
            continuation.finish()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            running.cancel()
            throw FakePushServiceError.notStarted
        }
        service.state.withLock {
            $0.port = port
            $0.running = running
        }
        return service
    }

    /// Stops listening; waits until the server is down.
    public func stop() async {
        let running = state.withLock { state -> Task<Void, Never>? in
            defer { state.running = nil }
            return state.running
        }
        running?.cancel()
        await running?.value
    }

    /// Starts a fake, runs `body` with it, then stops it, also when `body` throws.
    public static func with<T>(vapidPublicKey: String? = nil, _ body: (FakePushService) async throws -> T) async throws -> T {
        let service = try await start(vapidPublicKey: vapidPublicKey)
        do {
            let result = try await body(service)
            await service.stop()
            return result
        } catch {
            await service.stop()
            throw error
        }
    }

    // MARK: - Answers

    private func answer(_ request: Request) async throws -> Response {
        let path = request.uri.path
        guard request.method == .post, path.hasPrefix("/push/"), path.count > 6 else {
            return Self.response(404, "Adresse inconnue")
        }
        let id = String(path.dropFirst(6)).removingPercentEncoding ?? String(path.dropFirst(6))
        let body = Array((try await request.body.collect(upTo: 1 << 20)).readableBytesView)
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        let (status, reason, retryAfter) = handle(id: id, headers: headers, body: body)
        state.withLock {
            $0.attempts.append(Attempt(id: id, headers: headers, bodyLength: body.count, status: status, reason: reason))
        }
        var response = Self.response(status, reason)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        if status == 201 { response.headers[.location] = "/message/\(UUID().uuidString.lowercased())" }
        return response
    }

    /// The status, reason and `Retry-After` for one push; records it when accepted.
    private func handle(id: String, headers: [String: String], body: [UInt8]) -> (Int, String, Int?) {
        let (expectedKey, origin) = state.withLock { ($0.expectedKey, "http://127.0.0.1:\($0.port)") }
        if let (status, reason) = Self.verifyAuthorization(headers["authorization"], expectedKey: expectedKey, origin: origin, now: Date()) {
            return (status, reason, nil)
        }
        guard headers["content-encoding"] == "aes128gcm" else { return (400, "Content-Encoding aes128gcm attendu", nil) }
        guard let ttl = headers["ttl"], let seconds = Int(ttl), seconds >= 0 else { return (400, "En-tête TTL absent ou invalide", nil) }
        if let urgency = headers["urgency"], PushUrgency(rawValue: urgency) == nil { return (400, "En-tête Urgency invalide", nil) }
        if let topic = headers["topic"], !WebPushSender.isValidTopic(topic) { return (400, "En-tête Topic invalide", nil) }
        guard body.count <= Self.maxBodyLength else { return (413, "Message de \(body.count) octets, 4096 au plus", nil) }
        let (reply, client) = state.withLock { state -> (Reply, WebPushTestClient?) in
            var replies = state.scripts[id] ?? []
            let reply = replies.isEmpty ? Reply.accepted : replies.removeFirst()
            state.scripts[id] = replies
            return (reply, state.clients[id])
        }
        switch reply {
        case .accepted: break
        case .gone: return (410, "Abonnement expiré", nil)
        case .notFound: return (404, "Abonnement inconnu", nil)
        case .tooManyRequests(let retryAfter): return (429, "Trop de messages", retryAfter)
        case .serverError: return (500, "Erreur interne", nil)
        case .status(let status, let body): return (status, body, nil)
        }
        guard let client else { return (404, "Abonnement inconnu", nil) }
        do {
            let payload = try client.decrypt(body: body)
            state.withLock { $0.received.append(Push(id: id, headers: headers, payload: payload)) }
            return (201, "", nil)
        } catch {
            return (400, "Déchiffrement impossible : \(error)", nil)
        }
    }

    /// Checks an `Authorization: vapid t=<JWT>, k=<key>` header (RFC 8292): nil when valid, else the status
    /// (401, or 403 when `k` is not `expectedKey`) and why.
    public static func verifyAuthorization(_ header: String?, expectedKey: String?, origin: String, now: Date) -> (Int, String)? {
        guard let header, header.lowercased().hasPrefix("vapid ") else { return (401, "Authorization vapid absente") }
        var parameters: [String: String] = [:]
        for part in header.dropFirst(6).split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let equal = trimmed.firstIndex(of: "=") else { continue }
            parameters[trimmed[..<equal].lowercased()] = String(trimmed[trimmed.index(after: equal)...])
        }
        guard let token = parameters["t"], let key = parameters["k"] else { return (401, "Paramètres t et k attendus") }
        if let expectedKey, key != expectedKey { return (403, "Clé VAPID inattendue") }
        guard let keyBytes = Base64URL.decode(key), keyBytes.count == 65,
            let publicKey = try? P256.Signing.PublicKey(x963Representation: keyBytes)
        else { return (401, "Clé VAPID invalide") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let claimsBytes = Base64URL.decode(parts[1]),
            let signatureBytes = Base64URL.decode(parts[2])
        else { return (401, "JWT mal formé") }
        guard let jwtHeader = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any],
            jwtHeader["alg"] as? String == "ES256", (jwtHeader["typ"] as? String).map({ $0 == "JWT" }) ?? true
        else { return (401, "En-tête JWT invalide (ES256 attendu)") }
        guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes),
            publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8))
        else { return (401, "Signature JWT invalide") }
        guard let claims = (try? JSONSerialization.jsonObject(with: Data(claimsBytes))) as? [String: Any] else {
            return (401, "Revendications JWT illisibles")
        }
        guard claims["aud"] as? String == origin else { return (401, "aud différent de \(origin)") }
        guard let exp = (claims["exp"] as? NSNumber)?.doubleValue else { return (401, "exp absent") }
        let now = now.timeIntervalSince1970
        guard exp > now, exp <= now + 24 * 3600 else { return (401, "exp hors de (maintenant, maintenant + 24 h]") }
        guard let subject = claims["sub"] as? String, subject.hasPrefix("mailto:") || subject.hasPrefix("https:") else {
            return (401, "sub mailto: ou https: attendu")
        }
        return nil
    }

    private static func response(_ status: Int, _ text: String) -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    private static let segmentCharacters = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

public enum FakePushServiceError: Error, CustomStringConvertible {
    case notStarted
    case noPush(id: String)

    public var description: String {
        switch self {
        case .notStarted: return "Le faux service push n'a pas démarré"
        case .noPush(let id): return "Aucun message push reçu pour « \(id) »"
        }
    }
}
