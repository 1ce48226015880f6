import DjobeaDomain
import DjobeaStore
import Foundation
import HTTPTypes
import Hummingbird

/// `/ops/commission`: the commission rate grid, the level rule and each provider's level, their forms (an ops session,
/// same origin, CSRF token, a fresh Idempotency-Key per form) and the audit trail of rate and level changes.
extension OpsController {
    func registerCommission(on routes: DocumentedRoutes) {
        routes.add(.get, "/ops/commission", "Commissions et niveaux (page HTML) : grille des taux, règle des niveaux, journal") { request, _ in
            guard let csrf = csrfToken(for: request) else { return Self.redirect(to: "/ops/login") }
            return try Self.html(try await commissionPage(csrf: csrf, outcome: nil), for: request)
        }
        routes.add(
            .post, "/ops/commission/{action}", "Agir depuis la page des commissions (formulaire avec csrf_token et idempotency_key)",
            parameters: [.init("action", in: "path", required: true, "rate (nouvelle version), recompute (recalculer) ou level (niveau à la main)")],
            errors: ["ops_auth_required", "ops_csrf_invalid", "ops_origin_refused", "invalid_parameter", "not_found"]
        ) { request, context in
            let form = try await checkedForm(request)
            var outcome: OpsPage.ActionOutcome
            var status = HTTPResponse.Status.ok
            do {
                let result = try await performCommission(context.parameters.get("action") ?? "", form)
                outcome = .init(ok: true, message: result.replayed ? "Déjà fait : " + result.summary : result.summary)
            } catch let error as IntakeError {
                status = error.notFound ? .notFound : .badRequest
                outcome = .init(ok: false, message: "Refusé : \(error.messageFR)")
            } catch let refusal as OpsRefusal {
                status = .conflict
                outcome = .init(ok: false, message: "Refusé : \(refusal.messageFR)")
            }
            return try Self.html(try await commissionPage(csrf: csrfToken(for: request) ?? "", outcome: outcome), for: request, status: status)
        }
    }

    func commissionPage(csrf: String, outcome: OpsPage.ActionOutcome?) async throws -> String {
        let store = OpsStore(database)
        return OpsPage.commission(
            csrfToken: csrf, grid: try await store.commissionRateGrid(), levels: try await store.providerLevels(), log: try await store.auditTrail(),
            outcome: outcome)
    }

    /// One form of the commission page, as an ops person on the console.
    func performCommission(_ action: String, _ form: [String: String]) async throws -> OpsActionResult {
        let actor = OpsActor("ops (console)")
        let key = form["idempotency_key"].flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
        func text(_ name: String) -> String? {
            guard let value = form[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
            return value
        }
        let store = OpsStore(database)
        switch action {
        case "rate":
            guard let points = text("basis_points").flatMap({ Int($0.replacingOccurrences(of: " ", with: "")) }) else {
                throw IntakeError("basis_points", CommissionRateRefusal.basisPointsOutOfRange.messageFR)
            }
            let effectiveFrom = try text("effective_from").map { given in
                guard let date = Self.doualaTime(given) else {
                    throw IntakeError("effective_from", "Date et heure attendues (jj/mm/aaaa hh:mm), ou vide pour maintenant.")
                }
                return UTCTimestamp.format(date)
            }
            return try await store.addCommissionRate(
                CommissionRateInput(level: text("level") ?? "", basisPoints: points, effectiveFrom: effectiveFrom, reason: text("reason")),
                actor: actor,
                idempotencyKey: key)
        case "recompute":
            return try await store.recomputeLevels(actor: actor, reason: text("reason"), idempotencyKey: key)
        case "level":
            guard let id = text("provider_id"), DjobeaID.isValid(id) else { throw IntakeError("provider_id", "Identifiant invalide.") }
            return try await store.setProviderLevel(id: id, level: text("level") ?? "", reason: text("reason"), actor: actor, idempotencyKey: key)
        default:
            throw IntakeError("action", "Action inconnue.", notFound: true)
        }
    }

    /// A browser's `datetime-local` value (`2027-01-01T08:00`, seconds optional), read as Douala time (UTC+1, no summer
    /// time).
    static func doualaTime(_ text: String) -> Date? {
        let utc: String
        switch text.count {
        case 16: utc = text + ":00.000Z"
        case 19: utc = text + ".000Z"
        default: return nil
        }
        return UTCTimestamp.parse(utc)?.addingTimeInterval(-3_600)
    }
}
