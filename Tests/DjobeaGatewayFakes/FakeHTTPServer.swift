import DjobeaDomain
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// One request as it reached a fake.
public struct RecordedRequest: Sendable {
    public let method: String
    public let path: String
    /// The query fields, percent-decoded (the first value of a repeated name).
    public let query: [String: String]
    /// Header values by lowercased name (repeated headers joined with ", ").
    public let headers: [String: String]
    public let body: [UInt8]
    public let receivedAt: Date

    public init(method: String, path: String, query: [String: String], headers: [String: String], body: [UInt8], receivedAt: Date) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.receivedAt = receivedAt
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The JSON body as a Foundation object (nil if not a JSON object).
    public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }

    /// The fields of an `application/x-www-form-urlencoded` body, in order (`+` is a space).
    public var form: [(String, String)] { FakeForm.parse(body) }

    /// The form fields by name (the first value of a repeated name).
    public var formValues: [String: String] { Dictionary(form, uniquingKeysWith: { first, _ in first }) }
}

/// A scripted answer.
public struct FakeResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer; `retryAfter` adds a `Retry-After` header (seconds).
    public static func json(_ status: Int, _ text: String, retryAfter: Int? = nil) -> FakeResponse {
        var headers = [("Content-Type", "application/json")]
        if let retryAfter { headers.append(("Retry-After", String(retryAfter))) }
        return FakeResponse(status: status, headers: headers, body: Array(text.utf8))
    }
}

/// `application/x-www-form-urlencoded` reading and writing, as the services and their webhooks use it.
public enum FakeForm {
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    public static func parse(_ body: [UInt8]) -> [(String, String)] {
        String(decoding: body, as: UTF8.self).split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    public static func encode(_ fields: [(String, String)]) -> [UInt8] {
        func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text }
        return Array(fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&").utf8)
    }
}

/// A local HTTP server on 127.0.0.1 that hands every request to a handler. The base of the service fakes; it keeps
/// running until `stop()` (so a separate process can call it), or for the duration of `with`.
public final class FakeHTTPServer: Sendable {
    public typealias Handler = @Sendable (RecordedRequest) async -> FakeResponse

    public let port: Int
    /// `http://127.0.0.1:<port>`.
    public let baseURL: URL
    private let task: Task<Void, any Error>

    private init(port: Int, baseURL: URL, task: Task<Void, any Error>) {
        self.port = port
        self.baseURL = baseURL
        self.task = task
    }

    /// Starts a server on `port` (0: a free one) answering with `handler`.
    public static func start(port: Int = 0, name: String = "fake-http", handler: @escaping Handler) async throws -> FakeHTTPServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: name)
        logger.logLevel = .critical  // stopping by cancellation logs harmless errors
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { request, _ in
                let body = try await request.body.collect(upTo: 4 << 20)
                var headers: [String: String] = [:]
                for field in request.headers {
                    let name = field.name.canonicalName
                    headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
                }
                var query: [String: String] = [:]
                for (name, value) in request.uri.queryParameters where query[String(name)] == nil {
                    query[String(name)] = String(value)
                }
                let recorded = RecordedRequest(
                    method: request.method.rawValue, path: request.uri.path, query: query, headers: headers,
                    body: Array(body.readableBytesView), receivedAt: Date())
                let answer = await handler(recorded)
                var fields = HTTPFields()
                for (name, value) in answer.headers {
                    if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
                }
                return Response(
                    status: HTTPResponse.Status(code: answer.status), headers: fields,
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
            },
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let task = Task {
            // A server that fails to bind never runs: end the stream so that `start` does not wait forever.
            defer { continuation.finish() }
            try await app.runService(gracefulShutdownSignals: [])
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0, let url = URL(string: "http://127.0.0.1:\(bound)") else {
            task.cancel()
            throw FakeServerError(reason: "fake server did not start on port \(port): \(String(describing: await task.result))")
        }
        return FakeHTTPServer(port: bound, baseURL: url, task: task)
    }

    /// Stops the server and waits until it has closed.
    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

public struct FakeServerError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

/// The scripting shared by the service fakes: forced failures, per-recipient errors, rate limits and a delay.
public struct FakeScript: Sendable {
    /// Answer this many 429 (with `Retry-After` seconds when given) before anything else.
    public var throttleNext = 0
    public var throttleRetryAfter: Int?
    /// Then answer this many 500.
    public var serverErrorNext = 0
    /// An error code to answer for a recipient (E.164 with `+`).
    public var errorByRecipient: [String: Int] = [:]
    /// At most one accepted message per recipient within this interval; beyond, a 429 with the pair-limit code.
    public var perRecipientInterval: Duration?
    /// At most this many accepted messages per `globalWindow` (one second unless changed) overall; beyond, a 429
    /// with the throughput code.
    public var globalPerSecond: Int?
    /// The window of `globalPerSecond`; a longer one makes a test independent of how fast the machine is.
    public var globalWindow: Duration = .seconds(1)
    /// Waits this long before answering (to kill a sender while its request is in flight).
    public var delay: Duration?

    public init() {}
}

/// Rate-limit bookkeeping of a fake.
struct FakeLimiter {
    var lastByRecipient: [String: ContinuousClock.Instant] = [:]
    var recentAccepted: [ContinuousClock.Instant] = []

    enum Verdict { case ok, recipientLimited, globalLimited }

    /// Whether one more message to `recipient` may be accepted now under `script`; records it if so.
    mutating func admit(_ recipient: String, script: FakeScript, now: ContinuousClock.Instant = .now) -> Verdict {
        if let interval = script.perRecipientInterval, let last = lastByRecipient[recipient], now - last < interval {
            return .recipientLimited
        }
        if let perSecond = script.globalPerSecond {
            recentAccepted.removeAll { now - $0 >= script.globalWindow }
            if recentAccepted.count >= perSecond { return .globalLimited }
        }
        lastByRecipient[recipient] = now
        recentAccepted.append(now)
        return .ok
    }
}

/// Random ids that look like the services' own.
public enum FakeIds {
    /// `count` random lowercase hexadecimal digits.
    public static func hex(_ count: Int) -> String {
        (0..<count).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
    }

    /// `byteCount` random bytes in base64.
    public static func base64(_ byteCount: Int) -> String {
        Data((0..<byteCount).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }
}
