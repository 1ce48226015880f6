import DjobeaDomain
import Foundation
import GRDB

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
extension NodeDatabase {
    /// Applies `changes` in one transaction, then runs `alsoInTransaction` (the caller's cursor update), so a batch
    /// and its acknowledgement are durable together or not at all.
    ///
    /// - Parameter centralNodeId: the central node's id: its changes carry central's authority (table and column
    ///   owners, CONFLICTS.md rule 12); every other origin is a hub.
    public func applyRemote(
        _ changes: [RowChange], centralNodeId: String, now: Date = Date(),
        alsoInTransaction: @escaping @Sendable (Database) throws -> Void = { _ in }
    ) async throws -> ApplySummary {
        try await applyTransaction { db in
            let summary = try self.apply(changes, centralNodeId: centralNodeId, now: now, in: db)
            try alsoInTransaction(db)
            return summary
        }
    }

    /// The body of `applyRemote`, inside the caller's write transaction.
    ///
    /// - Parameter admit: decides, once every new change is in the log (so a new row's image is known), whether a change
    ///   may take effect; a refused one stays in the log, quarantined (never merged, never served), with a conflict.
    func apply(
        _ changes: [RowChange], centralNodeId: String, now: Date, in db: Database, admit: ((RowChange) throws -> Bool)? = nil
    ) throws -> ApplySummary {
        var summary = ApplySummary()
        var fresh: [RowChange] = []
        var touched: [(table: String, key: String)] = []
        var seen = Set<String>()
        let recordedAt = UTCTimestamp.format(now)
        try CaptureGuard.open(db)
        defer { try? CaptureGuard.close(db) }
        for change in changes {
            let exists =
                try Bool.fetchOne(
                    db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM change_log WHERE origin_node = ? AND origin_seq = ?)"),
                    arguments: [change.originNode, change.originSeq]) ?? false
            if exists {
                summary.duplicates += 1
                continue
            }
            try Self.log(change, recordedAt: recordedAt, in: db)
            summary.applied += 1
            fresh.append(change)
        }
        let wall = correctedNow(now)
        var effective: [RowChange] = []
        for change in fresh {
            if let admit, try !admit(change) {
                try db.cachedStatement(sql: "UPDATE change_log SET quarantined = 1 WHERE origin_node = ? AND origin_seq = ?").execute(
                    arguments: [change.originNode, change.originSeq])
                summary.conflicts += try record(
                    kind: "out_of_partition", rule: "SPEC-5", table: change.table, key: change.key, winner: nil,
                    loser: ["origin_node": .text(change.originNode), "origin_seq": .integer(change.originSeq), "hlc": .integer(change.hlc.packed)],
                    now: recordedAt, in: db)
                summary.quarantined += 1
                continue
            }
            // Bounded clocks (SPEC.md §2.2): a stamp too far ahead of this node's clock is held, not merged; it takes
            // effect once this node's wall clock comes within the bound (`releaseHeld`).
            guard clock.withLock({ $0.receiveBounded(change.hlc, wall: wall) }) != nil else {
                try db.cachedStatement(sql: "UPDATE change_log SET held = 1 WHERE origin_node = ? AND origin_seq = ?").execute(
                    arguments: [change.originNode, change.originSeq])
                summary.held += 1
                continue
            }
            effective.append(change)
        }
        let released = try releaseHeld(wall: wall, in: db)
        summary.released = released.count
        for change in effective + released {
            if seen.insert("\(change.table)/\(change.key)").inserted { touched.append((change.table, change.key)) }
        }
        let role: (String) -> ReplicaRole = { $0 == centralNodeId ? .central : .hub }
        var missionRequests: [String] = []
        var ledgerProviders: [String] = []
        var invoicedRequests: Set<String> = []
        for (table, key) in touched {
            // A table this version does not know (a newer peer's) stays in the change log, kept and forwarded.
            guard let synced = SyncedTable(rawValue: table) else { continue }
            let merged = RowMerge.merge(try Self.rowChanges(table: table, key: key, in: db), policy: .v1, role: role)
            for conflict in merged.conflicts { summary.conflicts += try record(conflict, now: recordedAt, in: db) }
            try materialize(synced, key: key, merged, now: recordedAt, summary: &summary, in: db)
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
            case .invoices:
                if let request = merged.columns["request_id"]?.textValue { invoicedRequests.insert(request) }
            default: break
            }
        }
        for request in missionRequests
        where try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM service_requests WHERE id = ?)", arguments: [request]) == true {
            let state = try MissionProjection.refresh(requestId: request, in: db)
            summary.conflicts += try ConflictLog.recordMission(state, now: recordedAt, in: db)
        }
        // The commission of a request completed and invoiced, whichever of the two arrived last (CONFLICTS.md rule 10):
        // derived here too, under its deterministic id, so every node ends with the one entry whatever the order.
        let local = SyncedTransaction(db: db, origin: nodeId, schema: schema, clock: clock, now: wall)
        for request in invoicedRequests.union(missionRequests).sorted() {
            if let entry = try local.deriveCommission(requestId: request), !ledgerProviders.contains(entry.providerId) {
                ledgerProviders.append(entry.providerId)
            }
        }
        for provider in ledgerProviders { summary.conflicts += try recordLedgerConflicts(providerId: provider, now: recordedAt, in: db) }
        return summary
    }

    /// The held changes whose stamps are now within the bound of `wall`, released: each moves to the head of the change
    /// log (a new local sequence number, so hubs pulling by cursor and the provider feed see it as new), merges into the
    /// clock, and is returned for the caller to merge into its rows.
    func releaseHeld(wall: Date, in db: Database) throws -> [RowChange] {
        let bound = HLC(wallMillis: wall.unixMillis + Int64(HybridLogicalClock.maxOffset * 1000), counter: .max).packed
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "\(Self.changeColumns), local_seq, recorded_at FROM change_log WHERE held = 1 AND hlc <= ? ORDER BY hlc"),
            arguments: [bound])
        var released: [RowChange] = []
        for row in rows {
            let change = try Self.change(from: row)
            let localSeq: Int64 = row["local_seq"]
            let recordedAt: String = row["recorded_at"]
            try db.cachedStatement(sql: "DELETE FROM change_log WHERE local_seq = ?").execute(arguments: [localSeq])
            try Self.log(change, recordedAt: recordedAt, in: db)
            _ = clock.withLock { $0.receive(change.hlc, wall: wall) }
            released.append(change)
        }
        return released
    }

    /// Appends a received change to the change log, at its head (a new local sequence number).
    static func log(_ change: RowChange, recordedAt: String, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO change_log (origin_node, origin_seq, hlc, table_name, row_key, op, columns, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            change.originNode, change.originSeq, change.hlc.packed, change.table, change.key, change.operation.rawValue,
            ColumnValuesJSON.encode(change.columns), recordedAt,
        ])
    }

    /// Releases the held changes now within the bound of this node's clock and merges them (SPEC.md §2.2). Sync calls
    /// it every round, so held changes take effect even when nothing new arrives.
    @discardableResult
    public func releaseHeldChanges(centralNodeId: String, now: Date = Date()) async throws -> ApplySummary {
        let pending = try await read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM change_log WHERE held = 1)") ?? false
        }
        guard pending else { return ApplySummary() }
        return try await applyTransaction { db in try self.apply([], centralNodeId: centralNodeId, now: now, in: db) }
    }

    /// Writes a row's merged state: upsert when it exists, delete (and tombstone) when it does not.
    private func materialize(
        _ table: SyncedTable, key: String, _ merged: MergedRow, now: String, summary: inout ApplySummary, in db: Database
    ) throws {
        let name = table.rawValue
        guard merged.exists else {
            guard !table.isAppendOnly else { return }
            try db.cachedStatement(sql: "DELETE FROM \(name) WHERE id = ?").execute(arguments: [key])
            if let delete = try Self.rowChanges(table: name, key: key, in: db).last(where: { $0.operation == .delete }) {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO tombstones (table_name, row_key, hlc, origin_node, deleted_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (table_name, row_key) DO UPDATE SET hlc = excluded.hlc, origin_node = excluded.origin_node
                        """
                ).execute(arguments: [name, key, delete.hlc.packed, delete.originNode, now])
            }
            return
        }
        let known = schema.columns[table] ?? []
        var columns = merged.columns.keys.filter { known.contains($0) }.sorted()
        if !columns.contains("id") { columns.insert("id", at: 0) }
        var values = merged.columns
        values["id"] = .text(key)
        let updates = columns.filter { $0 != "id" }.map { "\($0) = excluded.\($0)" }
        let conflictClause =
            table.isAppendOnly || updates.isEmpty
            ? "ON CONFLICT (id) DO NOTHING" : "ON CONFLICT (id) DO UPDATE SET \(updates.joined(separator: ", "))"
        let sql =
            "INSERT INTO \(name) (\(columns.joined(separator: ", "))) VALUES (\(databaseQuestionMarks(count: columns.count))) \(conflictClause)"
        do {
            try db.inSavepoint {
                try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(columns.map { (values[$0] ?? .null).databaseValue }))
                return .commit
            }
            try db.cachedStatement(sql: "DELETE FROM tombstones WHERE table_name = ? AND row_key = ?").execute(arguments: [name, key])
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            // A uniqueness or check rule of this node refuses the merged row (e.g. two nodes registered one phone):
            // the changes stay in the log and the row waits; ops sees why.
            summary.conflicts += try record(
                kind: "constraint_violation", rule: "SPEC-4.6", table: name, key: key, winner: nil,
                loser: ["reason": .text(error.message ?? "constraint")], now: now, in: db)
        }
    }

    /// Records the conflicts of a provider's ledger fold (a MoMo reference recorded twice, a reversal of a duplicate…),
    /// each once; called after received entries and after local ones, so the conflict shows whichever side came first.
    func recordLedgerConflicts(providerId: String, now: String, in db: Database) throws -> Int {
        var recorded = 0
        let balance = PaymentLedger.fold(try LedgerReads.entries(sql: "provider_id = ?", arguments: [providerId], in: db))
        for conflict in balance.conflicts {
            recorded += try record(
                kind: conflict.kind.rawValue, rule: conflict.kind.rule, table: SyncedTable.ledgerEntries.rawValue, key: conflict.entryId,
                winner: ["entry_id": .text(conflict.canonicalId)],
                loser: ["entry_id": .text(conflict.entryId), "message": .text(conflict.messageFR)], now: now, in: db)
        }
        return recorded
    }

    private func record(_ conflict: MergeConflict, now: String, in db: Database) throws -> Int {
        func reference(_ ref: ChangeRef) -> ColumnValues {
            ["origin_node": .text(ref.originNode), "origin_seq": .integer(ref.originSeq), "hlc": .integer(ref.hlc.packed)]
        }
        var loser = reference(conflict.loser)
        if let column = conflict.column { loser["column"] = .text(column) }
        return try record(
            kind: conflict.kind, rule: conflict.rule, table: conflict.table, key: conflict.key, winner: conflict.winner.map(reference),
            loser: loser, now: now, in: db)
    }

    /// Records a conflict once (its id is derived from what it is about); returns 1 if it is new.
    private func record(
        kind: String, rule: String, table: String, key: String, winner: ColumnValues?, loser: ColumnValues, now: String, in db: Database
    ) throws -> Int {
        try ConflictLog.record(kind: kind, rule: rule, table: table, key: key, winner: winner, loser: loser, now: now, in: db)
    }
}

/// The two sides of an exchange, each one transaction: the batch, the cursor and the link state commit together.
extension NodeDatabase {
    /// Central: applies a hub's own changes. Every change must come from the hub's node, follow on from what central
    /// already holds of it, and touch only rows of the hub's partition; otherwise nothing is applied.
    ///
    /// - Returns: what was applied, and central's new highest sequence number from that hub (the acknowledgement).
    public func applyFromHub(
        _ changes: [RowChange], hubId: String, hubNodeId: String, hubName: String, wireBytes: Int, now: Date = Date()
    ) async throws -> (summary: ApplySummary, acknowledged: Int64) {
        try await applyTransaction { db in
            let held =
                try Int64.fetchOne(db, sql: "SELECT max(origin_seq) FROM change_log WHERE origin_node = ?", arguments: [hubNodeId]) ?? 0
            var expected = held + 1
            for change in changes {
                guard change.originNode == hubNodeId else { throw StoreError.outOfPartition(table: change.table, key: change.key) }
                if change.originSeq > expected { throw StoreError.sequenceGap(expected: expected, got: change.originSeq) }
                expected = max(expected, change.originSeq + 1)
            }
            // A change to a row outside the hub's partition is kept and quarantined, not refused: the hub's sequence
            // stays gapless and its link never wedges on one bad change; ops sees the conflict.
            let partition = try HubPartition(hubId: hubId, db: db)
            let summary = try self.apply(changes, centralNodeId: self.nodeId, now: now, in: db) { change in
                guard SyncedTable(rawValue: change.table) != nil else { return true }
                return try partition.admitsFromHub(change)
            }
            let acknowledged =
                try Int64.fetchOne(db, sql: "SELECT max(origin_seq) FROM change_log WHERE origin_node = ?", arguments: [hubNodeId]) ?? 0
            try Self.updatePeer(
                nodeId: hubNodeId, role: "hub", name: hubName,
                ["hub_id": hubId, "last_sent_local_seq": acknowledged, "last_seen_at": UTCTimestamp.format(now)],
                increments: ["bytes_in": Int64(wireBytes), "changes_in": Int64(summary.applied)], in: db)
            return (summary, acknowledged)
        }
    }

    /// Hub: applies a slice of central's feed and moves the pull cursor to `through` in the same transaction, so an
    /// interrupted sync resumes after the last applied slice.
    public func applyFromCentral(
        _ changes: [RowChange], centralNodeId: String, through: Int64, acknowledged: Int64, wireBytes: Int, clockOffsetMs: Int64?,
        partition: String? = nil, movesSeen: Int64? = nil, left: [[String]] = [], back: [[String]] = [], now: Date = Date()
    ) async throws -> ApplySummary {
        noteCentralClockOffset(clockOffsetMs)
        return try await applyTransaction { db in
            let summary = try self.apply(changes, centralNodeId: centralNodeId, now: now, in: db)
            // Rows central says left this hub's partition (rule 14): kept, marked, no longer fed.
            for pair in left where pair.count == 2 || pair.count == 3 {
                try db.execute(
                    sql: """
                        INSERT INTO partition_left (table_name, row_key, left_at, moved_to) VALUES (?, ?, ?, ?)
                        ON CONFLICT DO UPDATE SET moved_to = coalesce(excluded.moved_to, moved_to)
                        """,
                    arguments: [pair[0], pair[1], UTCTimestamp.format(now), pair.count == 3 ? pair[2] : nil])
            }
            for pair in back where pair.count == 2 {
                try db.execute(sql: "DELETE FROM partition_left WHERE table_name = ? AND row_key = ?", arguments: [pair[0], pair[1]])
            }

            try Self.updatePeer(
                nodeId: centralNodeId, role: "central", name: "central",
                [
                    "pulled_through": through, "last_sent_local_seq": acknowledged, "last_seen_at": UTCTimestamp.format(now),
                    "partition_fingerprint": partition,
                ].merging(clockOffsetMs.map { ["clock_offset_ms": $0] } ?? [:]) { $1 },
                increments: ["bytes_in": Int64(wireBytes), "changes_in": Int64(summary.applied)], in: db)
            if let movesSeen {
                try db.execute(
                    sql: "UPDATE peers SET moves_seen = max(moves_seen, ?) WHERE node_id = ?", arguments: [movesSeen, centralNodeId])
            }
            return summary
        }
    }

    /// Hub: how many of its own changes central has not acknowledged, and when the oldest was made.
    public func pendingOwnChanges(acknowledged: Int64) async throws -> (count: Int, oldestAt: String?) {
        try await read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT count(*) AS n, min(recorded_at) AS oldest FROM change_log WHERE origin_node = ? AND origin_seq > ?",
                arguments: [self.nodeId, acknowledged])
            return (row?["n"] ?? 0, row?["oldest"])
        }
    }
}

extension NodeDatabase {
    /// One write transaction for received changes, with foreign keys not enforced.
    ///
    /// Changes arrive in the sender's causal order, so parents normally come first; but a parent this node refuses
    /// (a merge rule, a uniqueness conflict such as one client phone registered at two nodes) would otherwise make the
    /// whole batch fail at commit, again at every retry, and wedge the link. Rows whose parent is missing are kept
    /// and complete when the parent arrives; the refusal itself is recorded as a conflict for ops.
    func applyTransaction<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            guard let result else { throw StoreError.invalid("apply produced no result") }
            return result
        }
    }
}
