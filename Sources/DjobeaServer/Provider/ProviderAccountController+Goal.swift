import DjobeaDomain
import DjobeaStore
import Foundation
import Hummingbird

/// `/provider/finance/goal`: the provider's own monthly goal (no id in the path: a provider only ever reaches theirs).
extension ProviderAccountController {
    func registerGoal(on routes: DocumentedRoutes) {
        routes.add(
            .get, "/provider/finance/goal", "Objectif du mois : progression, projection avec fourchette, méthode et conseils",
            parameters: [.init("month", "Mois AAAA-MM (défaut : le mois en cours à Douala)")], response: ProviderGoalView.self,
            errors: ["invalid_parameter"]
        ) { request, context in
            let identity = try context.requireProvider()
            var month: CalendarMonth?
            if let key = ProviderRequestsController.query(request)["month"] {
                switch ProviderGoals.month(key, now: Date(), writing: false) {
                case .success(let parsed): month = parsed
                case .failure(let refusal): throw APIError.invalidParameter("month", refusal.reasonFR)
                }
            }
            let wanted = month
            return try await cache.json(request, owner: identity.providerId, database: database) {
                try await FinanceStore(database).goal(providerId: identity.providerId, month: wanted)
            }
        }
        routes.add(
            .put, "/provider/finance/goal", "Fixer ou modifier son objectif de revenus du mois", body: GoalBody.self,
            response: ProviderGoalView.self, errors: ["unknown_field", "invalid_field"]
        ) { request, context in
            let identity = try context.requireProvider()
            let change = try await RequestDecoding.decode(GoalBody.self, from: request).change
            return try JSONResponse.make(try await FinanceStore(database).setGoal(providerId: identity.providerId, change: change), for: request)
        }
    }
}
