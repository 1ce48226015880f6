import DjobeaDomain
import DjobeaStore
import DjobeaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import DjobeaServer

#if canImport(Glibc)
    import Glibc
#endif

@Suite("GET /provider/notifications/stream (Server-Sent Events)")
struct NotificationStreamTests {
    /// Short timings, and a lifetime so the test client, which reads whole bodies, gets the stream's end.
    static let timing = NotificationStreamController.Timing(heartbeat: .milliseconds(300), poll: .milliseconds(100), lifetime: .milliseconds(1500))

    /// The auth routes and the stream with test timings, on a real socket.
    static func application(_ harness: ProviderAPIHarness, timing: NotificationStreamController.Timing = timing) -> some ApplicationProtocol {
        let router = Router(context: NodeRequestContext.self)
        router.add(middleware: APIErrorMiddleware(logger: Logger(label: "test")))
        let docs = APIDocumentation(title: "test")
        AuthController(auth: harness.auth).registerPublic(on: DocumentedRoutes(group: router.group(), docs: docs, tag: "t", authenticated: false))
        NotificationStreamController(database: harness.database, services: harness.services, timing: timing)
            .register(on: router, docs: docs, limit: RateLimitMiddleware(check: harness.services.rateLimitCheck))
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// Inserts a notification for `providerId` now and returns its id.
    static func notify(_ harness: ProviderAPIHarness, providerId: String, kind: String = "payment_received") async throws -> String {
        try await harness.database.write { tx in
            try tx.insert(
                .notifications,
                [
                    "id": .text(DjobeaID.v7(now: tx.now)), "provider_id": .text(providerId), "kind": .text(kind), "title": .text("Paiement reçu"),
                    "body": .text("15 000 F"), "created_at": .text(UTCTimestamp.format(tx.now)),
                ])
        }
    }

    /// The events of an SSE body, in order.
    static func events(_ body: String) -> [(id: String, event: String, data: ProviderFeedEvent)] {
        body.components(separatedBy: "\n\n").compactMap { block in
            var fields: [String: String] = [:]
            for line in block.split(separator: "\n") where !line.hasPrefix(":") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            guard let id = fields["id"], let event = fields["event"], let data = fields["data"],
                let feedEvent = try? JSONCoding.decoder.decode(ProviderFeedEvent.self, from: Data(data.utf8))
            else { return nil }
            return (id, event, feedEvent)
        }
    }

    @Test("streams the backlog, then rows that arrive, with heartbeats; token in the query; no gzip, no cache")
    func liveEventsAndHeartbeat() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let provider = try #require(harness.providers.first)
        let early = try await Self.notify(harness, providerId: provider.id)
        // Read as it comes on a bare socket, so the late row is written only once the stream is surely open, whatever
        // the load: a 4 s stream read whole missed the late row when a loaded CI machine delayed the writer past its end.
        let timing = NotificationStreamController.Timing(heartbeat: .milliseconds(300), poll: .milliseconds(100), lifetime: .seconds(60))
        try await Self.application(harness, timing: timing).test(.live) { client in
            let token = try await harness.login(client, phone: provider.phone)
            let connection = try RawConnection(port: try #require(client.port))
            defer { connection.close() }
            try connection.send(
                "GET /provider/notifications/stream?access_token=\(token) HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n\r\n")
            let opened = try await connection.read(until: early)
            let lateId = try await Self.notify(harness, providerId: provider.id, kind: "system")
            let raw = opened + (try await connection.read(until: lateId))
            let rest = try await connection.read(until: ": ping\n\n")
            let (head, body) = try #require(RawConnection.response(raw + rest), "a complete head")
            #expect(head.hasPrefix("HTTP/1.1 200"))
            let headers = head.lowercased()
            #expect(headers.contains("\r\ncontent-type: text/event-stream"))
            #expect(headers.contains("\r\ncache-control: no-store\r\n"))
            #expect(!headers.contains("\r\ncontent-encoding:"))
            #expect(headers.contains("\r\nx-accel-buffering: no\r\n"))
            #expect(body.hasPrefix("retry: 3000\n\n"))
            #expect(body.contains(": ping\n\n"), "a heartbeat once the stream is silent")
            let events = Self.events(body)
            #expect(events.map(\.id) == events.map(\.id).sorted(), "UUIDv7 ids: in time order")
            let first = try #require(events.first { $0.id == early }, "the unseen notification is in the backlog")
            #expect(first.event == "payment_received" && first.data.title == "Paiement reçu")
            let arrived = try #require(events.first { $0.id == lateId }, "a row written during the stream is sent")
            #expect(arrived.event == "system" && arrived.data.kind == "system")
        }
    }

    @Test("a client's message that reaches the hub by sync with an id older than the stream's cursor is still streamed, once")
    func lateClientMessage() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let provider = try #require(harness.providers.first)
        // Read as it comes on a bare socket: each write happens once the stream has shown the one before it, whatever
        // the load on the machine.
        let timing = NotificationStreamController.Timing(heartbeat: .milliseconds(300), poll: .milliseconds(100), lifetime: .seconds(60))
        try await Self.application(harness, timing: timing).test(.live) { client in
            let token = try await harness.login(client, phone: provider.phone)
            let connection = try RawConnection(port: try #require(client.port))
            defer { connection.close() }
            try connection.send("GET /provider/notifications/stream?access_token=\(token) HTTP/1.1\r\nHost: localhost\r\n\r\n")
            var raw = try await connection.read(until: "retry: 3000")
            // A local notification moves the cursor; then central's message, written 30 s earlier, arrives.
            let notification = try await Self.notify(harness, providerId: provider.id, kind: "system")
            raw += try await connection.read(until: notification)
            let messageId = try await harness.database.write { tx in
                let clientId = try #require(try String.fetchOne(tx.db, sql: "SELECT id FROM clients LIMIT 1"))
                let id = DjobeaID.v7(now: tx.now.addingTimeInterval(-30))
                try tx.insert(
                    .messages,
                    [
                        "id": .text(id), "provider_id": .text(provider.id), "client_id": .text(clientId), "direction": "in",
                        "channel": "whatsapp", "body": "Je suis au portail", "sent_at": ColumnValue(tx.now.addingTimeInterval(-30)),
                        "delivery_status": "delivered",
                    ])
                return id
            }
            raw += try await connection.read(until: "Je suis au portail")
            // Two heartbeats more: several polls, none of which may send the message again.
            raw += try await connection.read(until: ": ping\n\n")
            raw += try await connection.read(until: ": ping\n\n")
            let events = Self.events(try #require(RawConnection.response(raw)).body)
            let messages = events.filter { $0.data.id == messageId }
            #expect(messages.count == 1, "streamed once: \(events.map(\.event))")
            #expect(messages.first?.event == "client_message" && messages.first?.data.body == "Je suis au portail")
            #expect(events.map(\.id) == events.map(\.id).sorted(), "the stream's ids never go back")
        }
    }

    @Test("resumes after Last-Event-ID (header or query) and refuses a missing token")
    func resume() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let provider = try #require(harness.providers.first)
        var made: [String] = []
        for _ in 0..<3 { made.append(try await Self.notify(harness, providerId: provider.id)) }
        let ids = made
        // A finished stream closes its connection, and the test client has one: one server run per stream.
        let app = Self.application(harness)
        let token = try await app.test(.live) { client in
            let denied = try await client.execute(uri: "/provider/notifications/stream", method: .get)
            #expect(denied.status == .unauthorized)
            let junk = try await client.execute(uri: "/provider/notifications/stream?last_event_id=abc", method: .get, headers: [:])
            #expect(junk.status == .unauthorized, "the token is checked first")
            return try await harness.login(client, phone: provider.phone)
        }
        try await app.test(.live) { client in
            let junk = try await client.execute(
                uri: "/provider/notifications/stream?last_event_id=abc", method: .get, headers: harness.bearer(token))
            #expect(junk.status == .unprocessableContent)
        }
        try await app.test(.live) { client in
            var headers = harness.bearer(token)
            headers[values: try #require(HTTPField.Name("Last-Event-ID"))] = [ids[0]]
            let resumed = try await client.execute(uri: "/provider/notifications/stream", method: .get, headers: headers)
            #expect(resumed.status == .ok)
            let sent = Self.events(String(buffer: resumed.body)).map(\.id)
            #expect(!sent.contains(ids[0]), "nothing up to the last id seen")
            #expect(sent.filter { ids.contains($0) } == [ids[1], ids[2]], "what came after, in order")
            #expect(sent.allSatisfy { $0 > ids[0] })
        }
        try await app.test(.live) { client in
            let byQuery = try await client.execute(
                uri: "/provider/notifications/stream?last_event_id=\(ids[1])", method: .get, headers: harness.bearer(token))
            #expect(Self.events(String(buffer: byQuery.body)).map(\.id).filter { ids.contains($0) } == [ids[2]])
        }
    }

    @Test("a stream in progress ends within one heartbeat of logout, and the dead token is then refused")
    func endsAfterLogout() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let provider = try #require(harness.providers.first)
        let timing = NotificationStreamController.Timing(heartbeat: .milliseconds(300), poll: .milliseconds(100), lifetime: .seconds(10))
        try await Self.application(harness, timing: timing).test(.live) { client in
            let token = try await harness.login(client, phone: provider.phone)
            let identity = try await harness.auth.authenticate(accessToken: token)
            let connection = try RawConnection(port: try #require(client.port))
            try connection.send("GET /provider/notifications/stream HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n\r\n")
            #expect(try await connection.read(until: "retry: 3000").hasPrefix("HTTP/1.1 200"))
            try await harness.auth.logout(sessionId: identity.sessionId)
            let start = ContinuousClock.now
            let rest = try await connection.read(until: "0\r\n\r\n")
            #expect(rest.hasSuffix("0\r\n\r\n"), "the chunked body's last chunk: a clean end, not a reset")
            #expect(ContinuousClock.now - start < .seconds(3), "ended long before its 10 s lifetime")
            #expect(!rest.contains(": ping"), "no heartbeat for a dead session")
        }
        try await Self.application(harness).test(.live) { client in
            let token = try await harness.login(client, phone: provider.phone)
            let identity = try await harness.auth.authenticate(accessToken: token)
            try await harness.auth.logout(sessionId: identity.sessionId)
            let refused = try await client.execute(uri: "/provider/notifications/stream?access_token=\(token)", method: .get)
            #expect(refused.status == .unauthorized)
        }
    }

    @Test("the stream ends as soon as the client hangs up, not at its next heartbeat")
    func endsOnDisconnect() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let provider = try #require(harness.providers.first)
        let slow = NotificationStreamController.Timing(heartbeat: .seconds(60), poll: .milliseconds(100), lifetime: .seconds(60))
        let start = ContinuousClock.now
        try await Self.application(harness, timing: slow).test(.live) { client in
            let token = try await harness.login(client, phone: provider.phone)
            let connection = try RawConnection(port: try #require(client.port))
            try connection.send("GET /provider/notifications/stream HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n\r\n")
            #expect(try await connection.read(until: "retry: 3000").hasPrefix("HTTP/1.1 200"))
            connection.close()
        }
        // Shutting the server down waits for open requests: a stream still running would hold it for its 60 s lifetime.
        // The bound leaves room for the test's own start-up (app, login) while the whole suite runs in parallel on
        // 2 cores (22 s was measured there), and still fails if the stream outlives its client.
        #expect(ContinuousClock.now - start < .seconds(45))
    }
}

/// A bare socket, so a test can read a response as it comes and hang up in the middle of it.
// @unchecked: one test drives it, one call at a time; reads run on their own thread only to spare the
// cooperative pool a blocking call (two blocked workers would starve the server on a 2-core machine).
final class RawConnection: @unchecked Sendable {
    struct Failure: Error {}

    private var socketId: Int32

    init(port: Int) throws {
        socketId = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketId >= 0 else { throw Failure() }
        let connected = withLoopbackAddress(port: port) { connect(socketId, $0, $1) }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(socketId, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connected == 0 else {
            close()
            throw Failure()
        }
    }

    deinit { close() }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard write(socketId, bytes, bytes.count) == bytes.count else { throw Failure() }
    }

    /// Reads until `marker` shows up, the peer closes or 15 s pass, on a thread of its own.
    func read(until marker: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try self.readBlocking(until: marker) }) }.start()
        }
    }

    private func readBlocking(until marker: String) throws -> String {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received, as: UTF8.self).contains(marker) {
            let count = Glibc.read(socketId, &chunk, chunk.count)
            guard count > 0 else { break }
            received += chunk[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Splits a raw HTTP/1.1 response into its head and its body, undoing chunked transfer encoding; the last chunk
    /// may be cut short (a stream still open). Nil without a complete head.
    static func response(_ raw: String) -> (head: String, body: String)? {
        let bytes = Array(raw.utf8)
        let crlf: [UInt8] = [13, 10]
        func find(_ needle: [UInt8], from start: Int) -> Int? {
            guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
            return (start...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle }
        }
        guard let headEnd = find(crlf + crlf, from: 0) else { return nil }
        let head = String(decoding: bytes[..<(headEnd + 4)], as: UTF8.self)
        guard head.lowercased().contains("transfer-encoding: chunked") else {
            return (head, String(decoding: bytes[(headEnd + 4)...], as: UTF8.self))
        }
        var body: [UInt8] = []
        var at = headEnd + 4
        while let lineEnd = find(crlf, from: at), let size = Int(String(decoding: bytes[at..<lineEnd], as: UTF8.self), radix: 16),
            size > 0
        {
            let start = lineEnd + 2
            let end = min(start + size, bytes.count)
            body += bytes[start..<end]
            at = end + 2
            guard at <= bytes.count else { break }
        }
        return (head, String(decoding: body, as: UTF8.self))
    }

    func close() {
        guard socketId >= 0 else { return }
        _ = Glibc.close(socketId)
        socketId = -1
    }
}
