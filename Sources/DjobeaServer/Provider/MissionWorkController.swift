import DjobeaDomain
import DjobeaStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The mission screen's routes: materials, the work timer, resumable photo uploads, photos, the payment request.
///
/// Every request-scoped route answers `404 not_found` for a request not assigned to the caller, and writes nothing.
/// Writes honour `Idempotency-Key` like the other provider commands: a replay from the phone's outbox answers the
/// first result (with `replayed: true`) and writes nothing more.
struct MissionWorkController: Sendable {
    let database: NodeDatabase
    let commands: ProviderRequestCommands
    /// Nil when the node has no data directory (in-memory database): the photo routes then answer `409 photo_unavailable`.
    let uploads: PhotoUploads?
    /// Where the clients' pages are served: the invoice's link in the payment request's message.
    let clientPageBase: ClientPageLinks?

    init(database: NodeDatabase, clientPageBase: ClientPageLinks? = nil) {
        self.database = database
        self.clientPageBase = clientPageBase
        self.commands = ProviderRequestCommands(database: database)
        self.uploads = PhotoUploads.beside(database)
    }

    static let materialId = APIOperation.Parameter("material_id", in: "path", required: true, "Identifiant du matériel")
    static let sha256 = APIOperation.Parameter("sha256", in: "path", required: true, "Empreinte SHA-256 de la photo (64 hex)")
    static let offsetHeader = HTTPField.Name("Upload-Offset")
    static let noSniff = HTTPField.Name("X-Content-Type-Options")

    func register(on routes: DocumentedRoutes) {
        let request = ProviderRequestsController.requestId
        let key = ProviderRequestsController.idempotencyKey
        let workErrors = ["not_found", "invalid_parameter", "illegal_transition", "idempotency_key_reused"]

        routes.add(
            .post, "/provider/requests/{request_id}/materials",
            "Ajouter un matériel à la mission (libellé, quantité, prix unitaire) ; refusé après la demande de paiement",
            parameters: [request, key], body: MaterialBody.self, response: MissionMaterialResult.self, status: 201,
            errors: workErrors + ["invoice_exists"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let id = try ProviderRequestsController.id(context)
            let body = try await RequestDecoding.decode(MaterialBody.self, from: httpRequest)
            let result = try await commands.addMaterial(
                providerId: identity.providerId, requestId: id, label: body.label, quantity: body.quantity, unitPrice: body.unitPrice,
                idempotencyKey: httpRequest.headers.idempotencyKey)
            return try JSONResponse.make(result, for: httpRequest, status: .created)
        }
        routes.add(
            .delete, "/provider/requests/{request_id}/materials/{material_id}",
            "Retirer un matériel de la mission (déjà retiré : 404, sauf renvoi avec la même clé d'idempotence)",
            parameters: [request, Self.materialId, key], response: MissionMaterialResult.self, errors: workErrors + ["invoice_exists"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let id = try ProviderRequestsController.id(context)
            let result = try await commands.deleteMaterial(
                providerId: identity.providerId, requestId: id, materialId: context.parameters.get("material_id") ?? "",
                idempotencyKey: httpRequest.headers.idempotencyKey)
            return try JSONResponse.make(result, for: httpRequest)
        }
        routes.add(
            .post, "/provider/requests/{request_id}/timer",
            "Chronomètre de la mission : démarrer ou arrêter à l'heure du geste sur le téléphone",
            parameters: [request, key], body: TimerBody.self, response: MissionTimerResult.self, errors: workErrors
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let id = try ProviderRequestsController.id(context)
            let body = try await RequestDecoding.decode(TimerBody.self, from: httpRequest)
            let result = try await commands.timer(
                providerId: identity.providerId, requestId: id, action: body.action, at: try timestamp(body.at, field: "at"),
                idempotencyKey: httpRequest.headers.idempotencyKey)
            return try JSONResponse.make(result, for: httpRequest)
        }
        routes.add(
            .post, "/provider/requests/{request_id}/payment-request",
            "Demande de paiement avec montant détaillé : facture (main d'œuvre, matériel, déplacement) et message WhatsApp au client ; "
                + "send: false la garde en brouillon à modifier et envoyer ensuite",
            parameters: [request, key], body: PaymentRequestBody.self, response: MissionPaymentRequestResult.self, status: 201,
            errors: workErrors + ["invoice_exists"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let id = try ProviderRequestsController.id(context)
            let body = try await RequestDecoding.decode(PaymentRequestBody.self, from: httpRequest)
            let result = try await commands.requestPayment(
                providerId: identity.providerId, requestId: id, labour: body.labour, travel: body.travel, note: body.note,
                send: body.send ?? true, idempotencyKey: httpRequest.headers.idempotencyKey, publicBase: clientPageBase)
            return try JSONResponse.make(result, for: httpRequest, status: .created)
        }
        registerPhotos(on: routes, workErrors: workErrors)
        registerCollections(on: routes, request: request, key: key, workErrors: workErrors)
    }

    /// Mobile money: the client's operator asks them to approve the invoice's payment (SPEC.md §4.9).
    private func registerCollections(
        on routes: DocumentedRoutes, request: APIOperation.Parameter, key: APIOperation.Parameter, workErrors: [String]
    ) {
        routes.add(
            .post, "/provider/requests/{request_id}/collections",
            "Encaisser par MTN MoMo ou Orange Money : le client reçoit la demande de son opérateur (montant restant dû par défaut)",
            parameters: [request, key], body: CollectionBody.self, response: CollectionStartResult.self, status: 202,
            errors: workErrors + ["no_invoice", "nothing_due", "collection_pending"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let id = try ProviderRequestsController.id(context)
            let body = try await RequestDecoding.decode(CollectionBody.self, from: httpRequest)
            guard let method = CollectionMethod(rawValue: body.method) else {
                throw ProviderRequestError.invalid("method", "Moyen de paiement (method) : mtn_momo ou orange_money")
            }
            let result = try await commands.startCollection(
                providerId: identity.providerId, requestId: id, method: method, payerPhone: body.payerPhone, amount: body.amount,
                idempotencyKey: httpRequest.headers.idempotencyKey)
            return try JSONResponse.make(result, for: httpRequest, status: .accepted)
        }
        routes.add(
            .get, "/provider/collections/{collection_id}",
            "Où en est un encaissement mobile : en attente, reçu (avec la transaction de l'opérateur) ou échoué (avec la raison)",
            parameters: [.init("collection_id", in: "path", required: true, "Identifiant de l'encaissement")], response: CollectionView.self,
            errors: ["not_found"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let id = context.parameters.get("collection_id") ?? ""
            return try JSONResponse.make(try await commands.collection(providerId: identity.providerId, id: id), for: httpRequest)
        }
    }

    private func registerPhotos(on routes: DocumentedRoutes, workErrors: [String]) {
        routes.add(
            .put, "/provider/uploads/{sha256}",
            "Envoyer un morceau (≤ 48 Kio, application/octet-stream) d'une photo, reprenable : 409 upload_offset donne l'octet attendu (received, en-tête Upload-Offset)",
            parameters: [
                Self.sha256, .init("offset", required: true, type: "integer", "Octet de début du morceau"),
                .init("size", type: "integer", "Taille totale de la photo, si connue (une empreinte fausse est alors signalée à la fin)"),
            ], response: PhotoUploadStatus.self,
            errors: [
                "invalid_parameter", "upload_offset", "chunk_too_large", "photo_too_large", "photo_hash_mismatch", "photo_not_image",
                "photo_unavailable",
            ]
        ) { request, context in
            let identity = try context.requireProvider()
            let uploads = try available()
            guard let offset = Self.integer(request, "offset") else {
                throw ProviderRequestError.invalid("offset", "Décalage entier positif ou nul attendu")
            }
            var size: Int?
            if request.uri.queryParameters.get("size") != nil {
                guard let value = Self.integer(request, "size") else { throw ProviderRequestError.invalid("size", "Taille entière attendue") }
                size = value
            }
            var request = request
            let chunk: ByteBuffer
            do {
                chunk = try await request.collectBody(upTo: PhotoUploads.maxChunkBytes)
            } catch {
                throw ProviderRequestError(code: "chunk_too_large", messageFR: "Morceau trop gros : 48 Kio au plus par envoi", kind: .tooLarge)
            }
            do {
                let status = try uploads.append(
                    providerId: identity.providerId, sha256: context.parameters.get("sha256") ?? "", offset: offset, size: size,
                    chunk: Array(buffer: chunk))
                return try JSONResponse.make(status, for: request)
            } catch let mismatch as PhotoUploadOffsetMismatch {
                return Self.offsetConflict(mismatch.received)
            }
        }
        routes.add(
            .get, "/provider/uploads/{sha256}", "Où en est l'envoi d'une photo : octets reçus, complète (alors rien à envoyer)",
            parameters: [Self.sha256], response: PhotoUploadStatus.self, errors: ["invalid_parameter", "photo_unavailable"]
        ) { request, context in
            let identity = try context.requireProvider()
            let status = try available().status(providerId: identity.providerId, sha256: context.parameters.get("sha256") ?? "")
            return try JSONResponse.make(status, for: request)
        }
        routes.add(
            .post, "/provider/requests/{request_id}/photos",
            "Joindre à la mission une photo avant/après déjà envoyée (≤ 256 000 octets, ≤ 1280 px) ; même empreinte et type : même photo",
            parameters: [ProviderRequestsController.requestId, ProviderRequestsController.idempotencyKey], body: MissionPhotoBody.self,
            response: MissionPhotoResult.self, status: 201,
            errors: workErrors + ["photo_missing", "photo_too_large", "photo_not_image", "photo_unavailable"]
        ) { request, context in
            let identity = try context.requireProvider()
            let id = try ProviderRequestsController.id(context)
            let uploads = try available()
            let body = try await RequestDecoding.decode(MissionPhotoBody.self, from: request)
            guard let kind = PhotoKind(rawValue: body.kind), kind == .before || kind == .after else {
                throw ProviderRequestError.invalid("kind", "Type de photo : before ou after")
            }
            let photo = MissionPhotoInput(
                kind: kind, sha256: body.sha256, thumbSha256: body.thumbSha256, mime: body.mime, width: body.width, height: body.height,
                takenAt: try timestamp(body.takenAt, field: "taken_at"))
            let result = try await commands.addPhoto(
                providerId: identity.providerId, requestId: id, photo: photo, uploads: uploads, idempotencyKey: request.headers.idempotencyKey)
            return try JSONResponse.make(result, for: request, status: .created)
        }
        routes.add(
            .get, "/provider/photos/{photo_id}",
            "Les octets d'une photo d'une demande du prestataire (image/jpeg, image/png ou image/webp ; cache immuable, ETag = SHA-256)",
            parameters: [
                .init("photo_id", in: "path", required: true, "Identifiant de la photo"),
                .init("size", enum: ["thumb", "full"], "Miniature (la photo entière s'il n'y en a pas) ou photo entière"),
            ], errors: ["not_found", "invalid_parameter", "photo_unavailable"]
        ) { request, context in
            let identity = try context.requireProvider()
            let uploads = try available()
            let size = request.uri.queryParameters.get("size") ?? "full"
            guard size == "thumb" || size == "full" else { throw ProviderRequestError.invalid("size", "thumb ou full") }
            guard
                let file = try await RequestStore(database).photo(
                    providerId: identity.providerId, photoId: context.parameters.get("photo_id") ?? "", thumbnail: size == "thumb",
                    blobs: uploads.blobs)
            else { throw ProviderRequestError(code: "not_found", messageFR: "Photo introuvable", kind: .notFound) }
            let etag = "\"\(file.sha256)\""
            var headers: HTTPFields = [
                .contentType: file.mime, .eTag: etag, .cacheControl: "private, max-age=31536000, immutable", .contentDisposition: "inline",
            ]
            if let noSniff = Self.noSniff { headers[noSniff] = "nosniff" }
            if let candidates = request.headers[.ifNoneMatch], JSONResponse.matches(candidates, etag) {
                headers[.contentType] = nil
                return Response(status: .notModified, headers: headers)
            }
            headers[.contentLength] = String(file.data.count)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.data)))
        }
    }

    private func available() throws -> PhotoUploads {
        guard let uploads else {
            throw ProviderRequestError(
                code: "photo_unavailable", messageFR: "Photos indisponibles sur ce nœud (pas de dossier de données)", kind: .conflict)
        }
        return uploads
    }

    /// A query parameter as a non-negative integer of at most 9 digits, nil otherwise.
    static func integer(_ request: Request, _ name: String) -> Int? {
        guard let text = request.uri.queryParameters.get(name), (1...9).contains(text.count), text.allSatisfy(\.isASCII),
            let value = Int(text), value >= 0
        else { return nil }
        return value
    }

    /// `409 upload_offset`: the error object plus `received`, also given in `Upload-Offset`.
    static func offsetConflict(_ received: Int) -> Response {
        let body: [String: Any] = [
            "error": [
                "code": "upload_offset", "message": "Reprise de l'envoi à l'octet \(received) : renvoyez à partir de là", "received": received,
            ]
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        if let offsetHeader { headers[offsetHeader] = String(received) }
        return Response(status: .conflict, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
