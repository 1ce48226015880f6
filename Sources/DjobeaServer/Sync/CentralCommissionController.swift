import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import Foundation
import HTTPTypes
import Hummingbird

/// `POST /central/commission-rates`: a new version of a level's commission rate.
public struct CommissionRateBody: Codable, Sendable {
    /// `bronze`, `argent`, `or` or `platine`.
    public var level: String
    /// 0 … 10 000 (1 500 = 15 %).
    public var basisPoints: Int
    /// A UTC time (`2027-01-01T00:00:00.000Z`), now or later, after the level's latest version; absent: now.
    public var effectiveFrom: String?
    public var reason: String

    public var command: CommissionRateInput {
        CommissionRateInput(level: level, basisPoints: basisPoints, effectiveFrom: effectiveFrom, reason: reason)
    }
}

/// `PUT /central/providers/{provider_id}/level`: a level set by hand, or `auto` to hand it back to the rule.
public struct ProviderLevelBody: Codable, Sendable {
    public var level: String
    public var reason: String
}

/// The recent audit lines of commission rates and provider levels.
public struct OpsAuditTrail: Codable, Sendable {
    public var entries: [OpsAuditEntry]
}

/// Central's commission rates and provider levels for the platform and ops tools (API key, SPEC.md §4.4.4): the rate
/// grid and its versions (append-only), the level rule and each provider's level, recomputation and overrides. Every
/// write is an ops action with its audit line and takes an `Idempotency-Key`.
struct CentralCommissionController: Sendable {
    let database: any ReplicaStorage

    func register(on routes: DocumentedRoutes) {
        routes.add(
            .get, "/central/commission-rates", "Grille des taux de commission : par niveau, le taux en vigueur, les versions à venir et passées",
            response: CommissionRateGrid.self, errors: ["api_key_required"]
        ) { request, _ in
            try JSONResponse.make(try await OpsStore(database).commissionRateGrid(), for: request)
        }
        routes.add(
            .post, "/central/commission-rates",
            "Ajouter une version du taux d'un niveau (jamais modifiée ensuite) : effet maintenant ou plus tard, après la dernière version du niveau",
            parameters: [CentralOpsController.idempotencyKey], body: CommissionRateBody.self, response: OpsActionResult.self,
            errors: CentralOpsController.errors + ["commission_rate_in_past", "commission_rate_backdated"]
        ) { request, _ in
            let body = try await RequestDecoding.decode(CommissionRateBody.self, from: request)
            return try await CentralOpsController.answer(request) { actor, key in
                try await OpsStore(database).addCommissionRate(body.command, actor: actor, idempotencyKey: key)
            }
        }
        routes.add(
            .get, "/central/provider-levels", "La règle des niveaux (en français), ses seuils, et le niveau de chaque prestataire avec son activité",
            response: ProviderLevelsReport.self, errors: ["api_key_required"]
        ) { request, _ in
            try JSONResponse.make(try await OpsStore(database).providerLevels(), for: request)
        }
        routes.add(
            .post, "/central/provider-levels/recompute",
            "Recalculer le niveau de chaque prestataire selon la règle (sauf niveaux fixés à la main), une ligne d'audit par changement",
            parameters: [CentralOpsController.idempotencyKey], body: OpsReasonBody.self, response: OpsActionResult.self,
            errors: CentralOpsController.errors
        ) { request, _ in
            let body = try await RequestDecoding.decode(OpsReasonBody.self, from: request)
            return try await CentralOpsController.answer(request) { actor, key in
                try await OpsStore(database).recomputeLevels(actor: actor, reason: body.reason, idempotencyKey: key)
            }
        }
        routes.add(
            .put, "/central/providers/{provider_id}/level",
            "Fixer à la main le niveau d'un prestataire (motif), ou « auto » pour le rendre à la règle",
            parameters: [.init("provider_id", in: "path", required: true, "Identifiant du prestataire"), CentralOpsController.idempotencyKey],
            body: ProviderLevelBody.self, response: OpsActionResult.self, errors: CentralOpsController.errors
        ) { request, context in
            let id = try CentralOpsController.id(context, "provider_id")
            let body = try await RequestDecoding.decode(ProviderLevelBody.self, from: request)
            return try await CentralOpsController.answer(request) { actor, key in
                try await OpsStore(database).setProviderLevel(id: id, level: body.level, reason: body.reason, actor: actor, idempotencyKey: key)
            }
        }
        routes.add(
            .get, "/central/commission-audit", "Journal des changements de taux et de niveaux (les 100 plus récents)", response: OpsAuditTrail.self,
            errors: ["api_key_required"]
        ) { request, _ in
            try JSONResponse.make(OpsAuditTrail(entries: try await OpsStore(database).auditTrail(limit: 100)), for: request)
        }
    }
}
