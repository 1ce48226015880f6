import DjobeaDomain
import DjobeaStore
import Foundation
import Hummingbird

/// `/provider/profile`, `/provider/settings`, `/provider/availability`, `/provider/absences` and `/provider/finance/*`.
struct ProviderAccountController: Sendable {
    let database: NodeDatabase
    let cache: ResponseCache

    func register(on routes: DocumentedRoutes) {
        routes.add(
            .get, "/provider/catalogue", "Quartiers du hub et services proposés (choix du profil)", response: ProviderCatalogue.self
        ) { request, context in
            let identity = try context.requireProvider()
            return try await cache.json(request, owner: identity.providerId, database: database) {
                try await AccountStore(database).catalogue(providerId: identity.providerId)
            }
        }
        routes.add(.get, "/provider/profile", "Profil du prestataire", response: ProviderProfile.self) { request, context in
            let identity = try context.requireProvider()
            return try JSONResponse.make(try await AccountStore(database).profile(providerId: identity.providerId), for: request)
        }
        routes.add(
            .put, "/provider/profile", "Modifier son profil (champs du prestataire seulement)", body: ProfileBody.self,
            response: ProviderProfile.self, errors: ["field_not_owned", "unknown_field", "invalid_field", "email_taken"]
        ) { request, context in
            let identity = try context.requireProvider()
            let changes = try await RequestDecoding.decode(ProfileBody.self, from: request).changes
            return try JSONResponse.make(
                try await AccountStore(database).updateProfile(providerId: identity.providerId, changes: changes), for: request)
        }
        routes.add(.get, "/provider/settings", "Paramètres (notifications, horaires, types de demandes)", response: ProviderSettings.self) {
            request, context in
            let identity = try context.requireProvider()
            return try JSONResponse.make(try await AccountStore(database).settings(providerId: identity.providerId), for: request)
        }
        routes.add(
            .put, "/provider/settings", "Modifier ses paramètres", body: SettingsBody.self, response: ProviderSettings.self,
            errors: ["unknown_field", "invalid_field"]
        ) { request, context in
            let identity = try context.requireProvider()
            let changes = try await RequestDecoding.decode(SettingsBody.self, from: request).changes
            return try JSONResponse.make(
                try await AccountStore(database).updateSettings(providerId: identity.providerId, changes: changes), for: request)
        }
        routes.add(
            .get, "/provider/availability", "Disponibilité actuelle (mode absent, absences, horaires)", response: ProviderAvailabilityStatus.self
        ) {
            request, context in
            let identity = try context.requireProvider()
            return try JSONResponse.make(try await AccountStore(database).availabilityStatus(providerId: identity.providerId), for: request)
        }
        routes.add(
            .post, "/provider/availability", "Activer ou quitter le mode « Absent »", body: AwayBody.self, response: ProviderAvailabilityStatus.self,
            errors: ["invalid_field"]
        ) { request, context in
            let identity = try context.requireProvider()
            let body = try await RequestDecoding.decode(AwayBody.self, from: request)
            let until = try body.until.map { try timestamp($0, field: "until") }
            return try JSONResponse.make(
                try await AccountStore(database).setAwayMode(providerId: identity.providerId, away: body.away, until: until, message: body.message),
                for: request)
        }
        registerAbsences(on: routes)
        registerFinance(on: routes)
    }

    private func registerAbsences(on routes: DocumentedRoutes) {
        routes.add(
            .get, "/provider/absences", "Calendrier des indisponibilités",
            parameters: [.init("from", "Depuis (date ISO)"), .init("to", "Jusqu'à (date ISO)")], response: [ProviderAbsence].self
        ) { request, context in
            let identity = try context.requireProvider()
            let query = ProviderRequestsController.query(request)
            let from = try query["from"].map { try timestamp($0, field: "from") }
            let to = try query["to"].map { try timestamp($0, field: "to") }
            return try JSONResponse.make(try await AccountStore(database).absences(providerId: identity.providerId, from: from, to: to), for: request)
        }
        routes.add(
            .post, "/provider/absences", "Ajouter une absence", body: AbsenceBody.self, response: ProviderAbsence.self, status: 201,
            errors: ["invalid_field", "absence_overlap"]
        ) { request, context in
            let identity = try context.requireProvider()
            let body = try await RequestDecoding.decode(AbsenceBody.self, from: request)
            let absence = try await AccountStore(database).addAbsence(
                providerId: identity.providerId, start: try timestamp(body.start, field: "start"), end: try timestamp(body.end, field: "end"),
                reason: body.reason, notifyClients: body.notifyClients ?? true)
            return try JSONResponse.make(absence, for: request, status: .created)
        }
        routes.add(
            .delete, "/provider/absences/{absence_id}", "Supprimer une absence à venir",
            parameters: [.init("absence_id", in: "path", required: true, "Identifiant de l'absence")], status: 204,
            errors: ["not_found", "absence_ended"]
        ) { _, context in
            let identity = try context.requireProvider()
            guard let id = context.parameters.get("absence_id"), DjobeaID.isValid(id) else {
                throw ProviderAccountError.notFound(resource: "absence")
            }
            try await AccountStore(database).deleteAbsence(providerId: identity.providerId, absenceId: id)
            return Response(status: .noContent)
        }
    }

    private func registerFinance(on routes: DocumentedRoutes) {
        routes.add(
            .get, "/provider/finance/earnings/{period}", "Revenus de la période : brut, commission, net, par service et par client",
            parameters: [
                .init("period", in: "path", required: true, enum: EarningsPeriod.allCases.map(\.rawValue), "Période"),
                .init("history_page", type: "integer", "Page de l'historique des paiements"),
            ], response: ProviderEarnings.self, errors: ["invalid_parameter"]
        ) { request, context in
            let identity = try context.requireProvider()
            guard let raw = context.parameters.get("period"), let period = EarningsPeriod(rawValue: raw) else {
                throw APIError.invalidParameter("period", "week, month, quarter ou year")
            }
            let page = try Self.positiveInt(ProviderRequestsController.query(request)["history_page"], "history_page") ?? 1
            return try await cache.json(request, owner: identity.providerId, database: database) {
                try await FinanceStore(database).earnings(providerId: identity.providerId, period: period, historyPage: page)
            }
        }
        routes.add(
            .get, "/provider/finance/invoices", "Factures et leur statut (envoyée, payée, en retard…)",
            parameters: [
                .init("status", enum: InvoiceStatus.allCases.map(\.rawValue), "Statut"), .init("page", type: "integer", "Page"),
                .init("page_size", type: "integer", "Taille de page (1 à 100)"),
            ], response: ProviderInvoicePage.self, errors: ["invalid_parameter"]
        ) { request, context in
            let identity = try context.requireProvider()
            let query = ProviderRequestsController.query(request)
            var status: InvoiceStatus?
            if let raw = query["status"] {
                guard let parsed = InvoiceStatus(rawValue: raw) else { throw APIError.invalidParameter("status", "statut de facture inconnu") }
                status = parsed
            }
            let page = try Self.positiveInt(query["page"], "page") ?? 1
            let size = try Self.positiveInt(query["page_size"], "page_size") ?? 20
            guard size <= 100 else { throw APIError.invalidParameter("page_size", "entre 1 et 100") }
            let wanted = status
            return try await cache.json(request, owner: identity.providerId, database: database) {
                try await FinanceStore(database).invoices(providerId: identity.providerId, status: wanted, page: page, pageSize: size)
            }
        }
        registerGoal(on: routes)
    }

    static func positiveInt(_ text: String?, _ name: String) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value >= 1, value <= 100_000 else { throw APIError.invalidParameter(name, "entier positif attendu") }
        return value
    }
}
