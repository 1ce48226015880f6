import DjobeaSync
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Central's photo routes (SPEC.md §6): `POST /sync/v1/photos/status`, `PUT` and `GET /sync/v1/photos/{sha256}`,
/// signed like every sync request. Chunks travel raw (`application/octet-stream`, not compressed). A central started
/// without a blob store answers them `503 sync_photo_unavailable` (after authentication).
struct PhotoSyncController: Sendable {
    let service: CentralSyncService

    static let sha256 = APIOperation.Parameter("sha256", in: "path", required: true, "Empreinte SHA-256 de la photo (64 hex minuscules)")
    static let offset = APIOperation.Parameter("offset", required: true, type: "integer", "Octet de début du morceau")
    static let sizeName = HTTPField.Name(PhotoLaneLimits.sizeHeader)
    static let offsetName = HTTPField.Name(PhotoLaneLimits.offsetHeader)

    func register(on routes: DocumentedRoutes) {
        let sync = SyncController(service: service)
        routes.add(
            .post, "/sync/v1/photos/status", "Hub : lesquelles de ces photos le central détient (signé)", response: EnrollAnswerDoc.self,
            errors: [
                "sync_unauthenticated", "sync_replayed", "sync_hub_revoked", "sync_malformed", "sync_too_large", "sync_photo_unavailable",
                "sync_protocol_too_old", "sync_protocol_too_new",
            ]
        ) { request, _ in
            let (body, gzip) = try await SyncController.body(request)
            let hub = try await sync.authenticate(request, body: body)
            let photos = try available()
            let message = try WireCodec.decode(PhotoStatusRequest.self, from: body, gzip: gzip, maxBytes: WireCodec.maxSmallDecodedBytes)
            try service.admitProtocol(message.protocolVersion)
            return try SyncController.answer(try await photos.status(message, from: hub))
        }
        routes.add(
            .put, "/sync/v1/photos/{sha256}", "Hub : un morceau (64 Kio) d'une photo prise au hub, reprenable (signé)",
            parameters: [Self.sha256, Self.offset], response: EnrollAnswerDoc.self,
            errors: [
                "sync_unauthenticated", "sync_replayed", "sync_hub_revoked", "sync_malformed", "sync_too_large", "sync_out_of_partition",
                "sync_photo_offset", "sync_photo_hash_mismatch", "sync_photo_unavailable", "sync_protocol_too_old", "sync_protocol_too_new",
            ]
        ) { request, context in
            let (body, _) = try await SyncController.body(request)
            let hub = try await sync.authenticate(request, body: body)
            let photos = try available()
            do {
                let answer = try await photos.upload(
                    sha256: context.parameters.get("sha256") ?? "", offset: request.uri.queryParameters.get("offset"),
                    size: SyncController.header(request, PhotoLaneLimits.sizeHeader), chunk: body, from: hub)
                return try SyncController.answer(answer)
            } catch SyncError.photoOffset(let offset) {
                return Self.offsetConflict(offset)
            }
        }
        routes.add(
            .get, "/sync/v1/photos/{sha256}", "Hub : un morceau (64 Kio) d'une photo de sa partition (signé)",
            parameters: [Self.sha256, Self.offset],
            errors: [
                "sync_unauthenticated", "sync_replayed", "sync_hub_revoked", "sync_malformed", "sync_photo_unknown", "sync_photo_unavailable",
                "sync_protocol_too_old",
                "sync_protocol_too_new",
            ]
        ) { request, context in
            let (body, _) = try await SyncController.body(request)
            let hub = try await sync.authenticate(request, body: body)
            let photos = try available()
            let chunk = try await photos.download(
                sha256: context.parameters.get("sha256") ?? "", offset: request.uri.queryParameters.get("offset"), from: hub)
            var headers: HTTPFields = [.contentType: "application/octet-stream", .cacheControl: "no-store"]
            if let name = Self.sizeName { headers[name] = String(chunk.size) }
            if let name = Self.offsetName { headers[name] = String(chunk.offset) }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: chunk.bytes)))
        }
    }

    private func available() throws -> CentralPhotoService {
        guard let photos = service.photos else { throw SyncError.photoUnavailable }
        return photos
    }

    /// `409 sync_photo_offset`: the error object of SPEC.md §8 plus `offset`, also given in `Djobea-Photo-Offset`.
    static func offsetConflict(_ offset: Int64) -> Response {
        let error = SyncError.photoOffset(offset)
        let body: [String: Any] = ["error": ["code": error.code, "message": error.messageFR, "offset": offset]]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        if let name = offsetName { headers[name] = String(offset) }
        return Response(status: .conflict, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
