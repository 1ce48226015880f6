import AsyncHTTPClient
import DjobeaDomain
import Foundation
import NIOCore
import NIOHTTP1

/// One collection as the gateway hands it to an operator driver.
public struct MobileMoneyOrder: Sendable, Equatable {
    /// The operator's reference: MTN's `X-Reference-Id` (a UUID), Orange's `orderId`. Derived, so a retry is the same
    /// request at the operator.
    public var reference: String
    public var method: CollectionMethod
    /// E.164 (`+2376…`).
    public var payerPhone: String
    /// Francs (XAF).
    public var amount: Int
    /// What the client reads in the operator's prompt, e.g. "Djobea F-2026-0007".
    public var description: String

    public init(reference: String, method: CollectionMethod, payerPhone: String, amount: Int, description: String) {
        self.reference = reference
        self.method = method
        self.payerPhone = payerPhone
        self.amount = amount
        self.description = description
    }

    /// The MSISDN without `+` (`237699123456`), as both operators want it.
    public var msisdn: String { String(payerPhone.drop { $0 == "+" }) }
}

/// What the operator says of a collection.
public enum OperatorCollectionStatus: Sendable, Equatable {
    /// Not decided yet: the client has not approved or refused.
    case pending
    /// Paid: the operator's transaction id and the amount it collected.
    case successful(transactionId: String, amount: Int)
    /// Will never be paid, with the operator's reason code.
    case failed(code: String)
    /// The operator does not know this reference (never received, or not yet visible).
    case unknown
}

/// Why an operator call did not give an answer.
public enum MobileMoneyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// May pass if retried (network, 5xx, 429, an expired token refreshed too late).
    case transient(reason: String, retryAfter: TimeInterval?)
    /// The request may have reached the operator but no answer came back: ask for its status before anything else.
    case unknownOutcome(reason: String)
    /// The operator refused the request itself (invalid number, bad amount, credentials): it will not pass as is.
    case refused(code: String, reason: String)

    public var description: String {
        switch self {
        case .transient(let reason, _), .unknownOutcome(let reason), .refused(_, let reason): reason
        }
    }
}

/// A mobile money operator's collection API (DESIGN.md "Gateways"): MTN MoMo, Orange Money, or the console driver.
///
/// The gateway calls `prepare` once per reference and keeps the handle it returns (Orange's pay token) before it calls
/// `request`, so that a crash between the two never makes a second prompt; `request` may be called again with the same
/// handle after a crash and must then be harmless (MTN answers 409 for a reference it has; Orange's token is single-use).
public protocol MobileMoneyCollector: Sendable {
    var method: CollectionMethod { get }
    /// Reserves what the operator needs before the request (nothing for MTN: the handle is the reference).
    func prepare(_ order: MobileMoneyOrder) async throws -> String
    /// Asks the operator to prompt the client.
    func request(_ order: MobileMoneyOrder, handle: String) async throws
    /// What the operator says now. Callbacks are never trusted: the gateway always asks this.
    func status(_ order: MobileMoneyOrder, handle: String) async throws -> OperatorCollectionStatus
}

/// An OAuth-style bearer token, fetched when first needed, kept until a minute before it expires, and dropped when the
/// operator answers 401 (the caller then retries once with a fresh one).
actor BearerTokenCache {
    private var token: (value: String, expires: Date)?
    private let fetch: @Sendable () async throws -> (String, TimeInterval)
    private let clock: @Sendable () -> Date

    init(clock: @escaping @Sendable () -> Date = { Date() }, fetch: @escaping @Sendable () async throws -> (String, TimeInterval)) {
        self.fetch = fetch
        self.clock = clock
    }

    func current() async throws -> String {
        if let token, token.expires > clock() { return token.value }
        let (value, lifetime) = try await fetch()
        token = (value, clock().addingTimeInterval(max(0, lifetime - 60)))
        return value
    }

    func invalidate(_ value: String) {
        if token?.value == value { token = nil }
    }

    /// Runs `call` with the token; a 401 (expired or revoked token) gets one retry with a fresh token.
    func authorized(_ call: @Sendable (String) async throws -> OperatorHTTP.Reply) async throws -> OperatorHTTP.Reply {
        let token = try await current()
        let reply = try await call(token)
        guard reply.status == 401 else { return reply }
        invalidate(token)
        return try await call(try await current())
    }
}

/// HTTP for the operator drivers: one call, its answer, failures classified like the message drivers'.
enum OperatorHTTP {
    struct Reply: Sendable {
        let status: Int
        let retryAfter: TimeInterval?
        let body: Data

        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
        var text: String { String(decoding: body.prefix(300), as: UTF8.self) }
    }

    static func call(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)], body: [UInt8]?, client: HTTPClient, service: String
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let buffer = (try? await response.body.collect(upTo: 64 * 1024)) ?? ByteBuffer()
            return Reply(
                status: Int(response.status.code), retryAfter: GatewayHTTP.retryAfter(response.headers.first(name: "retry-after")),
                body: Data(buffer.readableBytesView))
        } catch {
            if GatewayHTTP.isConnectionFailure(error) {
                throw MobileMoneyError.transient(reason: "\(service) injoignable : \(error)", retryAfter: nil)
            }
            throw MobileMoneyError.unknownOutcome(reason: "\(service) : pas de réponse (\(error))")
        }
    }

    /// An error status that is not the caller's to handle: transient (408, 429, 5xx) or a refusal.
    static func failure(_ reply: Reply, service: String, code: String) -> MobileMoneyError {
        if GatewayHTTP.isTransient(status: reply.status) {
            return .transient(reason: "\(service) : HTTP \(reply.status) \(reply.text)", retryAfter: reply.retryAfter)
        }
        return .refused(code: code, reason: "\(service) : HTTP \(reply.status) \(reply.text)")
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// An integer amount from the operator's answer (a string "15000" or a number).
    static func amount(_ value: Any?) -> Int? {
        if let text = value as? String { return Int(text) ?? Double(text).map { Int($0.rounded()) } }
        if let number = value as? NSNumber { return number.intValue }
        return nil
    }
}
