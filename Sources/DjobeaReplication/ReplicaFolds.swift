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
        let state = MissionStatusFold.fold(try missionEvents(requestId: requestId, in: connection))
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
        let entryId = CommissionRateTable.commissionEntryId(requestId: requestId)
        if try connection.row(SyncedTable.ledgerEntries.rawValue, key: entryId) != nil { return nil }
        let state = MissionStatusFold.fold(try missionEvents(requestId: requestId, in: connection))
        guard state.status == .terminee, let providerId = state.providerId, let completion = state.completedAt,
            let completedShown = state.wallTime(of: .terminee),
            let invoice = try connection.rows(SyncedTable.invoices.rawValue, where: "request_id", equals: .text(requestId)).first,
            let invoiceId = invoice["id"].textValue, let total = invoice["total"].integerValue,
            let provider = try connection.row(SyncedTable.providers.rawValue, key: providerId),
            let level = provider["level"].textValue.flatMap(ProviderLevel.init(rawValue:))
        else { return nil }
        let table = try commissionRates(in: connection)
        guard let (amount, rate) = table.commission(on: XAF(Int(total)), completedAt: completion.date, level: level), amount > .zero else {
            return nil
        }
        // Every column is a function of replicated rows (the completion event, the invoice, the rate table), so two
        // nodes deriving the entry concurrently write the same row under the same id (SPEC.md §4.4.4): whichever insert
        // a node keeps, the row is identical.
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
        var recorded = 0
        for conflict in PaymentLedger.fold(try ledgerEntries(providerId: providerId, in: connection)).conflicts {
            recorded += try ConflictLog.record(
                kind: conflict.kind.rawValue, rule: conflict.kind.rule, table: SyncedTable.ledgerEntries.rawValue, key: conflict.entryId,
                winner: ["entry_id": .text(conflict.canonicalId)],
                loser: ["entry_id": .text(conflict.entryId), "message": .text(conflict.messageFR)], now: now, in: connection)
        }
        return recorded
    }
}

/// The node's `sync_conflicts` table (SPEC.md §4.6). A conflict's id is derived from what it is about, so every node
/// that sees the same changes records the same conflicts under the same ids, whether the losing change was made
/// locally or received.
public enum ConflictLog {
    /// Records a conflict once; returns 1 if it is new.
    public static func record(
        kind: String, rule: String, table: String, key: String, winner: ColumnValues?, loser: ColumnValues, now: String,
        in connection: any ReplicaConnection
    ) throws -> Int {
        let loserJSON = ColumnValuesJSON.encode(loser)
        let id = DjobeaID.derived(namespace: "sync-conflict", name: "\(kind)|\(table)|\(key)|\(loserJSON)")
        return try connection.execute(
            """
            INSERT INTO sync_conflicts (id, table_name, row_key, kind, rule, winner, loser, detected_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
            """,
            [
                .text(id), .text(table), .text(key), .text(kind), .text(rule), ColumnValue(winner.map(ColumnValuesJSON.encode)),
                .text(loserJSON), .text(now),
            ])
    }

    /// Records the conflicts of a request's mission fold (SPEC.md §4.3); returns how many are new.
    public static func recordMission(_ state: MissionState, now: String, in connection: any ReplicaConnection) throws -> Int {
        var recorded = 0
        for conflict in state.conflicts {
            recorded += try record(
                kind: conflict.kind.rawValue, rule: conflict.kind.rule, table: SyncedTable.missionEvents.rawValue, key: conflict.eventId,
                winner: nil, loser: ["event_id": .text(conflict.eventId), "message": .text(conflict.messageFR)], now: now, in: connection)
        }
        return recorded
    }
}
