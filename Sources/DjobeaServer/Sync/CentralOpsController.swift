import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import Foundation
import HTTPTypes
import Hummingbird

/// Central's ops actions for the platform and ops tools (API key): cancel, reassign, reverse, change or suspend a
/// provider, move a zone (SPEC.md §5.1). Each is one change-logged transaction with its actor, reaching the hubs
/// concerned at their next pull, and takes an `Idempotency-Key` (the same key and body replay the first answer).
struct CentralOpsController: Sendable {
    let database: any ReplicaStorage

    static let idempotencyKey = APIOperation.Parameter(
        "Idempotency-Key", in: "header", "Clé d'idempotence : la même clé avec le même corps rend la première réponse, sans rien refaire")
    static let errors = ["invalid_parameter", "not_found", "api_key_required", "idempotency_key_reused"]

    func register(on routes: DocumentedRoutes) {
        let requestId = APIOperation.Parameter("request_id", in: "path", required: true, "Identifiant de la demande")
        let providerId = APIOperation.Parameter("provider_id", in: "path", required: true, "Identifiant du prestataire")
        routes.add(
            .post, "/central/requests/{request_id}/cancel", "Annuler une demande pour le client ou par l'équipe (motif)",
            parameters: [requestId, Self.idempotencyKey], body: OpsCancelBody.self, response: OpsActionResult.self,
            errors: Self.errors + ["already_cancelled", "mission_completed"]
        ) { request, context in
            let id = try Self.id(context, "request_id")
            let body = try await RequestDecoding.decode(OpsCancelBody.self, from: request)
            return try await Self.answer(request) { actor, key in
                try await OpsStore(database).cancelRequest(id: id, body.command, actor: actor, idempotencyKey: key)
            }
        }
        routes.add(
            .post, "/central/requests/{request_id}/reassign", "Réattribuer une demande à un prestataire, ou la remettre en proposition",
            parameters: [requestId, Self.idempotencyKey], body: OpsReassignBody.self, response: OpsActionResult.self,
            errors: Self.errors + [
                "mission_started", "request_cancelled", "already_assigned", "already_routing", "provider_not_eligible", "provider_suspended",
                "reassign_refused",
            ]
        ) { request, context in
            let id = try Self.id(context, "request_id")
            let body = try await RequestDecoding.decode(OpsReassignBody.self, from: request)
            return try await Self.answer(request) { actor, key in
                try await OpsStore(database).reassignRequest(id: id, body.command, actor: actor, idempotencyKey: key)
            }
        }
        routes.add(
            .post, "/central/payments/{payment_id}/reverse", "Contre-passer un paiement (remboursement, contestation)",
            parameters: [.init("payment_id", in: "path", required: true, "Identifiant de l'écriture de paiement"), Self.idempotencyKey],
            body: OpsReverseBody.self, response: OpsActionResult.self, errors: Self.errors + ["already_reversed", "payment_not_counted"]
        ) { request, context in
            let id = try Self.id(context, "payment_id")
            let body = try await RequestDecoding.decode(OpsReverseBody.self, from: request)
            return try await Self.answer(request) { actor, key in
                try await OpsStore(database).reversePayment(id: id, body.command, actor: actor, idempotencyKey: key)
            }
        }
        routes.add(
            .patch, "/central/providers/{provider_id}", "Modifier un prestataire (nom, services, zones, niveau, actif)",
            parameters: [providerId, Self.idempotencyKey], body: ProviderPatchBody.self, response: OpsActionResult.self, errors: Self.errors
        ) { request, context in
            let id = try Self.id(context, "provider_id")
            let body = try await RequestDecoding.decode(ProviderPatchBody.self, from: request)
            return try await Self.answer(request) { actor, key in
                try await OpsStore(database).updateProvider(id: id, body.patch, actor: actor, idempotencyKey: key)
            }
        }
        for (verb, active, summary) in [
            ("suspend", false, "Suspendre un prestataire (plus de connexion ni d'offre)"), ("reinstate", true, "Réactiver un prestataire"),
        ] {
            routes.add(
                .post, "/central/providers/{provider_id}/\(verb)", summary, parameters: [providerId, Self.idempotencyKey], body: OpsReasonBody.self,
                response: OpsActionResult.self, errors: Self.errors + [active ? "already_active" : "already_suspended"]
            ) { request, context in
                let id = try Self.id(context, "provider_id")
                let body = try await RequestDecoding.decode(OpsReasonBody.self, from: request)
                return try await Self.answer(request) { actor, key in
                    try await OpsStore(database).setProviderActive(id: id, active: active, body.command, actor: actor, idempotencyKey: key)
                }
            }
        }
        routes.add(
            .post, "/central/zones/{zone_code}/move", "Rattacher une zone à un autre hub",
            parameters: [.init("zone_code", in: "path", required: true, "Code de la zone"), Self.idempotencyKey], body: ZoneMoveBody.self,
            response: OpsActionResult.self, errors: Self.errors + ["already_there"]
        ) { request, context in
            guard let code = context.parameters.get("zone_code"), (2...60).contains(code.count) else {
                throw APIError.invalidParameter("zone_code", "code de zone invalide")
            }
            let body = try await RequestDecoding.decode(ZoneMoveBody.self, from: request)
            return try await Self.answer(request) { actor, key in
                try await OpsStore(database).moveZone(code: code, body.command, actor: actor, idempotencyKey: key)
            }
        }
    }

    static func id(_ context: NodeRequestContext, _ name: String) throws -> String {
        guard let id = context.parameters.get(name), DjobeaID.isValid(id) else { throw APIError.notFound() }
        return id
    }

    /// Runs an action as the API key's actor and maps its refusals: 400/404 for bad input, 409 for the state found.
    static func answer(
        _ request: Request, actor: OpsActor = .apiKey, _ action: (OpsActor, String?) async throws -> OpsActionResult
    ) async throws -> Response {
        let key = request.headers.first(where: { $0.name.canonicalName == "idempotency-key" })?.value
        if let key, key.isEmpty || key.utf8.count > 200 {
            throw APIError.invalidParameter("Idempotency-Key", "clé de 1 à 200 caractères attendue")
        }
        let result = try await run { try await action(actor, key) }
        return try JSONResponse.make(result, for: request)
    }

    static func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await CentralAPIController.intake(body)
        } catch let refusal as OpsRefusal {
            // A reused key is the provider routes' and central payments' 422; every other refusal is about the state: 409.
            let status: HTTPResponse.Status = refusal.code == "idempotency_key_reused" ? .unprocessableContent : .conflict
            throw APIError(status, code: refusal.code, message: refusal.messageFR)
        }
    }
}
