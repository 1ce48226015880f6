import AsyncHTTPClient
import DjobeaDomain
import DjobeaStore
import DjobeaSync
import DjobeaTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOSSL
import Testing

@testable import DjobeaServer

/// HTTPS serves HTTP/2 to clients that offer it by ALPN (a phone's browser: every file on one connection, one TLS
/// handshake on a slow link) and HTTP/1.1 to the others; the real-time stream and request bodies work on both.
@Suite("HTTP/2 over TLS", .serialized)
struct HTTP2Tests {
    /// The auth routes and the notification stream, served as `djobea hub --tls-cert` serves them.
    static func application(_ harness: ProviderAPIHarness, tls: ServerTLS, idleTimeout: Duration) -> some ApplicationProtocol {
        let router = Router(context: NodeRequestContext.self)
        router.add(middleware: APIErrorMiddleware(logger: Logger(label: "test")))
        let docs = APIDocumentation(title: "test")
        AuthController(auth: harness.auth).registerPublic(on: DocumentedRoutes(group: router.group(), docs: docs, tag: "t", authenticated: false))
        let timing = NotificationStreamController.Timing(heartbeat: .milliseconds(300), poll: .milliseconds(100), lifetime: .seconds(60))
        NotificationStreamController(database: harness.database, services: harness.services, timing: timing)
            .register(on: router, docs: docs, limit: RateLimitMiddleware(check: harness.services.rateLimitCheck))
        let settings = ServerSettings(host: "127.0.0.1", port: 0, role: .hub, tls: tls, idleTimeout: idleTimeout)
        return Application(router: router, server: settings.server, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// Runs `body` with a fresh harness, its routes served over TLS with `idleTimeout` (a throwaway certificate for
    /// localhost), the certificate's path and the port.
    static func withServer(
        idleTimeout: Duration, _ body: @escaping @Sendable (ProviderAPIHarness, String, Int) async throws -> Void
    ) async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let files = try TLSTests.selfSigned(in: harness.directory)
        let tls = try ServerTLS.load(certificatePath: files.certificate, keyPath: files.key)
        try await application(harness, tls: tls, idleTimeout: idleTimeout).test(.live) { live in
            try await body(harness, files.certificate, try #require(live.port))
        }
    }

    static func client(trusting certificate: String, http1Only: Bool = false) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = http1Only ? .http1Only : .automatic
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    static func post(_ client: HTTPClient, _ url: String, _ json: String) async throws -> (HTTPClientResponse, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await client.execute(request, timeout: .seconds(20))
        return (response, String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    /// Reads `body` until its text so far contains every one of `marks`, or `timeout` passes.
    static func read(
        _ body: HTTPClientResponse.Body.AsyncIterator, until marks: [String], seen: String = "", timeout: Duration = .seconds(30)
    ) async throws -> (String, HTTPClientResponse.Body.AsyncIterator) {
        var iterator = body
        var text = seen
        let deadline = ContinuousClock.now + timeout
        while !marks.allSatisfy({ text.contains($0) }) && ContinuousClock.now < deadline {
            guard let chunk = try await iterator.next() else { break }
            text += String(buffer: chunk)
        }
        return (text, iterator)
    }

    @Test("a client offering h2 gets HTTP/2: login bodies, then the SSE stream with its live rows, kept open past the idle timeout")
    func http2Stream() async throws {
        try await Self.withServer(idleTimeout: .seconds(2)) { harness, certificate, port in
            let provider = try #require(harness.providers.first)
            let early = try await NotificationStreamTests.notify(harness, providerId: provider.id)
            let base = "https://localhost:\(port)"
            let client = try Self.client(trusting: certificate)
            do {
                let (sent, _) = try await Self.post(client, base + "/provider/auth/send-otp", #"{"phone":"\#(provider.phone)"}"#)
                #expect(sent.status == .accepted)
                #expect(sent.version == .http2, "a client offering h2 by ALPN is answered in HTTP/2")
                let code = try #require(try await harness.lastCode(for: provider.phone))
                let (verified, body) = try await Self.post(
                    client, base + "/provider/auth/verify-otp", #"{"phone":"\#(provider.phone)","code":"\#(code)"}"#)
                #expect(verified.status == .ok)
                let token = try JSONCoding.decoder.decode(AuthTokens.self, from: Data(body.utf8)).accessToken

                let stream = try await client.execute(
                    HTTPClientRequest(url: base + "/provider/notifications/stream?access_token=\(token)"), timeout: .seconds(60))
                #expect(stream.status == .ok)
                #expect(stream.version == .http2)
                #expect(stream.headers["content-type"].first?.hasPrefix("text/event-stream") == true)
                let (opened, iterator) = try await Self.read(stream.body.makeAsyncIterator(), until: [early])
                #expect(opened.contains(early), "the backlog comes first")
                let late = try await NotificationStreamTests.notify(harness, providerId: provider.id, kind: "system")
                let (withLate, rest) = try await Self.read(iterator, until: [late], seen: opened)
                #expect(withLate.contains(late), "a row written during the stream is sent on the open HTTP/2 stream")
                // The connection's 2 s idle timeout counts only time without an open stream: the stream lives on (a 300 ms
                // heartbeat keeps it far from the 4 s silence limit, even on a loaded machine).
                try await Task.sleep(for: .milliseconds(3000))
                let later = try await NotificationStreamTests.notify(harness, providerId: provider.id, kind: "system")
                let (afterIdle, _) = try await Self.read(rest, until: [later], seen: withLate)
                #expect(afterIdle.contains(later), "a row written 3 s later still arrives (the stream was not cut)")
            } catch {
                Issue.record("HTTP/2 exchange failed: \(error)")
            }
            try await client.shutdown()
        }
    }

    @Test("a client without h2 (curl --http1.1, monitoring tools, older libraries) still gets HTTP/1.1 on the same port")
    func http1Fallback() async throws {
        try await Self.withServer(idleTimeout: .seconds(30)) { harness, certificate, port in
            let provider = try #require(harness.providers.first)
            let client = try Self.client(trusting: certificate, http1Only: true)
            do {
                let (sent, _) = try await Self.post(
                    client, "https://localhost:\(port)/provider/auth/send-otp", #"{"phone":"\#(provider.phone)"}"#)
                #expect(sent.status == .accepted)
                #expect(sent.version == .http1_1)
                let (refused, body) = try await Self.post(
                    client, "https://localhost:\(port)/provider/auth/send-otp", #"{"phone":42"#)
                #expect(refused.status.code / 100 == 4, "malformed JSON is a 4xx on HTTP/1.1 too: \(body)")
            } catch {
                Issue.record("HTTP/1.1 exchange failed: \(error)")
            }
            try await client.shutdown()
        }
    }

    @Test("an HTTP/2 client that goes silent (never answers the server's closing PING) is cut after twice the idle timeout")
    func idleConnectionClosed() async throws {
        try await Self.withServer(idleTimeout: .seconds(1)) { _, _, port in
            // openssl negotiates h2 and then stays silent, with its input held open: only the server can end it.
            let openssl = Process()
            openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            openssl.arguments = ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-alpn", "h2", "-quiet"]
            let input = Pipe()
            let output = Pipe()
            openssl.standardInput = input
            openssl.standardOutput = output
            openssl.standardError = output
            let start = ContinuousClock.now
            try openssl.run()
            let ended = try await eventually(timeout: 20, every: .milliseconds(100)) { !openssl.isRunning }
            if !ended { kill(openssl.processIdentifier, SIGKILL) }
            try? input.fileHandleForWriting.close()
            let text = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            #expect(ended, "the silent connection was closed by the server: \(text)")
            #expect(ContinuousClock.now - start < .seconds(15), "about 2 s")
        }
    }
}

/// A hub's sync client offers h2 too: against a central serving HTTPS itself, pull and push go over HTTP/2.
@Suite("Sync over HTTP/2", .serialized)
struct SyncOverHTTP2Tests {
    @Test("a hub enrols, pulls a request and pushes its accept to a central serving HTTPS, every exchange in HTTP/2")
    func syncOverHTTP2() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        let files = try TLSTests.selfSigned(in: nodes.directory)
        var configuration = nodes.centralStorage.configuration()
        configuration.tls = try ServerTLS.load(certificatePath: files.certificate, keyPath: files.key)
        let logger = configuration.logger(role: .central)
        let central = Node(
            role: .central, configuration: configuration, storage: nodes.centralStorage, logger: logger, ops: OpsConsole(settings: nil),
            central: CentralServices(sync: CentralSyncService(database: nodes.central, logger: logger), apiKey: SyncedNodes.apiKey))
        let http = try HTTP2Tests.client(trusting: files.certificate)
        do {
            try await central.application().test(.live) { live in
                let base = "https://localhost:\(try #require(live.port))"
                let health = try await http.execute(HTTPClientRequest(url: base + "/healthz"), timeout: .seconds(20))
                #expect(health.version == .http2, "the hub's HTTP client (AsyncHTTPClient, automatic) negotiates h2")
                let link = try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: nodes.hubA, http: http)
                let engine = SyncEngine(database: nodes.hubA, client: SyncClient(link: link, database: nodes.hubA, http: http), logger: logger)

                func post(_ path: String, _ json: String) async throws -> String {
                    var request = HTTPClientRequest(url: base + path)
                    request.method = .POST
                    request.headers.add(name: "Authorization", value: "Bearer \(SyncedNodes.apiKey)")
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(string: json))
                    let created = try await http.execute(request, timeout: .seconds(20))
                    #expect(created.status == .created && created.version == .http2)
                    return try JSONCoding.decoder.decode(CreatedId.self, from: Data(buffer: try await created.body.collect(upTo: 1 << 16))).id
                }
                let providerId = try await post(
                    "/central/providers", #"{"name":"Jean Plombier","phone":"+237690000001","services":["plomberie"],"zones":["zone-a"]}"#)
                let requestId = try await post(
                    "/central/requests",
                    #"{"zone":"zone-a","service":"plomberie","urgency":"urgent","description":"Fuite","address":"Akwa","client_name":"Awa","client_phone":"+237677000002"}"#
                )

                _ = try await engine.syncOnce()
                #expect(try SyncedNodes.count(nodes.hubA, "SELECT count(*) FROM service_requests WHERE id = ?", [requestId]) == 1)
                try await nodes.hubA.write { tx in
                    _ = try tx.appendMissionEvent(
                        requestId: requestId, kind: .accepted, actorRole: .provider, actorId: providerId, providerId: providerId)
                }
                let round = try await engine.syncOnce()
                #expect(round.pushed >= 1)
                #expect(
                    try SyncedNodes.count(
                        nodes.central, "SELECT count(*) FROM mission_events WHERE request_id = ? AND kind = 'accepted'", [requestId]) == 1)
            }
        } catch {
            Issue.record("sync over HTTP/2 failed: \(error)")
        }
        try await http.shutdown()
    }
}
