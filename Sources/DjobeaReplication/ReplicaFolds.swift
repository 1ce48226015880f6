import DjobeaDomain
import Foundation

/// The derived state the sync core keeps current after a merge, the same on every node and every storage: a request's
/// lifecycle (`missions`, folded from its events), Djobea's commission (CONFLICTS.md rule 10), and the conflicts both
/// folds find (`sync_conflicts`, SPEC.md §4.6).
public enum ReplicaFolds {
    /// Every event of a request, in fold order.
    public static func missionEvents(requestId: String, in connection: any ReplicaConnection) throws -> [MissionEvent] {
        try connection.rows(
            SyncedTable.missionEvents.rawValue, where: "request_id", equals: .text(requestId), orderBy: "hlc, origin_node, id"
        ).map { try ReplicatedRows.missionEvent(from: $0.columns) }
    }

    /// Folds the request's events and writes the result to `missions`, the query copy of each request's lifecycle.
    @discardableResult
    public static func refreshMission(requestId: String, in connection: any ReplicaConnection) throws -> MissionState {
        try refreshMission(requestId: requestId, events: try missionEvents(requestId: requestId, in: connection), in: connection)
    }

    /// `refreshMission` with the request's events already read.
    @discardableResult
    public static func refreshMission(requestId: String, events: [MissionEvent], in connection: any ReplicaConnection) throws -> MissionState {
        let state = MissionStatusFold.fold(events)
        // Shown times are the events' wall-clock times, never their HLCs (SPEC.md §2.2).
        func time(_ status: RequestStatus) -> ColumnValue { ColumnValue(state.wallTime(of: status).map(UTCTimestamp.format)) }
        try connection.execute(
            """
            INSERT INTO missions (request_id, provider_id, status, accepted_at, arrived_at, diagnostic_at, repair_at,
                completed_at, cancelled_at, expired_at, last_event_hlc, conflict_count)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (request_id) DO UPDATE SET provider_id = excluded.provider_id, status = excluded.status,
                accepted_at = excluded.accepted_at, arrived_at = excluded.arrived_at, diagnostic_at = excluded.diagnostic_at,
                repair_at = excluded.repair_at, completed_at = excluded.completed_at, cancelled_at = excluded.cancelled_at,
                expired_at = excluded.expired_at, last_event_hlc = excluded.last_event_hlc,
                conflict_count = excluded.conflict_count
            """,
            [
                .text(requestId), ColumnValue(state.providerId), .text(state.status.rawValue), time(.acceptee), time(.arrive),
                time(.diagnostic), time(.reparation), time(.terminee), time(.annulee), time(.expiree),
                state.lastEventAt.map { .integer($0.packed) } ?? .null, .integer(Int64(state.conflicts.count)),
            ])
        return state
    }

    /// Derives Djobea's commission for a completed, invoiced request: the rate version in force at completion (its HLC
    /// time, SPEC.md §4.4.4), on the invoice total, under a deterministic id so that every node derives the same single
    /// entry (CONFLICTS.md rule 10). Does nothing if the entry exists or the request is not complete and invoiced.
    /// Called whichever comes last: the completion, the invoice, or either arriving by sync.
    @discardableResult
    public static func deriveCommission(requestId: String, now: Date, in connection: any ReplicaConnection) throws -> LedgerEntry? {
        // The request's projection is current here (refreshed after its events, before this): a cheap first test.
        guard
            try connection.exists(
                "SELECT 1 FROM missions WHERE request_id = ? AND status = ?", [.text(requestId), .text(RequestStatus.terminee.rawValue)])
        else { return nil }
        let state = MissionStatusFold.fold(try missionEvents(requestId: requestId, in: connection))
        guard state.status == .terminee, let providerId = state.providerId, let completion = state.completedAt,
            let completedShown = state.wallTime(of: .terminee),
            let invoice = try connection.rows(SyncedTable.invoices.rawValue, where: "request_id", equals: .text(requestId)).first,
            let invoiceId = invoice["id"].textValue, let total = invoice["total"].integerValue,
            // A draft invoice (not sent, `sent_at` NULL) may still change: no commission until it is sent (4.8).
            invoice["sent_at"].textValue != nil,
            let provider = try connection.row(SyncedTable.providers.rawValue, key: providerId),
            let level = provider["level"].textValue.flatMap(ProviderLevel.init(rawValue:))
        else { return nil }
        // The credit notes of the invoice lower the commission's base (4.4.4): the commission of a set of credit notes has
        // its own id, and every other commission of the request is reversed, so nodes that saw the credit notes in any
        // order end with the same entries.
        let credits = try connection.rows(SyncedTable.creditNotes.rawValue, where: "invoice_id", equals: .text(invoiceId))
        let creditIds = credits.compactMap { $0["id"].textValue }.sorted()
        let credited = credits.compactMap { $0["amount"].integerValue }.reduce(0, +)
        let entryId = commissionEntryId(requestId: requestId, creditNoteIds: creditIds)
        try reverseSupersededCommissions(requestId: requestId, keeping: entryId, now: now, in: connection)
        guard try !connection.exists("SELECT 1 FROM ledger_entries WHERE id = ?", [.text(entryId)]) else { return nil }
        let table = try commissionRates(in: connection)
        guard let (amount, rate) = table.commission(on: XAF(Int(max(0, total - credited))), completedAt: completion.date, level: level),
            amount > .zero
        else {
            return nil
        }
        // Every column is a function of replicated rows (the completion event, the invoice and its credit notes, the rate
        // table), so two nodes deriving the entry concurrently write the same row under the same id (SPEC.md §4.4.4):
        // whichever insert a node keeps, the row is identical.
        let entry = LedgerEntry(
            id: entryId, requestId: requestId, providerId: providerId, invoiceId: invoiceId, kind: .commission, method: nil, operatorRef: nil,
            amount: amount, reversesEntryId: nil, hlc: completion, originNode: derivedOrigin)
        if let problem = PaymentLedger.validationError(entry) { throw ReplicaError.corrupt(problem.messageFR) }
        try connection.insertOwn(
            .ledgerEntries,
            [
                "id": .text(entryId), "request_id": .text(requestId), "provider_id": .text(providerId), "invoice_id": .text(invoiceId),
                "kind": .text(LedgerEntryKind.commission.rawValue), "amount": .integer(Int64(amount.francs)), "rate_id": .text(rate.id),
                "hlc": .integer(completion.packed), "origin_node": .text(derivedOrigin),
                "recorded_at": .text(UTCTimestamp.format(completedShown)), "recorded_by_role": .text(ActorRole.system.rawValue),
            ], now: now)
        return entry
    }

    /// The id of the request's commission given the ids of its invoice's credit notes: the plain commission id without
    /// credit notes, else `DjobeaID.derived("commission", request_id + "/" + the sorted ids joined by ",")`.
    public static func commissionEntryId(requestId: String, creditNoteIds: [String]) -> String {
        creditNoteIds.isEmpty
            ? CommissionRateTable.commissionEntryId(requestId: requestId)
            : DjobeaID.derived(namespace: "commission", name: requestId + "/" + creditNoteIds.sorted().joined(separator: ","))
    }

    /// Reverses, in full, every commission of the request but `keeping` that is not reversed yet: the reversal's id is
    /// `DjobeaID.derived("commission_reversal", <commission id>)` and its other columns copy the commission's (amount,
    /// invoice, provider, HLC, recorded time), so any node writes the same row.
    static func reverseSupersededCommissions(requestId: String, keeping: String, now: Date, in connection: any ReplicaConnection) throws {
        let commissions = try connection.query(
            "SELECT * FROM ledger_entries WHERE request_id = ? AND kind = ? AND id <> ? ORDER BY id",
            [.text(requestId), .text(LedgerEntryKind.commission.rawValue), .text(keeping)])
        for commission in commissions {
            guard let targetId = commission["id"].textValue, let amount = commission["amount"].integerValue,
                let providerId = commission["provider_id"].textValue, let hlc = commission["hlc"].integerValue,
                let recordedAt = commission["recorded_at"].textValue
            else { continue }
            let reversalId = DjobeaID.derived(namespace: "commission_reversal", name: targetId)
            guard try !connection.exists("SELECT 1 FROM ledger_entries WHERE id = ?", [.text(reversalId)]) else { continue }
            try connection.insertOwn(
                .ledgerEntries,
                [
                    "id": .text(reversalId), "request_id": .text(requestId), "provider_id": .text(providerId),
                    "invoice_id": commission["invoice_id"], "kind": .text(LedgerEntryKind.reversal.rawValue), "amount": .integer(amount),
                    "reverses_entry_id": .text(targetId), "hlc": .integer(hlc), "origin_node": .text(derivedOrigin),
                    "recorded_at": .text(recordedAt), "recorded_by_role": .text(ActorRole.system.rawValue),
                ], now: now)
        }
    }

    /// The `origin_node` column of derived entries: no node made them, every node derives them.
    public static let derivedOrigin = "derived"

    /// The versioned commission rate table.
    public static func commissionRates(in connection: any ReplicaConnection) throws -> CommissionRateTable {
        CommissionRateTable(
            try connection.allRows(SyncedTable.commissionRates.rawValue).compactMap { row -> CommissionRate? in
                guard let id = row["id"].textValue, let from = row["effective_from"].textValue.flatMap(UTCTimestamp.parse),
                    let points = row["basis_points"].integerValue
                else { return nil }
                return CommissionRate(
                    id: id, level: row["level"].textValue.flatMap(ProviderLevel.init(rawValue:)), basisPoints: Int(points), effectiveFrom: from)
            })
    }

    /// A provider's ledger entries.
    public static func ledgerEntries(providerId: String, in connection: any ReplicaConnection) throws -> [LedgerEntry] {
        try connection.rows(SyncedTable.ledgerEntries.rawValue, where: "provider_id", equals: .text(providerId)).map {
            try ReplicatedRows.ledgerEntry(from: $0.columns)
        }
    }

    /// Records the conflicts of a provider's ledger fold (a MoMo reference recorded twice, a reversal of a duplicate…),
    /// each once; called after received entries and after local ones, so the conflict shows whichever side came first.
    public static func recordLedgerConflicts(providerId: String, now: String, in connection: any ReplicaConnection) throws -> Int {
        let entries = try ledgerEntries(providerId: providerId, in: connection)
        let current = PaymentLedger.fold(entries).conflicts.map { conflict in
            ConflictLog.Entry(
                kind: conflict.kind.rawValue, rule: conflict.kind.rule, table: SyncedTable.ledgerEntries.rawValue, key: conflict.entryId,
                winner: ["entry_id": .text(conflict.canonicalId)],
                loser: ["entry_id": .text(conflict.entryId), "message": .text(conflict.messageFR)])
        }
        return try ConflictLog.replace(
            current, table: SyncedTable.ledgerEntries.rawValue, keys: entries.map(\.id), kinds: LedgerConflictKind.allCases.map(\.rawValue),
            now: now, in: connection)
    }
}

/// The node's `sync_conflicts` table (SPEC.md §4.6). A conflict's id is derived from what it is about, so every node
/// that sees the same changes records the same conflicts under the same ids, whether the losing change was made
/// locally or received.
///
/// A rule's conflicts are a function of the set of changes it decides over (a row's changes, a request's events, a
/// provider's ledger), like the rows themselves. A node that has received only part of a set may find a conflict the
/// whole set does not have (a stage event before the accept it follows): so each time a set is decided again, its
/// conflicts replace the earlier ones that are still open (`replace`). Conflicts ops resolved stay.
public enum ConflictLog {
    /// One conflict to record.
    public struct Entry {
        public var kind: String
        public var rule: String
        public var table: String
        public var key: String
        public var winner: ColumnValues?
        public var loser: ColumnValues

        public init(kind: String, rule: String, table: String, key: String, winner: ColumnValues?, loser: ColumnValues) {
            (self.kind, self.rule, self.table, self.key, self.winner, self.loser) = (kind, rule, table, key, winner, loser)
        }

        /// Derived from what the conflict is about (SPEC.md §4.6).
        public var id: String {
            DjobeaID.derived(namespace: "sync-conflict", name: "\(kind)|\(table)|\(key)|\(ColumnValuesJSON.encode(loser))")
        }
    }

    /// Records a conflict once; returns 1 if it is new.
    public static func record(
        kind: String, rule: String, table: String, key: String, winner: ColumnValues?, loser: ColumnValues, now: String,
        in connection: any ReplicaConnection
    ) throws -> Int {
        try record(Entry(kind: kind, rule: rule, table: table, key: key, winner: winner, loser: loser), now: now, in: connection)
    }

    static func record(_ entry: Entry, now: String, in connection: any ReplicaConnection) throws -> Int {
        try connection.execute(
            """
            INSERT INTO sync_conflicts (id, table_name, row_key, kind, rule, winner, loser, detected_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
            """,
            [
                .text(entry.id), .text(entry.table), .text(entry.key), .text(entry.kind), .text(entry.rule),
                ColumnValue(entry.winner.map(ColumnValuesJSON.encode)), .text(ColumnValuesJSON.encode(entry.loser)), .text(now),
            ])
    }

    /// Records `current`, the conflicts a rule now finds over a set of changes, and removes the open conflicts of the
    /// same kinds about the same rows (`table`, `keys`) that it no longer finds. Returns how many are new.
    ///
    /// - Parameter kinds: the kinds this rule reports; nil: every kind but `excluded`.
    static func replace(
        _ current: [Entry], table: String, keys: [String], kinds: [String]?, excluded: [String] = [], now: String,
        in connection: any ReplicaConnection
    ) throws -> Int {
        var recorded = 0
        for entry in current { recorded += try record(entry, now: now, in: connection) }
        // In slices, so that a provider's whole ledger stays within the engines' limits on bound values.
        let keep = current.map(\.id)
        for start in stride(from: 0, to: keys.count, by: 200) {
            let slice = keys[start..<min(start + 200, keys.count)]
            var sql =
                "DELETE FROM sync_conflicts WHERE resolved_at IS NULL AND table_name = ? AND row_key IN (\(ReplicaSQL.placeholders(slice.count)))"
            var arguments: [ColumnValue] = [.text(table)] + slice.map(ColumnValue.text)
            if let kinds {
                sql += " AND kind IN (\(ReplicaSQL.placeholders(kinds.count)))"
                arguments += kinds.map(ColumnValue.text)
            } else if !excluded.isEmpty {
                sql += " AND kind NOT IN (\(ReplicaSQL.placeholders(excluded.count)))"
                arguments += excluded.map(ColumnValue.text)
            }
            if !keep.isEmpty {
                sql += " AND id NOT IN (\(ReplicaSQL.placeholders(keep.count)))"
                arguments += keep.map(ColumnValue.text)
            }
            try connection.execute(sql, arguments)
        }
        return recorded
    }

    /// Records the conflicts of a request's mission fold (SPEC.md §4.3) in place of its earlier open ones; returns how
    /// many are new.
    public static func recordMission(_ state: MissionState, events: [MissionEvent], now: String, in connection: any ReplicaConnection) throws
        -> Int
    {
        let current = state.conflicts.map { conflict in
            Entry(
                kind: conflict.kind.rawValue, rule: conflict.kind.rule, table: SyncedTable.missionEvents.rawValue, key: conflict.eventId,
                winner: nil, loser: ["event_id": .text(conflict.eventId), "message": .text(conflict.messageFR)])
        }
        return try replace(
            current, table: SyncedTable.missionEvents.rawValue, keys: events.map(\.id), kinds: MissionConflictKind.allCases.map(\.rawValue),
            now: now, in: connection)
    }

    /// Kinds recorded by the apply itself, never by a merge rule: a row merge does not replace them.
    static let notFromRowMerge: [String] =
        ["out_of_partition", "constraint_violation"] + MissionConflictKind.allCases.map(\.rawValue)
        + LedgerConflictKind.allCases.map(\.rawValue)
}
