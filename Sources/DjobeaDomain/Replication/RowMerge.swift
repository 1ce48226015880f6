import Foundation

/// Names one change of the change log: what a conflict points at.
public struct ChangeRef: Hashable, Sendable, Codable, Comparable {
    public var originNode: String
    public var originSeq: Int64
    public var hlc: HLC

    public init(originNode: String, originSeq: Int64, hlc: HLC) {
        self.originNode = originNode
        self.originSeq = originSeq
        self.hlc = hlc
    }

    public init(_ change: RowChange) {
        self.init(originNode: change.originNode, originSeq: change.originSeq, hlc: change.hlc)
    }

    /// The merge order: (HLC, origin node, origin sequence) ascending, the same on every node.
    public static func < (lhs: ChangeRef, rhs: ChangeRef) -> Bool {
        (lhs.hlc, lhs.originNode, lhs.originSeq) < (rhs.hlc, rhs.originNode, rhs.originSeq)
    }
}

/// A change that a merge rule overrode or refused: kept in the change log and shown to ops.
public struct MergeConflict: Hashable, Sendable, Codable {
    /// A stable code: `owner_only`, `update_after_delete`, `append_only`, or a mission or ledger kind.
    public var kind: String
    /// The CONFLICTS.md rule that decided, e.g. `CONFLICTS-12`.
    public var rule: String
    public var table: String
    public var key: String
    /// The refused column, for a column-level refusal.
    public var column: String?
    /// The change that won, when one did (nil for a plain refusal).
    public var winner: ChangeRef?
    public var loser: ChangeRef

    public init(
        kind: String, rule: String, table: String, key: String, column: String? = nil, winner: ChangeRef? = nil,
        loser: ChangeRef
    ) {
        self.kind = kind
        self.rule = rule
        self.table = table
        self.key = key
        self.column = column
        self.winner = winner
        self.loser = loser
    }
}

extension MergeConflict {
    /// Stable codes of the conflicts `RowMerge` raises.
    public enum Kind {
        /// A write by a role that does not own the table or the column (rule 12).
        public static let ownerOnly = "owner_only"
        /// An update ordered after the delete that won (rule 13).
        public static let updateAfterDelete = "update_after_delete"
        /// An update or delete of an append-only row (rules 4 and 7).
        public static let appendOnly = "append_only"
    }
}

/// The merged state of one row.
public struct MergedRow: Equatable, Sendable {
    /// False when the row was never inserted (or its insert was refused), or when it ends deleted.
    public var exists: Bool
    /// The merged values (every column known), empty when `exists` is false.
    public var columns: ColumnValues
    /// What the rules overrode or refused, in merge order of the losing change.
    public var conflicts: [MergeConflict]

    public init(exists: Bool, columns: ColumnValues, conflicts: [MergeConflict]) {
        self.exists = exists
        self.columns = columns
        self.conflicts = conflicts
    }
}

/// The state of one row from the set of its changes (sync-protocol/SPEC.md, section 4).
///
/// Pure and order-independent: any permutation of the same changes, with any duplicates, gives the same
/// `MergedRow`. Mission status and the ledger are not merged here: their append-only rows fold through
/// `MissionStatusFold` and `PaymentLedger`.
public enum RowMerge {
    /// The state of one row from the SET of its changes (any order, duplicates allowed → same result).
    ///
    /// - Parameters:
    ///   - changes: the changes of one row (one table and key).
    ///   - policy: who may write what.
    ///   - role: the role of an origin node.
    public static func merge(
        _ changes: [RowChange], policy: ReplicationPolicy, role: (String) -> ReplicaRole
    ) -> MergedRow {
        let ordered = canonicalOrder(changes)
        guard let first = ordered.first else { return MergedRow(exists: false, columns: [:], conflicts: []) }
        var conflicts: [MergeConflict] = []
        func conflict(_ kind: String, _ rule: String, _ loser: RowChange, column: String? = nil, winner: RowChange? = nil) {
            conflicts.append(
                MergeConflict(
                    kind: kind, rule: rule, table: loser.table, key: loser.key, column: column, winner: winner.map(ChangeRef.init),
                    loser: ChangeRef(loser)))
        }

        // 1. Which changes count, and which of their columns.
        var allowed: [RowChange] = []
        for change in ordered {
            if let owner = policy.tableOwner(change.table), role(change.originNode) != owner {
                conflict(MergeConflict.Kind.ownerOnly, "CONFLICTS-12", change)
                continue
            }
            guard change.operation == .update else {
                allowed.append(change)
                continue
            }
            var kept = change
            for column in change.columns.keys.sorted() {
                if let owner = policy.columnOwner(change.table, column), role(change.originNode) != owner {
                    kept.columns[column] = nil
                    conflict(MergeConflict.Kind.ownerOnly, "CONFLICTS-12", change, column: column)
                }
            }
            allowed.append(kept)
        }

        let result: MergedRow
        if policy.isAppendOnly(first.table) {
            result = mergeAppendOnly(allowed, conflict: conflict)
        } else {
            result = mergeFields(allowed, conflict: conflict)
        }
        conflicts.sort { ($0.loser, $0.kind, $0.column ?? "") < ($1.loser, $1.kind, $1.column ?? "") }
        return MergedRow(exists: result.exists, columns: result.columns, conflicts: conflicts)
    }

    // MARK: - Rules

    /// Append-only rows: the row is its first insert; updates and deletes never count.
    private static func mergeAppendOnly(
        _ allowed: [RowChange], conflict: (String, String, RowChange, String?, RowChange?) -> Void
    ) -> MergedRow {
        // Nodes may derive the same row with the same id (a commission): the first insert is the row.
        let insert = allowed.first { $0.operation == .insert }
        for change in allowed where change.operation != .insert {
            let rule =
                switch change.table {
                case "ledger_entries": "CONFLICTS-7"
                // A rate version in force is never rewritten: a commission derived from it must not change (CONFLICTS-10).
                case "commission_rates": "CONFLICTS-10"
                default: "CONFLICTS-4"
                }
            conflict(MergeConflict.Kind.appendOnly, rule, change, nil, insert)
        }
        return MergedRow(exists: insert != nil, columns: insert?.columns ?? [:], conflicts: [])
    }

    /// Every other row: last writer wins per field; a delete after the last insert wins over updates (rule 13).
    private static func mergeFields(
        _ allowed: [RowChange], conflict: (String, String, RowChange, String?, RowChange?) -> Void
    ) -> MergedRow {
        let lastInsert = allowed.lastIndex { $0.operation == .insert }
        let deleteSearchStart = lastInsert.map { $0 + 1 } ?? 0
        if let deleteIndex = allowed[deleteSearchStart...].firstIndex(where: { $0.operation == .delete }) {
            let delete = allowed[deleteIndex]
            for change in allowed[(deleteIndex + 1)...] where change.operation == .update && !change.columns.isEmpty {
                conflict(MergeConflict.Kind.updateAfterDelete, "CONFLICTS-13", change, nil, delete)
            }
            return MergedRow(exists: false, columns: [:], conflicts: [])
        }
        guard lastInsert != nil else { return MergedRow(exists: false, columns: [:], conflicts: []) }
        var columns: ColumnValues = [:]
        for change in allowed where change.operation != .delete {
            for (column, value) in change.columns {
                columns[column] = value
            }
        }
        return MergedRow(exists: true, columns: columns, conflicts: [])
    }

    // MARK: - Order

    /// The changes in merge order, each (origin node, origin sequence) once.
    ///
    /// Two different contents under one (node, sequence) cannot come from a correct node; the smallest
    /// (HLC, operation, columns JSON) is kept so that the choice does not depend on arrival order.
    static func canonicalOrder(_ changes: [RowChange]) -> [RowChange] {
        var unique: [ChangeIdentity: RowChange] = [:]
        for change in changes {
            let identity = ChangeIdentity(originNode: change.originNode, originSeq: change.originSeq)
            if let kept = unique[identity], !precedesAsDuplicate(change, kept) { continue }
            unique[identity] = change
        }
        return unique.values.sorted { ChangeRef($0) < ChangeRef($1) }
    }

    private struct ChangeIdentity: Hashable {
        var originNode: String
        var originSeq: Int64
    }

    private static func precedesAsDuplicate(_ lhs: RowChange, _ rhs: RowChange) -> Bool {
        if lhs.hlc != rhs.hlc { return lhs.hlc < rhs.hlc }
        if lhs.operation != rhs.operation { return lhs.operation.rawValue < rhs.operation.rawValue }
        return ColumnValuesJSON.encode(lhs.columns) < ColumnValuesJSON.encode(rhs.columns)
    }
}
