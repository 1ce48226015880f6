import DjobeaDomain
import DjobeaStore
import Foundation
import Hummingbird

/// `/provider/dashboard/*` and `/provider/requests/*`: what a provider sees and does with requests.
struct ProviderRequestsController: Sendable {
    let database: NodeDatabase
    let commands: ProviderRequestCommands
    let cache: ResponseCache

    static let requestId = APIOperation.Parameter("request_id", in: "path", required: true, "Identifiant de la demande")
    static let idempotencyKey = APIOperation.Parameter(
        "Idempotency-Key", in: "header",
        "Clé d'idempotence (1 à 100 caractères ASCII) : un renvoi avec la même clé et le même corps rend la première réponse sans rien "
            + "réécrire ; la même clé avec un autre corps est refusée (idempotency_key_reused)")

    func register(on routes: DocumentedRoutes) {
        registerDashboard(on: routes)
        let commandErrors = [
            "not_found", "offer_expired", "already_assigned", "request_cancelled", "illegal_transition", "invalid_parameter",
            "idempotency_key_reused",
        ]

        routes.add(
            .get, "/provider/requests", "Liste des demandes du prestataire, avec filtres, tri et pagination",
            parameters: [
                .init("status", enum: StatusGroup.allCases.map(\.rawValue), "Statuts (liste séparée par des virgules)"),
                .init("urgency", enum: Urgency.allCases.map(\.rawValue), "Urgences"),
                .init("service", "Codes de service"), .init("zone", "Codes de quartier"), .init("from", "Depuis (AAAA-MM-JJ)"),
                .init("to", "Jusqu'au (AAAA-MM-JJ)"), .init("q", "Recherche"),
                .init("sort", enum: ProviderRequestSort.allCases.map(\.rawValue), "Tri"), .init("page", type: "integer", "Page"),
                .init("page_size", type: "integer", "Taille de page (1 à 100)"),
            ], response: ProviderRequestPage.self, errors: ["invalid_parameter"]
        ) { request, context in
            let identity = try context.requireProvider()
            let (filter, paging) = try ProviderRequestFilter.parse(query: Self.query(request))
            return try await cache.json(request, owner: identity.providerId, database: database) {
                try await RequestStore(database).list(providerId: identity.providerId, filter: filter, page: paging)
            }
        }
        routes.add(
            .get, "/provider/requests/{request_id}", "Carte détaillée d'une demande", parameters: [Self.requestId],
            response: ProviderRequestDetail.self, errors: ["not_found"]
        ) { request, context in
            let identity = try context.requireProvider()
            let id = try Self.id(context)
            return try await cache.json(request, owner: identity.providerId, database: database) {
                guard let detail = try await RequestStore(database).detail(providerId: identity.providerId, requestId: id)
                else { throw ProviderRequestError.notFound }
                return detail
            }
        }
        routes.add(
            .post, "/provider/requests/walk-in", "Saisir la demande d'un client venu directement (acceptée d'office)",
            parameters: [Self.idempotencyKey], body: RequestIntakeBody.self, response: CreatedId.self, status: 201,
            errors: ["invalid_parameter", "idempotency_key_reused"]
        ) { request, context in
            let identity = try context.requireProvider()
            let body = try await RequestDecoding.decode(RequestIntakeBody.self, from: request)
            let id = try await CentralAPIController.intake {
                try await IntakeStore(database).walkInRequest(
                    body.intake, providerId: identity.providerId, idempotencyKey: request.headers.idempotencyKey)
            }
            return try JSONResponse.make(CreatedId(id: id), for: request, status: .created)
        }
        routes.add(
            .post, "/provider/requests/{request_id}/payments", "Enregistrer un paiement reçu (espèces, MTN MoMo, Orange Money)",
            parameters: [Self.requestId, Self.idempotencyKey], body: ProviderPaymentBody.self, response: CreatedId.self, status: 201,
            errors: ["not_found", "invalid_parameter", "idempotency_key_reused"]
        ) { request, context in
            let identity = try context.requireProvider()
            let id = try Self.id(context)
            let body = try await RequestDecoding.decode(ProviderPaymentBody.self, from: request)
            let payment = PaymentIntake(requestId: id, method: body.method, reference: body.reference, amount: body.amount)
            let entry = try await CentralAPIController.intake {
                try await IntakeStore(database).recordPayment(
                    payment, recordedBy: .provider, providerId: identity.providerId, idempotencyKey: request.headers.idempotencyKey)
            }
            return try JSONResponse.make(CreatedId(id: entry), for: request, status: .created)
        }
        command(routes, .put, "accept", "Accepter la demande", body: nil, errors: commandErrors) { request, identity, id, key in
            try await commands.accept(providerId: identity.providerId, requestId: id, idempotencyKey: key)
        }
        command(routes, .put, "decline", "Décliner la demande (raison et note)", body: DeclineBody.self, errors: commandErrors) {
            request, identity, id, key in
            let body = try await RequestDecoding.decode(DeclineBody.self, from: request)
            return try await commands.decline(
                providerId: identity.providerId, requestId: id, reason: body.reason, note: body.note, idempotencyKey: key)
        }
        command(
            routes, .put, "update-status", "Avancer la mission (arrivé, diagnostic, réparation, terminé)", body: UpdateStatusBody.self,
            errors: commandErrors
        ) {
            request, identity, id, key in
            let body = try await RequestDecoding.decode(UpdateStatusBody.self, from: request)
            return try await commands.updateStatus(
                providerId: identity.providerId, requestId: id, stage: body.stage, note: body.note, idempotencyKey: key)
        }
        command(routes, .post, "message", "Envoyer un message (réponse rapide ou texte)", body: MessageBody.self, errors: commandErrors) {
            request, identity, id, key in
            let body = try await RequestDecoding.decode(MessageBody.self, from: request)
            return try await commands.sendMessage(
                providerId: identity.providerId, requestId: id, templateCode: body.templateCode, body: body.body, variables: body.variables ?? [:],
                idempotencyKey: key)
        }
        command(routes, .post, "ask-details", "Demander des précisions au client", body: AskDetailsBody.self, errors: commandErrors) {
            request, identity, id, key in
            let body = try await RequestDecoding.decode(AskDetailsBody.self, from: request)
            return try await commands.askForDetails(
                providerId: identity.providerId, requestId: id, questionCode: body.questionCode, customQuestion: body.question, idempotencyKey: key)
        }
        command(routes, .post, "postpone", "Reporter : proposer un nouveau créneau", body: PostponeBody.self, errors: commandErrors) {
            request, identity, id, key in
            let body = try await RequestDecoding.decode(PostponeBody.self, from: request)
            return try await commands.postpone(
                providerId: identity.providerId, requestId: id, proposedStart: try timestamp(body.start, field: "start"),
                proposedEnd: try timestamp(body.end, field: "end"), note: body.note, idempotencyKey: key)
        }
        command(routes, .post, "calls", "Noter un appel au client (durée, note)", body: CallBody.self, errors: commandErrors) {
            request, identity, id, key in
            let body = try await RequestDecoding.decode(CallBody.self, from: request)
            return try await commands.recordCall(
                providerId: identity.providerId, requestId: id, direction: body.direction,
                startedAt: try timestamp(body.startedAt, field: "started_at"),
                durationSeconds: body.durationSeconds, note: body.note, idempotencyKey: key)
        }
        routes.add(
            .put, "/provider/requests/{request_id}/calls/{call_id}", "Modifier la note d'un appel",
            parameters: [Self.requestId, .init("call_id", in: "path", required: true, "Identifiant de l'appel")], body: CallNoteBody.self,
            response: ProviderCommandResult.self, errors: ["not_found"]
        ) { request, context in
            let identity = try context.requireProvider()
            let body = try await RequestDecoding.decode(CallNoteBody.self, from: request)
            guard let callId = context.parameters.get("call_id") else { throw ProviderRequestError.notFound }
            return try JSONResponse.make(
                try await commands.updateCallNote(providerId: identity.providerId, requestId: try Self.id(context), callId: callId, note: body.note),
                for: request)
        }
    }

    private func registerDashboard(on routes: DocumentedRoutes) {
        routes.add(
            .get, "/provider/message-templates", "Réponses rapides et questions au client (les siennes et celles du catalogue)",
            response: MessageTemplateList.self
        ) { request, context in
            let identity = try context.requireProvider()
            return try await cache.json(request, owner: identity.providerId, database: database) {
                try await RequestStore(database).messageTemplates(providerId: identity.providerId)
            }
        }
        routes.add(.get, "/provider/dashboard/stats", "Cartes KPI du tableau de bord", response: ProviderDashboard.self) { request, context in
            let identity = try context.requireProvider()
            return try await cache.json(request, owner: identity.providerId, database: database) {
                try await FinanceStore(database).dashboard(providerId: identity.providerId)
            }
        }
        routes.add(
            .get, "/provider/dashboard/chart-data/{period}", "Données des graphiques (revenus, services, heatmap, notes)",
            parameters: [.init("period", in: "path", required: true, enum: ChartPeriod.allCases.map(\.rawValue), "Période")],
            response: ProviderChartData.self, errors: ["invalid_parameter"]
        ) { request, context in
            let identity = try context.requireProvider()
            guard let raw = context.parameters.get("period"), let period = ChartPeriod(rawValue: raw) else {
                throw APIError.invalidParameter("period", "7d, 30d ou 90d")
            }
            return try await cache.json(request, owner: identity.providerId, database: database) {
                try await FinanceStore(database).chartData(providerId: identity.providerId, period: period)
            }
        }
        routes.add(
            .get, "/provider/dashboard/notifications", "Alertes : nouvelles demandes, urgences, offres en attente, paiements reçus",
            response: ProviderAlerts.self
        ) { request, context in
            let identity = try context.requireProvider()
            return try await cache.json(request, owner: identity.providerId, database: database) {
                try await RequestStore(database).alerts(providerId: identity.providerId)
            }
        }
        routes.add(
            .get, "/provider/conflicts", "Actions départagées par la synchronisation (accepté ailleurs, annulation tardive, paiement en double…)",
            response: ProviderConflictList.self
        ) { request, context in
            let identity = try context.requireProvider()
            return try await cache.json(request, owner: identity.providerId, database: database) {
                try await RequestStore(database).conflicts(providerId: identity.providerId)
            }
        }
        routes.add(
            .post, "/provider/dashboard/notifications/seen", "Marquer des offres ou notifications comme vues", body: SeenBody.self,
            response: SeenResult.self
        ) { request, context in
            let identity = try context.requireProvider()
            let body = try await RequestDecoding.decode(SeenBody.self, from: request)
            let marked = try await commands.markSeen(
                providerId: identity.providerId, offerIds: Array((body.offerIds ?? []).prefix(200)),
                notificationIds: Array((body.notificationIds ?? []).prefix(200)))
            return try JSONResponse.make(SeenResult(marked: marked), for: request)
        }
    }

    /// One command route `METHOD /provider/requests/{request_id}/<action>`, answering `ProviderCommandResult`.
    private func command(
        _ routes: DocumentedRoutes, _ method: HTTPRequest.Method, _ action: String, _ summary: String, body: DocumentedRoutes.BodyType?,
        errors: [String], run: @escaping @Sendable (Request, ProviderIdentity, String, String?) async throws -> ProviderCommandResult
    ) {
        routes.add(
            method, "/provider/requests/{request_id}/\(action)", summary, parameters: [Self.requestId, Self.idempotencyKey], body: body,
            response: ProviderCommandResult.self, errors: errors
        ) { request, context in
            let identity = try context.requireProvider()
            let result = try await run(request, identity, try Self.id(context), request.headers.idempotencyKey)
            return try JSONResponse.make(result, for: request)
        }
    }

    static func id(_ context: NodeRequestContext) throws -> String {
        guard let id = context.parameters.get("request_id"), DjobeaID.isValid(id) else { throw ProviderRequestError.notFound }
        return id
    }

    static func query(_ request: Request) -> [String: String] {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { values[String(key)] = String(value) }
        return values
    }
}

extension HTTPFields {
    /// The `Idempotency-Key` header a replayed offline action carries (≤ 100 characters, else ignored).
    var idempotencyKey: String? {
        guard let value = first(where: { $0.name.canonicalName == "idempotency-key" })?.value, !value.isEmpty, value.count <= 100 else {
            return nil
        }
        return value
    }
}

/// `POST /provider/requests/{id}/payments`: a payment the provider received.
struct ProviderPaymentBody: Codable, Sendable {
    var method: String
    var reference: String?
    var amount: Int
}
