import AsyncHTTPClient
import DjobeaDomain
import Foundation
import Hummingbird
import Logging
import NIOCore

/// A local fake of a provider's HTTP API on 127.0.0.1 (a free port): records every request and answers each with
/// the next scripted reply (the last one is repeated).
final class FakeProviderServer: Sendable {
    /// One request as it reached the fake.
    struct Recorded: Sendable {
        let method: String
        let path: String
        /// Header values by lowercased name (repeated headers joined with ", ").
        let headers: [String: String]
        let body: Data

        var text: String { String(decoding: body, as: UTF8.self) }

        /// The form fields of an `application/x-www-form-urlencoded` body, in order.
        var formFields: [(String, String)] {
            text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                func decode(_ part: Substring?) -> String {
                    let plus = (part ?? "").replacingOccurrences(of: "+", with: " ")
                    return plus.removingPercentEncoding ?? "<encodage invalide : \(plus)>"
                }
                return (decode(parts.first), decode(parts.count > 1 ? parts[1] : nil))
            }
        }

        /// The JSON body as a Foundation object (nil if not JSON).
        var json: NSDictionary? { (try? JSONSerialization.jsonObject(with: body)) as? NSDictionary }
    }

    /// A scripted answer: status and JSON body.
    struct Reply: Sendable {
        let status: Int
        let body: String
    }

    private struct State {
        var recorded: [Recorded] = []
        var replies: [Reply]
    }

    private let state: LockedValue<State>

    private init(replies: [Reply]) {
        state = LockedValue(State(replies: replies))
    }

    /// Every request received so far, in order.
    var requests: [Recorded] { state.withLock { $0.recorded } }

    /// Starts a fake answering with `replies`, runs `body` with it and its base URL, then stops it.
    static func with<T>(replies: [Reply], _ body: (FakeProviderServer, URL) async throws -> T) async throws -> T {
        let server = FakeProviderServer(replies: replies)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "fake-provider")
        logger.logLevel = .critical  // stopping by cancellation logs harmless errors
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { request, _ in try await server.answer(request) },
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let running = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0, let url = URL(string: "http://127.0.0.1:\(port)") else {
            throw FakeServerError.notStarted
        }
        let result = try await body(server, url)
        running.cancel()
        _ = await running.result
        return result
    }

    private func answer(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        let recorded = Recorded(method: request.method.rawValue, path: request.uri.path, headers: headers, body: Data(body.readableBytesView))
        let reply = state.withLock { state -> Reply in
            state.recorded.append(recorded)
            let reply = state.replies.first ?? Reply(status: 500, body: "{}")
            if state.replies.count > 1 { state.replies.removeFirst() }
            return reply
        }
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
    }
}

enum FakeServerError: Error {
    case notStarted
}

/// A URL on which nothing listens: connections are refused.
let unreachableURL = URL(string: "http://127.0.0.1:1") ?? URL(fileURLWithPath: "/")

/// Runs `body` with a fresh `HTTPClient` and shuts it down afterwards, also when `body` throws.
func withHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}
