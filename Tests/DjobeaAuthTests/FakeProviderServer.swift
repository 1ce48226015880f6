import DjobeaDomain
import DjobeaGatewayFakes
import Foundation

/// A local fake of a provider's HTTP API on 127.0.0.1 (a free port, served by `FakeHTTPServer`): records every request and answers each with
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
        let http = try await FakeHTTPServer.start(name: "fake-provider") { request in server.answer(request) }
        do {
            let result = try await body(server, http.baseURL)
            await http.stop()
            return result
        } catch {
            await http.stop()
            throw error
        }
    }

    private func answer(_ request: RecordedRequest) -> FakeResponse {
        let recorded = Recorded(method: request.method, path: request.path, headers: request.headers, body: Data(request.body))
        let reply = state.withLock { state -> Reply in
            state.recorded.append(recorded)
            let reply = state.replies.first ?? Reply(status: 500, body: "{}")
            if state.replies.count > 1 { state.replies.removeFirst() }
            return reply
        }
        return .json(reply.status, reply.body)
    }
}
