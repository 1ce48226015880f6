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
            errors: ["sync_enrolment_invalid", "sync_malformed", "sync_protocol_too_old", "sync_protocol_too_new"]
        ) { request, _ in
            try admitHeader(request)
            let (body, gzip) = try await Self.body(request)
            let message = try WireCodec.decode(EnrollRequest.self, from: body, gzip: gzip, maxBytes: WireCodec.maxSmallDecodedBytes)
            return try Self.answer(try await service.enroll(message))
        }
        routes.add(
            .post, "/sync/v1/pull", "Hub : ce qui lui manque du journal du central (signé)", response: EnrollAnswerDoc.self,
            errors: ["sync_unauthenticated", "sync_replayed", "sync_hub_revoked", "sync_malformed", "sync_protocol_too_old", "sync_protocol_too_new"]
        ) { request, _ in
            let (body, gzip) = try await Self.body(request)
            let hub = try await authenticate(request, body: body)
            let message = try WireCodec.decode(PullRequest.self, from: body, gzip: gzip, maxBytes: WireCodec.maxSmallDecodedBytes)
            let time = Self.header(request, SyncSignature.Header.time).flatMap(Int64.init)
            return try Self.answer(try await service.pull(message, from: hub, hubTime: time, wireBytes: body.count))
        }
        routes.add(
            .post, "/sync/v1/push", "Hub : ses propres changements, à la suite de l'acquittement (signé)", response: EnrollAnswerDoc.self,
            errors: [
                "sync_unauthenticated", "sync_replayed", "sync_hub_revoked", "sync_malformed", "sync_gap", "sync_out_of_partition",
                "sync_protocol_too_old", "sync_protocol_too_new",
            ]
        ) {
            request, _ in
            let (body, gzip) = try await Self.body(request)
            let hub = try await authenticate(request, body: body)
            let message = try WireCodec.decode(PushRequest.self, from: body, gzip: gzip)
            return try Self.answer(try await service.push(message, from: hub, wireBytes: body.count))
        }
        PhotoSyncController(service: service).register(on: routes)
    }

    /// The request's `Djobea-Protocol` header, when present, must be a version central serves (SPEC.md §9.1).
    func admitHeader(_ request: Request) throws {
        guard let header = Self.header(request, SyncSignature.Header.protocolVersion) else { return }
        guard let version = Int(header.trimmingCharacters(in: .whitespaces)) else {
            throw SyncError.malformed("en-tête Djobea-Protocol illisible")
        }
        try service.admitProtocol(version, claimedHub: Self.header(request, SyncSignature.Header.hub))
    }

    func authenticate(_ request: Request, body: [UInt8]) async throws -> AuthenticatedHub {
        try admitHeader(request)
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

/// Adds `Djobea-Protocol: <current>; min=<oldest>` (the versions central serves, SPEC.md §9.1) to every answer of
/// the sync routes, refusals included (other errors, such as storage failures, go on to `APIErrorMiddleware`).
struct SyncProtocolHeaderMiddleware<Context: RequestContext>: RouterMiddleware {
    let served: ServedProtocols
    static var name: HTTPField.Name? { HTTPField.Name(SyncSignature.Header.protocolVersion) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as SyncError {
            response = try APIError(HTTPResponse.Status(code: error.status), code: error.code, message: error.messageFR)
                .response(from: request, context: context)
        } catch let error as APIError {
            response = try error.response(from: request, context: context)
        }
        if let name = Self.name { response.headers[name] = served.headerValue }
        return response
    }
}

/// Sync answers are documented in `sync-protocol/SPEC.md`; the OpenAPI entry names the route only.
struct EnrollAnswerDoc: Codable, Sendable {
    var `protocol`: Int
}
