import DjobeaDomain
import Foundation
import GRDB

/// A sync conflict as the provider it concerns is told about it (CONFLICTS.md: the loser is kept, shown to ops, and
/// told in the app in plain French).
public struct ProviderConflict: Codable, Sendable, Equatable {
    public var id: String
    public var kind: String
    public var message: String
    public var requestId: String?
    public var detectedAt: String
}

public struct ProviderConflictList: Codable, Sendable, Equatable {
    public var items: [ProviderConflict]
}

extension RequestStore {
    /// The open conflicts on this provider's missions, payments and profile, newest first (at most 100).
    public func conflicts(providerId: String) async throws -> ProviderConflictList {
        try await database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, c.kind, c.table_name, c.row_key, c.loser, c.detected_at,
                        coalesce(e.request_id, l.request_id) AS request_id
                    FROM sync_conflicts c
                    LEFT JOIN mission_events e ON c.table_name = 'mission_events' AND e.id = c.row_key
                    LEFT JOIN ledger_entries l ON c.table_name = 'ledger_entries' AND l.id = c.row_key
                    WHERE c.resolved_at IS NULL AND (
                        (c.table_name = 'mission_events' AND (e.provider_id = ?1
                            OR e.request_id IN (SELECT request_id FROM missions WHERE provider_id = ?1)))
                        OR (c.table_name = 'ledger_entries' AND l.provider_id = ?1)
                        OR (c.table_name = 'providers' AND c.row_key = ?1))
                    ORDER BY c.detected_at DESC, c.id LIMIT 100
                    """, arguments: [providerId])
            return ProviderConflictList(
                items: rows.map { row in
                    let loser = (try? ColumnValuesJSON.decode(row["loser"] ?? "{}")) ?? [:]
                    let kind: String = row["kind"]
                    return ProviderConflict(
                        id: row["id"], kind: kind, message: loser["message"]?.textValue ?? Self.providerMessage(kind),
                        requestId: row["request_id"], detectedAt: row["detected_at"])
                })
        }
    }

    /// The French sentence for a conflict kind that carries no message of its own.
    static func providerMessage(_ kind: String) -> String {
        switch kind {
        case "owner_only": "Modification non prise en compte : ce champ est décidé par l'équipe Djobea."
        case "update_after_delete": "Modification non prise en compte : l'élément avait été supprimé entre-temps."
        case "out_of_partition": "Modification non prise en compte : elle concerne une zone d'un autre hub."
        case "constraint_violation": "Modification en attente : elle entre en conflit avec une donnée existante ; l'équipe Djobea vérifie."
        default: "Une de vos actions a été départagée par les règles de synchronisation ; l'équipe Djobea peut vous renseigner."
        }
    }
}
