import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// An error answer: `{"error": {"code": "...", "message": "<French>"}}` with a stable code.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String

    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public static func notFound() -> APIError {
        APIError(.notFound, code: "not_found", message: "Ressource introuvable.")
    }

    public static func internalError() -> APIError {
        APIError(.internalServerError, code: "internal_error", message: "Erreur interne du serveur. Réessayez plus tard.")
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder().encode(APIErrorBody(error: .init(code: code, message: message)))
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
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
/// their status with a French message, anything else into a logged `internal_error` (never an empty 500).
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            if error.status == .notFound { throw APIError.notFound() }
            throw APIError(error.status, code: "http_\(error.status.code)", message: error.body ?? "Requête refusée.")
        } catch {
            logger.error("request.failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError.internalError()
        }
    }
}
