import DjobeaStore
import Foundation
import Hummingbird

/// `GET /provider/changes`: the provider's requests by delta since a cursor, for the app's offline copy (IndexedDB).
///
/// A missing, unreadable or outdated `since` never fails: the answer is then a full load (`full: true`), paged by `limit`.
/// Only a bad `limit` is refused (422 `invalid_parameter`).
struct ProviderChangesController: Sendable {
    let database: NodeDatabase
    let cache: ResponseCache

    func register(on routes: DocumentedRoutes) {
        routes.add(
            .get, "/provider/changes",
            "Demandes modifiées depuis un curseur (copie hors-ligne de l'application) ; sans curseur valable, chargement complet paginé",
            parameters: [
                .init("since", "Curseur rendu par la réponse précédente (absent, illisible ou trop ancien : chargement complet)"),
                .init("limit", type: "integer", "Demandes par réponse (1 à 500, 200 par défaut)"),
            ], response: ProviderChanges.self, errors: ["invalid_parameter"]
        ) { request, context in
            let identity = try context.requireProvider()
            let limit = try Self.limit(request.uri.queryParameters["limit"].map(String.init))
            let cursor = ProviderChangesCursor(request.uri.queryParameters["since"].map(String.init))
            return try await cache.json(request, owner: identity.providerId, database: database) {
                try await RequestStore(database).changes(providerId: identity.providerId, cursor: cursor, limit: limit)
            }
        }
    }

    static func limit(_ text: String?) throws -> Int {
        guard let text, !text.isEmpty else { return ProviderChangesQuery.defaultLimit }
        guard text.count <= 6, let value = Int(text), (1...ProviderChangesQuery.maxLimit).contains(value) else {
            throw ProviderRequestError.invalid("limit", "Nombre de demandes par réponse invalide : entre 1 et \(ProviderChangesQuery.maxLimit)")
        }
        return value
    }
}
