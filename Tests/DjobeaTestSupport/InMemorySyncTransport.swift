import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import DjobeaSync
import Foundation

/// A hub's link to central without HTTP, for driving the real `SyncEngine` against the real `CentralSyncService`: each
/// message is encoded with `WireCodec`, signed as `SyncClient` signs it (the hub's durable request counter), handed to
/// central as its routes do (`authenticate`, then `pull` or `push` with the body's size and the hub's time header), and
/// the answer decoded from its wire bytes. Central's refusals reach the hub as `SyncError.server`, as over HTTP.
///
/// A fault is set for the next exchange (`nextFault`); every request that reached central is logged (`takeExchanges`).
public final class InMemorySyncTransport: SyncTransport {
    /// What goes wrong with the next exchange.
    public enum Fault: Sendable, Equatable {
        /// The request never reaches central (a link down); the counter is spent, as with HTTP.
        case unreachable
        /// Central handles the request and its answer is lost: the hub gets an error.
        case lostAnswer
        /// The hub sends the same message twice, each in its own signed request (a retry whose first try got through,
        /// which is all a duplicate can be: central refuses a signed request seen before); it reads the second answer.
        case duplicated
        /// A pull answer's changes reach the hub in another order, drawn from `seed`.
        case shuffled(seed: UInt64)
        /// A push loses its first change on the way (the batch is signed without it): central must refuse the gap.
        case droppedFirstChange
    }

    /// One request central received, and its answer (gzip'd wire bytes) or refusal.
    public struct Exchange: Sendable {
        public let path: String
        public let headers: [String: String]
        public let body: [UInt8]
        public let answer: [UInt8]?
        /// Central's refusal as it would answer it; any error but a `SyncError` is a 500 `internal_error` whose
        /// message is the error itself.
        public let refusal: SyncError?

        /// The answer decoded, or nil if central refused.
        public func decoded<Answer: Decodable>(_ type: Answer.Type) throws -> Answer? {
            try answer.map { try WireCodec.decode(type, from: $0) }
        }
    }

    public static let pullPath = "/sync/v1/pull"
    public static let pushPath = "/sync/v1/push"

    public let link: CentralLink
    let hub: NodeDatabase
    let hubClock: @Sendable () -> Date
    let centralClock: @Sendable () -> Date
    private let state: LockedValue<State>

    private struct State {
        var central: CentralSyncService
        var linkUp = true
        var nextFault: Fault?
        var exchanges: [Exchange] = []
    }

    /// - Parameters:
    ///   - hub: the hub's storage (its request counter).
    ///   - hubClock: the hub's wall clock (the time header, the counter's floor).
    ///   - centralClock: central's (`now` of its pull and push).
    public init(
        link: CentralLink, hub: NodeDatabase, central: CentralSyncService, hubClock: @escaping @Sendable () -> Date = { Date() },
        centralClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.link = link
        self.hub = hub
        self.hubClock = hubClock
        self.centralClock = centralClock
        state = LockedValue(State(central: central))
    }

    /// Central's service the next exchanges reach (swap it for another slice size).
    public var central: CentralSyncService {
        get { state.withLock { $0.central } }
        set { state.withLock { $0.central = newValue } }
    }

    /// While false, every exchange fails before reaching central.
    public var linkUp: Bool {
        get { state.withLock { $0.linkUp } }
        set { state.withLock { $0.linkUp = newValue } }
    }

    /// What goes wrong with the next exchange (then reset to nil); nil: nothing.
    public var nextFault: Fault? {
        get { state.withLock { $0.nextFault } }
        set { state.withLock { $0.nextFault = newValue } }
    }

    /// The exchanges central received since the last call, oldest first.
    public func takeExchanges() -> [Exchange] {
        state.withLock { state in
            defer { state.exchanges = [] }
            return state.exchanges
        }
    }

    public func post<Request: Encodable, Answer: Decodable>(_ path: String, _ message: Request) async throws -> (Answer, Int) {
        let (fault, linkUp) = state.withLock { state in
            defer { state.nextFault = nil }
            return (state.nextFault, state.linkUp)
        }
        var body = try WireCodec.encode(message)
        if fault == .droppedFirstChange, path == Self.pushPath {
            var push = try WireCodec.decode(PushRequest.self, from: body)
            push.batch = WireBatch(Array(try push.batch.rowChanges().dropFirst()))
            body = try WireCodec.encode(push)
        }
        var headers = try await signedHeaders(path: path, body: body)
        guard linkUp, fault != .unreachable else { throw SyncError.unreachable("lien coupé (test)") }
        var exchange = await deliver(path: path, headers: headers, body: body)
        if fault == .duplicated {
            headers = try await signedHeaders(path: path, body: body)
            exchange = await deliver(path: path, headers: headers, body: body)
        }
        if fault == .lostAnswer { throw SyncError.unreachable("réponse perdue (test)") }
        if let refusal = exchange.refusal { throw SyncError.server(refusal.status, refusal.code, refusal.messageFR) }
        guard var raw = exchange.answer else { throw SyncError.unreachable("pas de réponse (test)") }
        if case .shuffled(let seed) = fault, path == Self.pullPath {
            var pull = try WireCodec.decode(PullResponse.self, from: raw)
            var random = SeededRandom(seed: seed)
            pull.batch = WireBatch(try pull.batch.rowChanges().shuffled(using: &random))
            raw = try WireCodec.encode(pull)
        }
        return (try WireCodec.decode(Answer.self, from: raw), body.count + raw.count + 400)
    }

    /// Sends a request central received before again: verbatim (`signedAgain: false`: central must refuse the replay)
    /// or its body under a new counter. Not logged.
    public func resend(_ exchange: Exchange, signedAgain: Bool) async throws -> Exchange {
        let headers = signedAgain ? try await signedHeaders(path: exchange.path, body: exchange.body) : exchange.headers
        return await deliver(path: exchange.path, headers: headers, body: exchange.body, log: false)
    }

    /// The headers `SyncClient` sends, by lower-cased name as central's route reads them.
    private func signedHeaders(path: String, body: [UInt8]) async throws -> [String: String] {
        let time = hubClock().unixMillis
        let counter = try await hub.nextRequestCounter(peer: link.centralNodeId, role: .central, name: "central", now: hubClock())
        let signature = SyncSignature.sign(
            secret: link.secret, method: "POST", path: path, hubId: link.hubId, counter: counter, time: time, body: body)
        return [
            SyncSignature.Header.protocolVersion.lowercased(): String(syncProtocolVersion), SyncSignature.Header.hub.lowercased(): link.hubId,
            SyncSignature.Header.counter.lowercased(): String(counter), SyncSignature.Header.time.lowercased(): String(time),
            SyncSignature.Header.signature.lowercased(): signature,
        ]
    }

    /// Central's route: the protocol header, the signature, the message, the service; its answer encoded for the wire.
    private func deliver(path: String, headers: [String: String], body: [UInt8], log: Bool = true) async -> Exchange {
        let central = self.central
        var answer: [UInt8]?
        var refusal: SyncError?
        do {
            if let version = headers[SyncSignature.Header.protocolVersion.lowercased()] {
                guard let version = Int(version) else { throw SyncError.malformed("en-tête Djobea-Protocol illisible") }
                try central.admitProtocol(version)
            }
            let hub = try await central.authenticate(method: "POST", path: path, headers: headers, body: body)
            switch path {
            case Self.pullPath:
                let message = try WireCodec.decode(PullRequest.self, from: body, maxBytes: WireCodec.maxSmallDecodedBytes)
                let time = headers[SyncSignature.Header.time.lowercased()].flatMap(Int64.init)
                answer = try WireCodec.encode(
                    try await central.pull(message, from: hub, hubTime: time, wireBytes: body.count, now: centralClock()))
            case Self.pushPath:
                let message = try WireCodec.decode(PushRequest.self, from: body)
                answer = try WireCodec.encode(try await central.push(message, from: hub, wireBytes: body.count, now: centralClock()))
            default:
                throw SyncError.server(404, "not_found", "Route inconnue : \(path).")
            }
        } catch let error as SyncError {
            refusal = error
        } catch {
            refusal = .server(500, "internal_error", String(describing: error))
        }
        let exchange = Exchange(path: path, headers: headers, body: body, answer: answer, refusal: refusal)
        if log { state.withLock { $0.exchanges.append(exchange) } }
        return exchange
    }
}
