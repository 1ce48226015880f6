import DjobeaTestSupport
import Foundation
import Testing

@testable import DjobeaDomain

/// Runs the language-neutral vectors of `sync-protocol/vectors/` (format: `sync-protocol/vectors/README.md`).
///
/// Each vector is checked in the given order, reversed, in 20 seeded permutations and with every change
/// delivered twice: the state must match the expectation every time.
@Suite("Sync protocol vectors")
struct SyncVectorTests {
    static let directory = SyncVectorFiles.directory
    static let files = SyncVectorFiles.names

    @Test func thereAreAtLeastThirtyVectors() {
        #expect(Self.files.count >= 30, "\(Self.files.count) vectors in \(Self.directory.path)")
    }

    @Test(arguments: files)
    func vector(_ file: String) throws {
        let vector = try SyncVectorFiles.load(file)
        #expect(file.dropFirst(4) == "\(vector.name).json", "file name and vector name differ")
        var changes = vector.changes.map(\.rowChange)
        // Bounded clocks (SPEC 2.2): at a receiver whose clock reads `receiver_wall`, changes stamped too far ahead are held.
        if let wallText = vector.receiverWall {
            let wall = try #require(UTCTimestamp.parse(wallText), "\(vector.name): receiver_wall")
            let (admitted, held) = ClockBound.split(changes, wall: wall)
            #expect(
                held.map { "\($0.originNode)/\($0.originSeq)" }.sorted() == (vector.expect.held ?? []).sorted(), "\(vector.name): held changes")
            changes = admitted
        } else {
            #expect(vector.expect.held == nil, "\(vector.name): expect.held needs receiver_wall")
        }
        try checkCoverage(vector, changes)

        var rng = SeededRandom(seed: 0x5EED_0000 ^ UInt64(file.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        var orders: [(String, [RowChange])] = [("given", changes), ("reversed", changes.reversed())]
        for index in 1...20 { orders.append(("permutation \(index)", changes.shuffled(using: &rng))) }
        orders.append(("duplicated", (changes + changes).shuffled(using: &rng)))

        var first: VectorOutcome?
        for (label, order) in orders {
            let outcome = try VectorOutcome(order, vector: vector)
            check(outcome, against: vector.expect, comment: "\(vector.name), \(label)")
            if let first {
                #expect(outcome == first, "\(vector.name), \(label): state differs from the given order")
            } else {
                first = outcome
            }
        }
    }

    // MARK: - Checks

    /// Every row of a table merged field by field must be listed, so that a vector states its whole result.
    private func checkCoverage(_ vector: SyncVector, _ changes: [RowChange]) throws {
        let policy = ReplicationPolicy.v1
        for change in changes {
            #expect(vector.nodes[change.originNode] != nil, "\(vector.name): unknown node \(change.originNode)")
            if !policy.isAppendOnly(change.table) {
                #expect(
                    vector.expect.rows.keys.contains("\(change.table)/\(change.key)"),
                    "\(vector.name): no expectation for \(change.table)/\(change.key)")
            }
        }
    }

    private func check(_ outcome: VectorOutcome, against expect: VectorExpectation, comment: String) {
        for (rowKey, expected) in expect.rows {
            let actual = outcome.rows[rowKey] ?? nil
            #expect(actual == expected, "\(comment): row \(rowKey)")
        }
        for (requestId, expected) in expect.missions ?? [:] {
            guard let state = outcome.missions[requestId] else {
                Issue.record("\(comment): no mission events for \(requestId)")
                continue
            }
            #expect(expected["status"] == .text(state.status.rawValue), "\(comment): status of \(requestId)")
            #expect(expected["provider_id"] == ColumnValue(state.providerId), "\(comment): provider of \(requestId)")
            for (field, value) in expected where field != "status" && field != "provider_id" {
                if let shown = MissionTimes.shownStatus(field) {
                    #expect(value == ColumnValue(state.wallTime(of: shown).map(UTCTimestamp.format)), "\(comment): \(field) of \(requestId)")
                } else {
                    #expect(value == ColumnValue(MissionTimes.value(field, in: state)), "\(comment): \(field) of \(requestId)")
                }
            }
        }
        for (scope, expected) in expect.ledger ?? [:] {
            expected.check(outcome.balance(scope: scope), comment: "\(comment): ledger \(scope)")
        }
        let expectedConflicts = expect.conflicts.map(\.comparable).sorted()
        let actualConflicts = outcome.conflicts.map(\.comparable).sorted()
        #expect(actualConflicts == expectedConflicts, "\(comment): conflicts")
        for conflict in expect.conflicts {
            guard let severity = conflict.severity else { continue }
            #expect(ConflictSeverities.of(kind: conflict.kind).rawValue == severity, "\(comment): severity of \(conflict.kind)")
        }
        for entry in outcome.ledgerEntries where entry.kind == .commission {
            #expect(entry.id == CommissionRateTable.commissionEntryId(requestId: entry.requestId), "\(comment): commission id is derived")
        }
    }
}

// MARK: - The state a set of changes gives

/// Everything a vector can expect, computed from one delivery order.
struct VectorOutcome: Equatable {
    /// `table/key` → merged columns, nil when the row does not exist.
    var rows: [String: ColumnValues?]
    var missions: [String: MissionState]
    var ledgerEntries: [LedgerEntry]
    var conflicts: [MergeConflict]

    init(_ changes: [RowChange], vector: SyncVector) throws {
        let policy = ReplicationPolicy.v1
        let role: (String) -> ReplicaRole = { vector.nodes[$0] ?? .hub }
        var byRow: [String: [RowChange]] = [:]
        var rowOrder: [String] = []
        for change in changes {
            let rowKey = "\(change.table)/\(change.key)"
            if byRow[rowKey] == nil { rowOrder.append(rowKey) }
            byRow[rowKey, default: []].append(change)
        }

        var rows: [String: ColumnValues?] = [:]
        var conflicts: [MergeConflict] = []
        var events: [MissionEvent] = []
        var entries: [LedgerEntry] = []
        var insertOf: [String: ChangeRef] = [:]
        for rowKey in rowOrder {
            let rowChanges = byRow[rowKey] ?? []
            let merged = RowMerge.merge(rowChanges, policy: policy, role: role)
            rows[rowKey] = merged.exists ? merged.columns : nil
            conflicts += merged.conflicts
            guard merged.exists, let first = rowChanges.first else { continue }
            let insert = RowMerge.canonicalOrder(rowChanges).first { $0.operation == .insert }
            insertOf[first.key] = insert.map(ChangeRef.init)
            switch first.table {
            case "mission_events": events.append(try ReplicatedRows.missionEvent(from: merged.columns, key: first.key))
            case "ledger_entries": entries.append(try ReplicatedRows.ledgerEntry(from: merged.columns, key: first.key))
            default: break
            }
        }

        var missions: [String: MissionState] = [:]
        for (requestId, requestEvents) in Dictionary(grouping: events, by: \.requestId) {
            let state = MissionStatusFold.fold(requestEvents)
            missions[requestId] = state
            conflicts += state.conflicts.map {
                MergeConflict(mission: $0, loser: insertOf[$0.eventId] ?? ChangeRef(originNode: "", originSeq: 0, hlc: .zero))
            }
        }
        for conflict in PaymentLedger.fold(entries).conflicts {
            conflicts.append(
                MergeConflict(
                    ledger: conflict, winner: insertOf[conflict.canonicalId],
                    loser: insertOf[conflict.entryId] ?? ChangeRef(originNode: "", originSeq: 0, hlc: .zero)))
        }

        self.rows = rows
        self.missions = missions
        self.ledgerEntries = entries.sorted { $0.id < $1.id }
        self.conflicts = conflicts.sorted { $0.comparable < $1.comparable }
    }

    /// The ledger balance of `request/<id>` or `provider/<id>`.
    func balance(scope: String) -> LedgerBalance? {
        let parts = scope.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "request": return PaymentLedger.fold(ledgerEntries.filter { $0.requestId == parts[1] })
        case "provider": return PaymentLedger.fold(ledgerEntries.filter { $0.providerId == parts[1] })
        default: return nil
        }
    }
}

extension MergeConflict {
    /// What a vector states about a conflict (winner and loser are not part of the expectation).
    var comparable: String {
        [kind, rule, table, key, column ?? ""].joined(separator: "|")
    }
}

/// How loudly each conflict kind is shown: mission and ledger kinds carry their own; row rules are warnings.
enum ConflictSeverities {
    static func of(kind: String) -> ConflictSeverity {
        if let mission = MissionConflictKind(rawValue: kind) { return mission.severity }
        if let ledger = LedgerConflictKind(rawValue: kind) { return ledger.severity }
        return .warning
    }
}

extension ColumnValue {
    fileprivate init(_ value: HLC?) {
        self = value.map { .integer($0.packed) } ?? .null
    }
}
