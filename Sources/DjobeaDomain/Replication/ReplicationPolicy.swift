import Foundation

/// The role a node plays in replication; it decides which writes count (CONFLICTS.md, "Who decides what").
public enum ReplicaRole: String, Sendable, Codable, CaseIterable {
    case central
    case hub
}

/// Who may write what (CONFLICTS.md "Who decides what", rule 12).
///
/// A change from a node whose role is not the owner is kept in the change log but does not count: the merge
/// ignores it and reports an `owner_only` conflict. `nil` owners mean that any node may write.
public struct ReplicationPolicy: Sendable {
    /// Tables whose rows only one role may insert, update or delete.
    public var tableOwners: [String: ReplicaRole]
    /// Per table, columns that only one role may change by an update.
    public var columnOwners: [String: [String: ReplicaRole]]
    /// Tables whose rows are inserted once and never updated or deleted.
    public var appendOnlyTables: Set<String>

    public init(
        tableOwners: [String: ReplicaRole], columnOwners: [String: [String: ReplicaRole]], appendOnlyTables: Set<String>
    ) {
        self.tableOwners = tableOwners
        self.columnOwners = columnOwners
        self.appendOnlyTables = appendOnlyTables
    }

    /// Protocol version 1 (sync-protocol/SPEC.md, section 4).
    public static let v1 = ReplicationPolicy(
        tableOwners: [
            "hubs": .central, "zones": .central, "services": .central, "commission_rates": .central,
            "provider_zones": .central,
        ],
        columnOwners: [
            "providers": [
                // Ops decide these: a provider must not undo a suspension or a level.
                "level": .central, "account_status": .central, "phone": .central, "hub_id": .central,
                "home_zone_id": .central, "numbering_hub_id": .central,
                // The provider decides these, at their hub: ops must not rewrite a bio. (The name is anyone's: the
                // provider edits it, ops correct it, PATCH /central/providers/{id}; last writer wins.)
                "email": .hub, "bio": .hub, "photo_sha256": .hub, "away_mode": .hub,
                "away_until": .hub, "away_message": .hub,
            ],
            // Ops decide which services a provider offers; the provider sets their rates.
            "provider_services": ["provider_id": .central, "service_id": .central, "rate_min": .hub, "rate_max": .hub],
        ],
        appendOnlyTables: ["mission_events", "ledger_entries", "commission_rates"]
    )

    /// The only role whose inserts, updates and deletes of `table` count; nil = anyone.
    public func tableOwner(_ table: String) -> ReplicaRole? {
        tableOwners[table]
    }

    /// The only role whose updates of `table.column` count; nil = anyone.
    public func columnOwner(_ table: String, _ column: String) -> ReplicaRole? {
        columnOwners[table]?[column]
    }

    /// Whether rows of `table` are immutable once inserted (mission events, ledger entries, commission rate versions).
    public func isAppendOnly(_ table: String) -> Bool {
        appendOnlyTables.contains(table)
    }
}
