import Foundation

/// Why a replicated row cannot be read as a domain value.
public enum ReplicatedRowError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A required column is absent or null.
    case missingColumn(table: String, column: String)
    /// A column holds a value of the wrong type or outside its enumeration.
    case invalidValue(table: String, column: String, value: ColumnValue)

    public var description: String {
        switch self {
        case .missingColumn(let table, let column): "\(table).\(column): missing"
        case .invalidValue(let table, let column, let value): "\(table).\(column): invalid value \(value)"
        }
    }
}

/// Reads merged rows of the append-only tables as the values their folds take (the sync core's folds read stored rows
/// through it too).
public enum ReplicatedRows {
    /// A `mission_events` row as a `MissionEvent`.
    ///
    /// - Parameters:
    ///   - columns: the row's columns (its insert).
    ///   - key: the row key, used when `columns` carries no `id`.
    public static func missionEvent(from columns: ColumnValues, key: String? = nil) throws(ReplicatedRowError) -> MissionEvent {
        let row = Reader(table: "mission_events", columns: columns)
        return MissionEvent(
            id: try row.text("id", default: key), requestId: try row.text("request_id"),
            kind: try row.enumeration("kind", MissionEventKind.self), actorRole: try row.enumeration("actor_role", ActorRole.self),
            actorId: try row.optionalText("actor_id"), providerId: try row.optionalText("provider_id"), hlc: HLC(packed: try row.integer("hlc")),
            originNode: try row.text("origin_node"), reopenTo: try row.optionalEnumeration("reopen_to", RequestStatus.self),
            reasonCode: try row.optionalText("reason_code"), note: try row.optionalText("note"),
            occurredAt: try row.optionalText("occurred_at").flatMap(UTCTimestamp.parse))
    }

    /// A `ledger_entries` row as a `LedgerEntry`.
    ///
    /// - Parameters:
    ///   - columns: the row's columns (its insert).
    ///   - key: the row key, used when `columns` carries no `id`.
    public static func ledgerEntry(from columns: ColumnValues, key: String? = nil) throws(ReplicatedRowError) -> LedgerEntry {
        let row = Reader(table: "ledger_entries", columns: columns)
        return LedgerEntry(
            id: try row.text("id", default: key), requestId: try row.text("request_id"), providerId: try row.text("provider_id"),
            invoiceId: try row.optionalText("invoice_id"), kind: try row.enumeration("kind", LedgerEntryKind.self),
            method: try row.optionalEnumeration("method", PaymentMethod.self), operatorRef: try row.optionalText("operator_ref"),
            amount: XAF(Int(try row.integer("amount"))), reversesEntryId: try row.optionalText("reverses_entry_id"),
            hlc: HLC(packed: try row.integer("hlc")), originNode: try row.text("origin_node"))
    }

    // MARK: - Column reader

    private struct Reader {
        var table: String
        var columns: ColumnValues

        func text(_ column: String, default fallback: String? = nil) throws(ReplicatedRowError) -> String {
            guard let value = try optionalText(column) ?? fallback else { throw .missingColumn(table: table, column: column) }
            return value
        }

        func optionalText(_ column: String) throws(ReplicatedRowError) -> String? {
            switch columns[column] ?? .null {
            case .null: return nil
            case .text(let value): return value
            case let value: throw .invalidValue(table: table, column: column, value: value)
            }
        }

        func integer(_ column: String) throws(ReplicatedRowError) -> Int64 {
            switch columns[column] ?? .null {
            case .null: throw .missingColumn(table: table, column: column)
            case .integer(let value): return value
            case let value: throw .invalidValue(table: table, column: column, value: value)
            }
        }

        func enumeration<T: RawRepresentable<String>>(_ column: String, _ type: T.Type) throws(ReplicatedRowError) -> T {
            guard let value = try optionalEnumeration(column, type) else { throw .missingColumn(table: table, column: column) }
            return value
        }

        func optionalEnumeration<T: RawRepresentable<String>>(_ column: String, _ type: T.Type) throws(ReplicatedRowError) -> T? {
            guard let raw = try optionalText(column) else { return nil }
            guard let value = T(rawValue: raw) else { throw .invalidValue(table: table, column: column, value: .text(raw)) }
            return value
        }
    }
}

// MARK: - Fold conflicts as merge conflicts

extension MergeConflict {
    /// A mission fold conflict in the shape of the other merge conflicts (table `mission_events`, key = event id).
    ///
    /// - Parameters:
    ///   - conflict: what `MissionStatusFold` reported.
    ///   - loser: the change that inserted the losing event.
    public init(mission conflict: MissionConflict, loser: ChangeRef) {
        self.init(kind: conflict.kind.rawValue, rule: conflict.kind.rule, table: "mission_events", key: conflict.eventId, loser: loser)
    }

    /// A ledger fold conflict in the shape of the other merge conflicts (table `ledger_entries`, key = entry id).
    ///
    /// - Parameters:
    ///   - conflict: what `PaymentLedger.fold` reported.
    ///   - winner: the change that inserted the entry that counts instead, when known.
    ///   - loser: the change that inserted the excluded entry.
    public init(ledger conflict: LedgerConflict, winner: ChangeRef?, loser: ChangeRef) {
        self.init(
            kind: conflict.kind.rawValue, rule: conflict.kind.rule, table: "ledger_entries", key: conflict.entryId, winner: winner, loser: loser)
    }
}

extension MissionConflictKind {
    /// The CONFLICTS.md rule that decides this kind of mission conflict.
    public var rule: String {
        switch self {
        case .alreadyAssigned, .reassignRefused: "CONFLICTS-1"
        case .lateCancellation, .workAfterCancellation: "CONFLICTS-5"
        case .staleStage, .notAssignedProvider, .unauthorizedActor, .illegalTransition, .duplicateEvent: "CONFLICTS-4"
        }
    }
}

extension LedgerConflictKind {
    /// The CONFLICTS.md rule that decides this kind of ledger conflict.
    public var rule: String {
        switch self {
        case .duplicateTransaction, .duplicateTransactionAmountMismatch: "CONFLICTS-8"
        case .duplicateReversal, .reversalOfDuplicate: "CONFLICTS-7"
        }
    }
}
