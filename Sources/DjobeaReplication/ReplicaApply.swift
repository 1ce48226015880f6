import DjobeaDomain
import Foundation

/// What one applied batch did.
public struct ApplySummary: Sendable, Equatable {
    /// Changes new to this node, now in its change log.
    public var applied = 0
    /// Changes this node already had (same origin and sequence number): ignored.
    public var duplicates = 0
    /// Conflicts recorded by this batch (rule decisions that overrode someone, shown to ops).
    public var conflicts = 0
    /// Requests whose rows or lifecycle changed (the hub offers new ones at once).
    public var requests: Set<String> = []
    /// Changes kept but quarantined: a hub's changes outside its partition (central side).
    public var quarantined = 0
    /// Changes kept but held: stamped more than the maximum clock offset ahead of this node's clock (SPEC.md §2.2).
    public var held = 0
    /// Earlier held changes that came within the bound and took effect in this transaction.
    public var released = 0

    public init() {}
}

/// Applying changes received from a peer (SPEC.md §4): each change is kept in the change log once, and each row it
/// touches is recomputed from the SET of that row's changes by `RowMerge`, so the result does not depend on arrival
/// order or repetition. Mission events re-fold the request's lifecycle; ledger entries re-fold the provider's
/// ledger; the conflicts the rules decide are recorded in `sync_conflicts`.
public struct ReplicaApplier {
    let storage: any ReplicaStorage
    let connection: any ReplicaConnection
    /// The central node's id: its changes carry central's authority (table and column owners, CONFLICTS.md rule 12);
    /// every other origin is a hub.
    let centralNodeId: String
    let now: Date

    public init(storage: any ReplicaStorage, connection: any ReplicaConnection, centralNodeId: String, now: Date) {
        self.storage = storage
        self.connection = connection
        self.centralNodeId = centralNodeId
        self.now = now
    }

    /// Applies `changes` inside the caller's write transaction.
    ///
    /// - Parameter admit: decides, once every new change is in the log (so a new row's image is known), whether a change
    ///   may take effect; a refused one stays in the log, quarantined (never merged, never served), with a conflict.
    public func apply(_ changes: [RowChange], admit: ((RowChange) throws -> Bool)? = nil) throws -> ApplySummary {
        var summary = ApplySummary()
        var fresh: [RowChange] = []
        let recordedAt = UTCTimestamp.format(now)
        for change in changes {
            if try connection.hasChange(origin: change.originNode, seq: change.originSeq) {
                summary.duplicates += 1
                continue
            }
            try connection.appendLog(change, recordedAt: recordedAt, quarantined: false, held: false)
            summary.applied += 1
            fresh.append(change)
        }
        let wall = storage.correctedNow(now)
        var effective: [RowChange] = []
        for change in fresh {
            if let admit, try !admit(change) {
                try setFlag("quarantined", of: change)
                summary.conflicts += try ConflictLog.record(
                    kind: "out_of_partition", rule: "SPEC-5", table: change.table, key: change.key, winner: nil,
                    loser: ["origin_node": .text(change.originNode), "origin_seq": .integer(change.originSeq), "hlc": .integer(change.hlc.packed)],
                    now: recordedAt, in: connection)
                summary.quarantined += 1
                continue
            }
            // Bounded clocks (SPEC.md §2.2): a stamp too far ahead of this node's clock is held, not merged; it takes
            // effect once this node's wall clock comes within the bound (`releaseHeld`).
            guard storage.replicaClock.withLock({ $0.receiveBounded(change.hlc, wall: wall) }) != nil else {
                try setFlag("held", of: change)
                summary.held += 1
                continue
            }
            effective.append(change)
        }
        let released = try releaseHeld(wall: wall)
        summary.released = released.count
        var touched: [(table: String, key: String)] = []
        var seen = Set<String>()
        for change in effective + released where seen.insert("\(change.table)/\(change.key)").inserted {
            touched.append((change.table, change.key))
        }
        let central = centralNodeId
        let role: (String) -> ReplicaRole = { $0 == central ? .central : .hub }
        var missionRequests: [String] = []
        var ledgerProviders: [String] = []
        var invoicedRequests: Set<String> = []
        for (table, key) in touched {
            // A table this version does not know (a newer peer's) stays in the change log, kept and forwarded.
            guard let synced = SyncedTable(rawValue: table) else { continue }
            let merged = RowMerge.merge(try connection.rowChanges(table: table, key: key), policy: .v1, role: role)
            summary.conflicts += try ConflictLog.replace(
                merged.conflicts.map(entry), table: table, keys: [key], kinds: nil, excluded: ConflictLog.notFromRowMerge, now: recordedAt,
                in: connection)
            try materialize(synced, key: key, merged, now: recordedAt, summary: &summary)
            switch synced {
            case .serviceRequests:
                summary.requests.insert(key)
                if !missionRequests.contains(key) { missionRequests.append(key) }
            case .missionEvents:
                if let request = merged.columns["request_id"]?.textValue {
                    summary.requests.insert(request)
                    if !missionRequests.contains(request) { missionRequests.append(request) }
                }
            case .ledgerEntries:
                if let provider = merged.columns["provider_id"]?.textValue, !ledgerProviders.contains(provider) {
                    ledgerProviders.append(provider)
                }
            case .invoices, .creditNotes:
                // A credit note lowers the commission's base (4.4.4): re-derived like a new invoice.
                if let request = merged.columns["request_id"]?.textValue { invoicedRequests.insert(request) }
            default: break
            }
        }
        // The fold's conflicts are recorded as soon as the events are here; the `missions` row waits for its request.
        for request in missionRequests {
            let events = try ReplicaFolds.missionEvents(requestId: request, in: connection)
            let state =
                try connection.exists("SELECT 1 FROM service_requests WHERE id = ?", [.text(request)])
                ? ReplicaFolds.refreshMission(requestId: request, events: events, in: connection) : MissionStatusFold.fold(events)
            summary.conflicts += try ConflictLog.recordMission(state, events: events, now: recordedAt, in: connection)
        }
        // The commission of a request completed and invoiced, whichever of the two arrived last (CONFLICTS.md rule 10):
        // derived here too, under its deterministic id, so every node ends with the one entry whatever the order.
        for request in invoicedRequests.union(missionRequests).sorted() {
            if let entry = try ReplicaFolds.deriveCommission(requestId: request, now: wall, in: connection),
                !ledgerProviders.contains(entry.providerId)
            {
                ledgerProviders.append(entry.providerId)
            }
        }
        for provider in ledgerProviders {
            summary.conflicts += try ReplicaFolds.recordLedgerConflicts(providerId: provider, now: recordedAt, in: connection)
        }
        return summary
    }

    /// The held changes whose stamps are now within the bound of `wall`, released: each moves to the head of the change
    /// log (a new local sequence number, so hubs pulling by cursor and the provider feed see it as new), merges into the
    /// clock, and is returned for the caller to merge into its rows.
    func releaseHeld(wall: Date) throws -> [RowChange] {
        let bound = HLC(wallMillis: wall.unixMillis + Int64(HybridLogicalClock.maxOffset * 1000), counter: .max).packed
        var released: [RowChange] = []
        for entry in try connection.heldChanges(upTo: bound) {
            try connection.execute("DELETE FROM change_log WHERE local_seq = ?", [.integer(entry.localSeq)])
            try connection.appendLog(entry.change, recordedAt: entry.recordedAt, quarantined: false, held: false)
            _ = storage.replicaClock.withLock { $0.receive(entry.change.hlc, wall: wall) }
            released.append(entry.change)
        }
        return released
    }

    private func setFlag(_ column: String, of change: RowChange) throws {
        try connection.execute(
            "UPDATE change_log SET \(column) = 1 WHERE origin_node = ? AND origin_seq = ?", [.text(change.originNode), .integer(change.originSeq)])
    }

    /// Writes a row's merged state: upsert when it exists, delete (and tombstone) when it does not.
    private func materialize(_ table: SyncedTable, key: String, _ merged: MergedRow, now: String, summary: inout ApplySummary) throws {
        let name = table.rawValue
        guard merged.exists else {
            guard !table.isAppendOnly else { return }
            try connection.execute("DELETE FROM \(name) WHERE id = ?", [.text(key)])
            if let delete = try connection.rowChanges(table: name, key: key).last(where: { $0.operation == .delete }) {
                try connection.execute(
                    """
                    INSERT INTO tombstones (table_name, row_key, hlc, origin_node, deleted_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (table_name, row_key) DO UPDATE SET hlc = excluded.hlc, origin_node = excluded.origin_node
                    """, [.text(name), .text(key), .integer(delete.hlc.packed), .text(delete.originNode), .text(now)])
            }
            return
        }
        let known = storage.syncedColumns[table] ?? []
        var columns = merged.columns.keys.filter { known.contains($0) }.sorted()
        if !columns.contains("id") { columns.insert("id", at: 0) }
        var values = merged.columns
        values["id"] = .text(key)
        let updates = columns.filter { $0 != "id" }.map { "\($0) = excluded.\($0)" }
        let conflictClause =
            table.isAppendOnly || updates.isEmpty
            ? "ON CONFLICT (id) DO NOTHING" : "ON CONFLICT (id) DO UPDATE SET \(updates.joined(separator: ", "))"
        let sql =
            "INSERT INTO \(name) (\(columns.joined(separator: ", "))) VALUES (\(ReplicaSQL.placeholders(columns.count))) \(conflictClause)"
        let arguments = columns.map { values[$0] ?? .null }
        do {
            try connection.savepoint {
                let written = try connection.execute(sql, arguments)
                // An append-only row is never updated by a writer, but the row is the first insert by (HLC, node)
                // (SPEC.md §4.2): when a better insert arrives after another was stored, the stored one is replaced.
                // Not `commission_rates`: central alone writes them, so two contents under one id cannot come from a
                // correct node, and a replacement could clash with another version's UNIQUE (level, effective_from).
                if table.isAppendOnly, table != .commissionRates, written == 0, let stored = try connection.row(name, key: key),
                    columns.contains(where: { stored[$0] != values[$0] ?? .null })
                {
                    try connection.replaceAppendOnly(table, columns: columns, values: arguments)
                }
            }
            try connection.execute("DELETE FROM tombstones WHERE table_name = ? AND row_key = ?", [.text(name), .text(key)])
            // A refusal found before the row was complete is no longer one.
            try connection.execute(
                "DELETE FROM sync_conflicts WHERE resolved_at IS NULL AND kind = 'constraint_violation' AND table_name = ? AND row_key = ?",
                [.text(name), .text(key)])
        } catch let violation as ReplicaConstraintViolation {
            // A uniqueness or check rule of this node refuses the merged row (e.g. two nodes registered one phone):
            // the changes stay in the log and the row waits; ops sees why.
            summary.conflicts += try ConflictLog.record(
                kind: "constraint_violation", rule: "SPEC-4.6", table: name, key: key, winner: nil, loser: ["reason": .text(violation.message)],
                now: now, in: connection)
        }
    }

    private func entry(_ conflict: MergeConflict) -> ConflictLog.Entry {
        func reference(_ ref: ChangeRef) -> ColumnValues {
            ["origin_node": .text(ref.originNode), "origin_seq": .integer(ref.originSeq), "hlc": .integer(ref.hlc.packed)]
        }
        var loser = reference(conflict.loser)
        if let column = conflict.column { loser["column"] = .text(column) }
        return ConflictLog.Entry(
            kind: conflict.kind, rule: conflict.rule, table: conflict.table, key: conflict.key, winner: conflict.winner.map(reference),
            loser: loser)
    }
}
