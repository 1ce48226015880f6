import DjobeaAuth
import DjobeaStore
import DjobeaSync
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// An error answer: `{"error": {"code": "...", "message": "<French>"}}` with a stable code.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// Seconds before a retry makes sense (sent as `Retry-After` with 429 and 503).
    public let retryAfter: Int?

    public init(_ status: HTTPResponse.Status, code: String, message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public static func notFound() -> APIError {
        APIError(.notFound, code: "not_found", message: "Ressource introuvable.")
    }

    public static func unauthenticated() -> APIError {
        APIError(.unauthorized, code: "unauthenticated", message: "Connexion requise : jeton absent ou invalide.")
    }

    public static func invalidParameter(_ name: String, _ detail: String) -> APIError {
        APIError(.unprocessableContent, code: "invalid_parameter", message: "Paramètre « \(name) » invalide : \(detail)")
    }

    /// Storage refuses writes (disk full, read-only, I/O errors): a 503 with the reason's stable code and `Retry-After`.
    public static func storageUnavailable(_ failure: StorageFailure) -> APIError {
        APIError(.serviceUnavailable, code: failure.code, message: failure.messageFR, retryAfter: failure.retryAfterSeconds)
    }

    public static func internalError() -> APIError {
        APIError(.internalServerError, code: "internal_error", message: "Erreur interne du serveur. Réessayez plus tard.")
    }

    /// Sorted keys: the same error is the same bytes every time (Foundation's key order varies from one encoding to
    /// the next, so two 404s that must not be told apart would differ).
    static let encoder = JSONCoding.encoder

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try Self.encoder.encode(APIErrorBody(error: .init(code: code, message: message)))
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The JSON shape of an error answer.
public struct APIErrorBody: Codable, Sendable {
    public struct Detail: Codable, Sendable {
        public let code: String
        public let message: String
    }

    public let error: Detail
}

/// Turns every error into the JSON error shape: unknown routes into `not_found`, Hummingbird's own errors into
/// their status with a French message, storage failures into a 503 (recorded in `storage`, so `/healthz` tells),
/// anything else into a logged `internal_error` (never an empty 500).
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    /// The node's storage state, told of every storage failure a request meets.
    var storage = StorageHealth()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as AuthError {
            throw APIError(HTTPResponse.Status(refusal: error.kind), code: error.code, message: error.messageFR, retryAfter: error.retryAfter)
        } catch let error as ProviderRequestError {
            throw APIError(HTTPResponse.Status(refusal: error.kind), code: error.code, message: error.messageFR)
        } catch let error as ProviderAccountError {
            throw APIError(HTTPResponse.Status(refusal: error.kind), code: error.code, message: error.messageFR)
        } catch let error as SyncError {
            throw APIError(HTTPResponse.Status(code: error.status), code: error.code, message: error.messageFR)
        } catch let error as HTTPError {
            if error.status == .notFound { throw APIError.notFound() }
            throw APIError(error.status, code: "http_\(error.status.code)", message: error.body ?? "Requête refusée.")
        } catch {
            if let failure = StorageFailure.classify(error) {
                // Logged once per episode at error level; the requests that follow meet the same known state.
                storage.record(failure, detail: "\(error)")
                if storage.takeAnnouncement() {
                    logger.error("storage.degraded", metadata: ["reason": "\(failure.rawValue)", "path": "\(request.uri.path)", "error": "\(error)"])
                } else {
                    logger.debug("storage.refused", metadata: ["reason": "\(failure.rawValue)", "path": "\(request.uri.path)"])
                }
                throw APIError.storageUnavailable(failure)
            }
            logger.error("request.failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError.internalError()
        }
    }
}
