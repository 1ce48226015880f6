import AsyncHTTPClient
import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaSync
import DjobeaTestSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The attacks of the HTTP security review, each tried against the real routes (and sockets where it matters).
@Suite("HTTP security: ops session, timeouts, gzip bombs, control characters, 404s, photos, walk-ins", .serialized)
struct HTTPSecurityTests: ReadsJSONResponses {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// The CSRF token in the `/ops` page's logout form.
    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: "name=\"csrf_token\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    // MARK: - Ops session

    @Test("ops: the cookie of a logged-out session is refused; the page's forms carry a CSRF token that logout requires")
    func opsLogoutRevokes() async throws {
        let central = try await OpsTests.centralNode()
        defer { try? FileManager.default.removeItem(at: central.directory.url) }
        try await central.application().test(.router) { client in
            let (status, cookie, _) = try await OpsTests.login(client, password: OpsTests.password)
            #expect(status == .seeOther)
            let session = try #require(cookie)
            let page = try await client.execute(uri: "/ops", method: .get, headers: [.cookie: session])
            let token = try #require(Self.csrfToken(in: String(buffer: page.body)))
            #expect(token.count >= 40)

            var headers = Self.form
            headers[.cookie] = session
            // Without the token, or with a wrong one (another session's, or edited): 403, and the session stays open.
            let (_, otherCookie, _) = try await OpsTests.login(client, password: OpsTests.password)
            let otherPage = try await client.execute(uri: "/ops", method: .get, headers: [.cookie: try #require(otherCookie)])
            let otherToken = try #require(Self.csrfToken(in: String(buffer: otherPage.body)))
            #expect(otherToken != token)
            let edited = String(token.dropLast()) + (token.last == "A" ? "B" : "A")
            for body in ["", "csrf_token=", "csrf_token=\(otherToken)", "csrf_token=\(edited)", "autre=\(token)"] {
                let refused = try await client.execute(uri: "/ops/logout", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(refused.status == .forbidden, "\(body)")
                #expect(Self.errorCode(refused) == "ops_csrf_invalid")
                #expect(Self.errorMessage(refused)?.contains("jeton de sécurité") == true)
            }
            #expect(try await client.execute(uri: "/ops/sync-status", method: .get, headers: [.cookie: session]).status == .ok)

            let logout = try await client.execute(
                uri: "/ops/logout", method: .post, headers: headers, body: ByteBuffer(string: "csrf_token=\(token)"))
            #expect(logout.status == .seeOther)
            #expect(logout.headers[.setCookie]?.contains("Max-Age=0") == true)
            // The old cookie, replayed after logout (as a thief who copied it would): refused everywhere.
            let replayed = try await client.execute(uri: "/ops/sync-status", method: .get, headers: [.cookie: session])
            #expect(replayed.status == .unauthorized)
            #expect(Self.errorCode(replayed) == "ops_auth_required")
            let pageAgain = try await client.execute(uri: "/ops", method: .get, headers: [.cookie: session])
            #expect(pageAgain.status == .seeOther && pageAgain.headers[.location] == "/ops/login")
            // The other session is still open.
            #expect(try await client.execute(uri: "/ops/sync-status", method: .get, headers: [.cookie: try #require(otherCookie)]).status == .ok)
        }
    }

    @Test("ops: a login or logout posted from another site (Origin or Referer) is refused with 403 ops_origin_refused")
    func opsCrossOrigin() async throws {
        let central = try await OpsTests.centralNode()
        defer { try? FileManager.default.removeItem(at: central.directory.url) }
        try await central.application().test(.router) { client in
            let body = ByteBuffer(string: "password=\(OpsTests.password)")
            let attackers: [(HTTPField.Name, String)] = [
                (.origin, "https://evil.example"), (.origin, "null"), (.origin, "http://localhost.evil.example"),
                (.origin, "http://localhost:8443"), (.referer, "https://evil.example/page.html"),
            ]
            for (name, value) in attackers {
                var headers = Self.form
                headers[name] = value
                let response = try await client.execute(uri: "/ops/login", method: .post, headers: headers, body: body)
                #expect(response.status == .forbidden, "\(name): \(value)")
                #expect(Self.errorCode(response) == "ops_origin_refused")
                #expect(Self.errorMessage(response)?.contains("autre site") == true)
                #expect(response.headers[.setCookie] == nil)
            }
            // The node's own origin logs in.
            var sameOrigin = Self.form
            sameOrigin[.origin] = "http://localhost"
            let allowed = try await client.execute(uri: "/ops/login", method: .post, headers: sameOrigin, body: body)
            #expect(allowed.status == .seeOther && allowed.headers[.setCookie] != nil)
            let session = try #require(allowed.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let page = try await client.execute(uri: "/ops", method: .get, headers: [.cookie: session])
            let token = try #require(Self.csrfToken(in: String(buffer: page.body)))

            // Logout from another site, even with the right token: refused, the session stays.
            var crossLogout = Self.form
            crossLogout[.cookie] = session
            crossLogout[.origin] = "https://evil.example"
            let refused = try await client.execute(
                uri: "/ops/logout", method: .post, headers: crossLogout, body: ByteBuffer(string: "csrf_token=\(token)"))
            #expect(refused.status == .forbidden && Self.errorCode(refused) == "ops_origin_refused")
            #expect(try await client.execute(uri: "/ops/sync-status", method: .get, headers: [.cookie: session]).status == .ok)
        }
    }

    @Test("ops: over HTTPS the session cookie is Secure (and still HttpOnly, SameSite=Strict); over plain HTTP it is not")
    func opsSecureCookie() async throws {
        let directory = try temporaryDirectory("djobea-ops-tls")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try TLSTests.selfSigned(in: directory)
        let tls = try ServerTLS.load(certificatePath: files.certificate, keyPath: files.key)
        let storage = try NodeStorage.on(directory.appendingPathComponent("hub"), role: .hub, inMemory: true)
        var configuration = storage.configuration()
        configuration.tls = tls
        let application = Node(
            role: .hub, configuration: configuration, storage: storage, ops: OpsConsole(settings: OpsSettings(password: OpsTests.password))
        ).application()
        var trusting = TLSConfiguration.makeClientConfiguration()
        trusting.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(files.certificate))
        let https = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(tlsConfiguration: trusting, redirectConfiguration: .disallow))
        do {
            try await application.test(.live) { client in
                let port = try #require(client.port)
                var request = HTTPClientRequest(url: "https://localhost:\(port)/ops/login")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(ByteBuffer(string: "password=\(OpsTests.password)"))
                let response = try await https.execute(request, timeout: .seconds(20))
                #expect(response.status == .seeOther)
                let cookie = try #require(response.headers.first(name: "Set-Cookie"))
                for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/ops"] {
                    #expect(cookie.contains(attribute), "\(attribute) in \(cookie)")
                }
            }
        } catch {
            Issue.record("HTTPS login failed: \(error)")
        }
        try await https.shutdown()

        let central = try await OpsTests.centralNode()
        defer { try? FileManager.default.removeItem(at: central.directory.url) }
        try await central.application().test(.router) { client in
            let (_, _, setCookie) = try await OpsTests.login(client, password: OpsTests.password)
            #expect(setCookie?.contains("Secure") == false)
        }
    }

    // MARK: - Timeouts

    /// A TCP connection to 127.0.0.1:`port` that sends `text`, then waits (at most `limit` seconds) for the server to
    /// close it; returns the seconds it took, nil if the server kept it open, and what it answered.
    static func closedAfter(port: Int, sending text: String, limit: Int) async -> (seconds: Double?, answer: String) {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(socketFD) }
                let connected = withLoopbackAddress(port: port) { connect(socketFD, $0, $1) }
                guard connected == 0 else { return continuation.resume(returning: (nil, "no connection")) }
                var timeout = timeval(tv_sec: limit, tv_usec: 0)
                setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                let start = Date()
                let bytes = Array(text.utf8)
                _ = bytes.withUnsafeBytes { send(socketFD, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
                var answer: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = buffer.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, 4096, 0) }
                    if count > 0 {
                        answer += buffer[0..<count]
                        continue
                    }
                    // 0: closed by the server; -1 with EAGAIN: our limit passed with the connection still open.
                    let closed = count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
                    continuation.resume(returning: (closed ? Date().timeIntervalSince(start) : nil, String(decoding: answer, as: UTF8.self)))
                    return
                }
            }
        }
    }

    @Test("a connection that sends half a request line, half its headers, or nothing is closed by the server after the idle timeout")
    func halfSentRequestsAreClosed() async throws {
        let storage = try NodeStorage.temporary("timeout", role: .hub, inMemory: true)
        defer { try? FileManager.default.removeItem(at: storage.directory.url) }
        var configuration = storage.configuration()
        #expect(configuration.idleTimeout == .seconds(30), "30 s by default")
        configuration.idleTimeout = .seconds(1)
        let application = Node(role: .hub, configuration: configuration, storage: storage).application()
        try await application.test(.live) { client in
            let port = try #require(client.port)
            for text in ["GET /heal", "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ", ""] {
                let (seconds, answer) = await Self.closedAfter(port: port, sending: text, limit: 15)
                let closedIn = try #require(seconds, "the server kept \(text.debugDescription) open")
                #expect(closedIn >= 0.8 && closedIn < 10, "closed after \(closedIn) s")
                #expect(!answer.contains("200 OK"))
            }
            // A whole request is answered; the kept-alive connection is then closed once idle.
            let (seconds, answer) = await Self.closedAfter(port: port, sending: "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", limit: 15)
            #expect(answer.hasPrefix("HTTP/1.1 200"))
            #expect(seconds.map { $0 < 10 } == true)
        }
    }

    // MARK: - Gzip bombs

    @Test("a gzip bomb to /sync/v1/enroll (31 KB inflating to 31 MiB) is refused with 400 sync_malformed before any parsing")
    func gzipBomb() async throws {
        let storage = try NodeStorage.temporary("bomb", role: .central, inMemory: true)
        defer { try? FileManager.default.removeItem(at: storage.directory.url) }
        let bomb = try WireCodec.encode(["protocol": String(repeating: "1", count: 31 << 20)])
        #expect(bomb.count < 200_000, "\(bomb.count) bytes on the wire")
        let logger = Logger(label: "test.bomb")
        let application = Node(
            role: .central, configuration: storage.configuration(), storage: storage, logger: logger,
            central: CentralServices(sync: CentralSyncService(database: storage.database, logger: logger), apiKey: "cle-bombe")
        ).application()
        try await application.test(.router) { client in
            for path in ["/sync/v1/enroll", "/sync/v1/pull"] {
                let response = try await client.execute(
                    uri: path, method: .post, headers: [.contentType: "application/json", .contentEncoding: "gzip"], body: ByteBuffer(bytes: bomb))
                if path == "/sync/v1/pull" {
                    #expect(response.status == .unauthorized, "pull checks the signature first")
                    continue
                }
                #expect(response.status == .badRequest)
                #expect(Self.errorCode(response) == "sync_malformed")
                #expect(Self.errorMessage(response)?.contains("décompressé") == true)
            }
        }
        // The codec stops inflating at the route's limit, whatever the body says.
        #expect(throws: SyncError.self) {
            _ = try WireCodec.decode([String: String].self, from: bomb, maxBytes: WireCodec.maxSmallDecodedBytes)
        }
        let small = try WireCodec.encode(["token": "abc"])
        #expect(try WireCodec.decode([String: String].self, from: small, maxBytes: 64) == ["token": "abc"])
        #expect(throws: SyncError.self) { _ = try WireCodec.decode([String: String].self, from: small, maxBytes: 8) }
    }
}
