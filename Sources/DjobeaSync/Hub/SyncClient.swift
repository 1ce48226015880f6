import AsyncHTTPClient
import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import Foundation
import NIOCore
import NIOHTTP1

/// The hub's HTTP client to central: signs every request, sends and accepts gzip, maps errors to `SyncError`.
public struct SyncClient: Sendable {
    public let link: CentralLink
    let database: NodeDatabase
    let http: HTTPClient
    let timeout: TimeAmount
    /// The protocol version sent in every request's header (and set by the engine in every message).
    public let protocolVersion: Int

    /// - Parameter protocolVersion: the version this hub speaks; another than `syncProtocolVersion` only in tests
    ///   (a hub of an older release).
    public init(
        link: CentralLink, database: NodeDatabase, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(60),
        protocolVersion: Int = syncProtocolVersion
    ) {
        self.link = link
        self.database = database
        self.http = http
        self.timeout = timeout
        self.protocolVersion = protocolVersion
    }

    /// Exchanges an enrolment token for the hub's credential (unsigned: the token is the proof).
    public static func enroll(
        centralURL: String, token: String, database: NodeDatabase, http: HTTPClient = .shared, protocolVersion: Int = syncProtocolVersion
    ) async throws -> CentralLink {
        var message = EnrollRequest(token: token, nodeId: database.nodeId, schemaVersion: try database.schemaVersion())
        message.protocolVersion = protocolVersion
        let body = try WireCodec.encode(message)
        let (response, _): (EnrollResponse, Int) = try await send(
            url: Self.url(centralURL, "/sync/v1/enroll"), headers: [], body: body, http: http, timeout: .seconds(60),
            protocolVersion: protocolVersion)
        return CentralLink(centralURL: centralURL, enrolment: response)
    }

    /// A signed POST of `message` to `path`; returns the decoded answer and the bytes that crossed the wire (both ways).
    public func post<Request: Encodable, Answer: Decodable>(_ path: String, _ message: Request) async throws -> (Answer, Int) {
        let body = try WireCodec.encode(message)
        let counter = try await database.nextRequestCounter(peer: link.centralNodeId, role: .central, name: "central")
        let time = Date().unixMillis
        let signature = SyncSignature.sign(
            secret: link.secret, method: "POST", path: path, hubId: link.hubId, counter: counter, time: time, body: body)
        let headers = [
            (SyncSignature.Header.hub, link.hubId), (SyncSignature.Header.counter, String(counter)), (SyncSignature.Header.time, String(time)),
            (SyncSignature.Header.signature, signature),
        ]
        return try await Self.send(
            url: Self.url(link.centralURL, path), headers: headers, body: body, http: http, timeout: timeout, protocolVersion: protocolVersion)
    }

    static func url(_ base: String, _ path: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
    }

    static func send<Answer: Decodable>(
        url: String, headers: [(String, String)], body: [UInt8], http: HTTPClient, timeout: TimeAmount, protocolVersion: Int
    ) async throws -> (Answer, Int) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Content-Encoding", value: "gzip")
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        request.headers.add(name: SyncSignature.Header.protocolVersion, value: String(protocolVersion))
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: timeout)
            bytes = try await response.body.collect(upTo: WireCodec.maxDecodedBytes)
        } catch {
            throw SyncError.unreachable(String(describing: error).prefix(200).description)
        }
        let raw = Array(bytes.readableBytesView)
        // Trust the bytes, not the header: a client configured to inflate responses keeps `Content-Encoding`.
        let gzip = raw.count >= 2 && raw[0] == 0x1f && raw[1] == 0x8b
        let wire = body.count + raw.count + 400
        guard response.status == .ok else {
            if let decoded = try? WireCodec.decode(SyncErrorBody.self, from: raw, gzip: gzip) {
                throw SyncError.server(Int(response.status.code), decoded.error.code, decoded.error.message)
            }
            throw SyncError.server(Int(response.status.code), "sync_http_\(response.status.code)", "Réponse HTTP \(response.status.code) du central.")
        }
        return (try WireCodec.decode(Answer.self, from: raw, gzip: gzip), wire)
    }
}

/// The JSON error shape every node answers with: `{"error": {"code", "message"}}`.
struct SyncErrorBody: Decodable {
    struct Detail: Decodable {
        let code: String
        let message: String
    }
    let error: Detail
}
