import DjobeaDomain
import DjobeaSync
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Central's sync routes (SPEC.md §3): `POST /sync/v1/enroll`, `/sync/v1/pull`, `/sync/v1/push`, and the photo lane's
/// (`PhotoSyncController`, §6). Bodies are gzip'd JSON; pull and push must be signed by an enrolled hub.
struct SyncController: Sendable {
    let service: CentralSyncService
    /// Largest request body accepted on the wire (compressed).
    static let maxBodyBytes = 8 << 20

    func register(on routes: DocumentedRoutes) {
        routes.add(
            .post, "/sync/v1/enroll", "Enrôlement d'un hub : jeton à usage unique contre identifiant durable", response: EnrollAnswerDoc.self,
            errors: ["sync_enrolment_invalid", "sync_malformed", "sync_protocol_unsupported"]
        ) { request, _ in
            let (body, gzip) = try await Self.body(request)
            let message = try WireCodec.decode(EnrollRequest.self, from: body, gzip: gzip, maxBytes: WireCodec.maxSmallDecodedBytes)
            return try Self.answer(try await service.enroll(message))
        }
        routes.add(
            .post, "/sync/v1/pull", "Hub : ce qui lui manque du journal du central (signé)", response: EnrollAnswerDoc.self,
            errors: ["sync_unauthenticated", "sync_replayed", "sync_hub_revoked", "sync_malformed"]
        ) { request, _ in
            let (body, gzip) = try await Self.body(request)
            let hub = try await authenticate(request, body: body)
            let message = try WireCodec.decode(PullRequest.self, from: body, gzip: gzip, maxBytes: WireCodec.maxSmallDecodedBytes)
            let time = Self.header(request, SyncSignature.Header.time).flatMap(Int64.init)
            return try Self.answer(try await service.pull(message, from: hub, hubTime: time, wireBytes: body.count))
        }
        routes.add(
            .post, "/sync/v1/push", "Hub : ses propres changements, à la suite de l'acquittement (signé)", response: EnrollAnswerDoc.self,
            errors: ["sync_unauthenticated", "sync_replayed", "sync_hub_revoked", "sync_malformed", "sync_gap", "sync_out_of_partition"]
        ) {
            request, _ in
            let (body, gzip) = try await Self.body(request)
            let hub = try await authenticate(request, body: body)
            let message = try WireCodec.decode(PushRequest.self, from: body, gzip: gzip)
            return try Self.answer(try await service.push(message, from: hub, wireBytes: body.count))
        }
        PhotoSyncController(service: service).register(on: routes)
    }

    func authenticate(_ request: Request, body: [UInt8]) async throws -> AuthenticatedHub {
        if let version = Self.header(request, SyncSignature.Header.protocolVersion), Int(version) != syncProtocolVersion {
            throw SyncError.unsupportedProtocol(Int(version) ?? 0)
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        return try await service.authenticate(method: request.method.rawValue, path: request.uri.path, headers: headers, body: body)
    }

    /// A header by name, case-insensitively.
    static func header(_ request: Request, _ name: String) -> String? {
        let wanted = name.lowercased()
        return request.headers.first { $0.name.canonicalName == wanted }?.value
    }

    static func body(_ request: Request) async throws -> ([UInt8], Bool) {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            throw SyncError.tooLarge
        }
        let gzip = request.headers[.contentEncoding]?.lowercased() == "gzip"
        return (Array(buffer.readableBytesView), gzip)
    }

    static func answer(_ value: some Encodable) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json", .contentEncoding: "gzip"],
            body: .init(byteBuffer: ByteBuffer(bytes: try WireCodec.encode(value))))
    }
}

/// Sync answers are documented in `sync-protocol/SPEC.md`; the OpenAPI entry names the route only.
struct EnrollAnswerDoc: Codable, Sendable {
    var `protocol`: Int
}
