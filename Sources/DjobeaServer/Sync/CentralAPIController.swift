import Crypto
import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import Foundation
import HTTPTypes
import Hummingbird

/// Central's API for the platform (`/central/*`), authenticated by the API key (`--api-key` / `DJOBEA_API_KEY`),
/// sent as `Authorization: Bearer <key>` or `X-Api-Key: <key>`.
struct CentralAPIController: Sendable {
    let database: any ReplicaStorage

    func register(on routes: DocumentedRoutes) {
        routes.add(
            .post, "/central/providers", "Inscrire un prestataire (nom, téléphone, services, zones)", body: ProviderRegistrationBody.self,
            response: CreatedId.self, status: 201, errors: ["invalid_parameter", "api_key_required"]
        ) { request, _ in
            let body = try await RequestDecoding.decode(ProviderRegistrationBody.self, from: request)
            let id = try await Self.intake { try await IntakeStore(database).registerProvider(body.registration) }
            return try JSONResponse.make(CreatedId(id: id), for: request, status: .created)
        }
        routes.add(
            .post, "/central/requests", "Prendre une nouvelle demande de la plateforme", body: RequestIntakeBody.self, response: CreatedId.self,
            status: 201, errors: ["invalid_parameter", "api_key_required"]
        ) { request, _ in
            let body = try await RequestDecoding.decode(RequestIntakeBody.self, from: request)
            let id = try await Self.intake { try await IntakeStore(database).intakeRequest(body.intake) }
            return try JSONResponse.make(CreatedId(id: id), for: request, status: .created)
        }
        routes.add(
            .get, "/central/requests/{request_id}", "Statut d'une demande tel que le central le connaît",
            parameters: [.init("request_id", in: "path", required: true, "Identifiant de la demande")], response: CentralRequestStatus.self,
            errors: ["not_found", "api_key_required"]
        ) { request, context in
            guard let id = context.parameters.get("request_id"), DjobeaID.isValid(id),
                let status = try await IntakeStore(database).requestStatus(id: id)
            else { throw APIError.notFound() }
            return try JSONResponse.make(status, for: request)
        }
        routes.add(
            .post, "/central/payments", "Enregistrer un paiement confirmé (moyen, référence opérateur, montant)",
            parameters: [ProviderRequestsController.idempotencyKey], body: PaymentIntakeBody.self, response: CreatedId.self, status: 201,
            errors: ["invalid_parameter", "not_found", "api_key_required", "idempotency_key_reused"]
        ) { request, _ in
            let body = try await RequestDecoding.decode(PaymentIntakeBody.self, from: request)
            guard DjobeaID.isValid(body.requestId) else { throw APIError.invalidParameter("request_id", "identifiant invalide") }
            let id = try await Self.intake {
                try await IntakeStore(database).recordPayment(body.intake, recordedBy: .ops, idempotencyKey: request.headers.idempotencyKey)
            }
            return try JSONResponse.make(CreatedId(id: id), for: request, status: .created)
        }
    }

    /// Maps a refused intake to a 400 (or 404) with the field named.
    static func intake<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as IntakeError {
            if error.notFound { throw APIError(.notFound, code: "not_found", message: error.messageFR) }
            throw APIError(.badRequest, code: "invalid_parameter", message: "\(error.field) : \(error.messageFR)")
        } catch let error as StoreError {
            throw APIError(.badRequest, code: "invalid_parameter", message: "Refusé : \(error.description).")
        }
    }
}

public struct CreatedId: Codable, Sendable {
    public var id: String
}

/// Admits a request only with the central API key; compares in constant time.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext
    let key: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.matches(request, key: key) else {
            throw APIError(.unauthorized, code: "api_key_required", message: "Clé d'API requise (Authorization: Bearer <clé>).")
        }
        return try await next(request, context)
    }

    static func matches(_ request: Request, key: String) -> Bool {
        var given = SyncController.header(request, "X-Api-Key")
        if given == nil, let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            given = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        guard let given, !key.isEmpty else { return false }
        return Data(SHA256.hash(data: Data(given.utf8))) == Data(SHA256.hash(data: Data(key.utf8)))
    }
}
