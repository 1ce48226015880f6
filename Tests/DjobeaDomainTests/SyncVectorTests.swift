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
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sync-protocol/vectors")

    static let files: [String] =
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        .filter { $0.hasSuffix(".json") }.sorted()

    @Test func thereAreAtLeastThirtyVectors() {
        #expect(Self.files.count >= 30, "\(Self.files.count) vectors in \(Self.directory.path)")
    }

    @Test(arguments: files)
    func vector(_ file: String) throws {
        let data = try Data(contentsOf: Self.directory.appendingPathComponent(file))
        try VectorSchema.check(data)
        let vector = try JSONDecoder().decode(SyncVector.self, from: data)
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

    private func check(_ outcome: VectorOutcome, against expect: Expectation, comment: String) {
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

/// The optional time fields of a mission expectation.
enum MissionTimes {
    static let fields = [
        "accepted_at", "arrived_at", "diagnostic_at", "repair_at", "completed_at", "cancelled_at", "expired_at", "last_event_at",
    ]

    /// `<time>_shown`: the wall-clock time shown to people for that status (UTC text), SPEC 2.2.
    static let shownFields: [String: RequestStatus] = [
        "accepted_at_shown": .acceptee, "arrived_at_shown": .arrive, "diagnostic_at_shown": .diagnostic, "repair_at_shown": .reparation,
        "completed_at_shown": .terminee, "cancelled_at_shown": .annulee, "expired_at_shown": .expiree,
    ]

    static func shownStatus(_ field: String) -> RequestStatus? { shownFields[field] }

    static func value(_ field: String, in state: MissionState) -> HLC? {
        switch field {
        case "accepted_at": state.acceptedAt
        case "arrived_at": state.arrivedAt
        case "diagnostic_at": state.diagnosticAt
        case "repair_at": state.repairAt
        case "completed_at": state.completedAt
        case "cancelled_at": state.cancelledAt
        case "expired_at": state.expiredAt
        case "last_event_at": state.lastEventAt
        default: nil
        }
    }
}

extension ColumnValue {
    fileprivate init(_ value: HLC?) {
        self = value.map { .integer($0.packed) } ?? .null
    }
}

// MARK: - The vector file format

struct SyncVector: Decodable {
    var name: String
    var description: String
    var rules: [String]
    var nodes: [String: ReplicaRole]
    var changes: [WireChange]
    var expect: Expectation
    /// The receiving node's wall clock (UTC text), for the bounded-clock rule (SPEC 2.2).
    var receiverWall: String?

    enum CodingKeys: String, CodingKey {
        case name, description, rules, nodes, changes, expect
        case receiverWall = "receiver_wall"
    }
}

struct WireChange: Decodable {
    var originNode: String
    var originSeq: Int64
    var hlc: Int64
    var table: String
    var key: String
    var op: RowOperation
    var columns: ColumnValues

    enum CodingKeys: String, CodingKey {
        case originNode = "origin_node", originSeq = "origin_seq", hlc, table, key, op, columns
    }

    var rowChange: RowChange {
        RowChange(originNode: originNode, originSeq: originSeq, hlc: HLC(packed: hlc), table: table, key: key, operation: op, columns: columns)
    }
}

struct Expectation: Decodable {
    var rows: [String: ColumnValues?]
    /// Request id → `status`, `provider_id` and any of `MissionTimes.fields` (packed HLC or null).
    var missions: [String: [String: ColumnValue]]?
    /// `request/<id>` or `provider/<id>` → sums.
    var ledger: [String: LedgerExpectation]?
    var conflicts: [ConflictExpectation]
    /// With `receiver_wall`: the changes held (`origin_node/origin_seq`), SPEC 2.2.
    var held: [String]?
}

struct ConflictExpectation: Decodable {
    var kind: String
    var rule: String
    var table: String
    var key: String
    var column: String?
    var severity: String?

    var comparable: String {
        [kind, rule, table, key, column ?? ""].joined(separator: "|")
    }
}

struct LedgerExpectation: Decodable {
    var paid: Int?
    var commission: Int?
    var net: Int?
    var canonicalPaymentIds: [String]?
    var pendingReversalIds: [String]?
    var invalidEntryIds: [String]?
    var paidByInvoice: [String: Int]?
    var paidByMethod: [String: Int]?

    enum CodingKeys: String, CodingKey {
        case paid, commission, net
        case canonicalPaymentIds = "canonical_payment_ids", pendingReversalIds = "pending_reversal_ids"
        case invalidEntryIds = "invalid_entry_ids", paidByInvoice = "paid_by_invoice", paidByMethod = "paid_by_method"
    }

    func check(_ balance: LedgerBalance?, comment: String) {
        guard let balance else {
            Issue.record("\(comment): scope must be request/<id> or provider/<id>")
            return
        }
        if let paid { #expect(balance.paid.francs == paid, "\(comment): paid") }
        if let commission { #expect(balance.commission.francs == commission, "\(comment): commission") }
        if let net { #expect(balance.net.francs == net, "\(comment): net") }
        if let canonicalPaymentIds { #expect(balance.canonicalPaymentIds == canonicalPaymentIds, "\(comment): canonical payments") }
        if let pendingReversalIds { #expect(balance.pendingReversalIds == pendingReversalIds, "\(comment): pending reversals") }
        if let invalidEntryIds { #expect(balance.invalidEntryIds == invalidEntryIds, "\(comment): invalid entries") }
        if let paidByInvoice {
            #expect(balance.paidByInvoice.mapValues(\.francs) == paidByInvoice, "\(comment): paid by invoice")
        }
        if let paidByMethod {
            #expect(
                Dictionary(uniqueKeysWithValues: balance.paidByMethod.map { ($0.rawValue, $1.francs) }) == paidByMethod, "\(comment): paid by method")
        }
    }
}

/// Refuses unknown fields, so that a misspelt expectation fails instead of being skipped.
enum VectorSchema {
    struct UnknownField: Error, CustomStringConvertible {
        var path: String
        var description: String { "unknown or missing field at \(path)" }
    }

    static func check(_ data: Data) throws {
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw UnknownField(path: "$") }
        try keys(
            root, allowed: ["name", "description", "rules", "nodes", "changes", "expect", "receiver_wall"], required: ["name", "changes", "expect"],
            at: "$")
        for (index, change) in (root["changes"] as? [[String: Any]] ?? []).enumerated() {
            let fields: Set = ["origin_node", "origin_seq", "hlc", "table", "key", "op", "columns"]
            try keys(change, allowed: fields, required: fields, at: "$.changes[\(index)]")
        }
        guard let expect = root["expect"] as? [String: Any] else { throw UnknownField(path: "$.expect") }
        try keys(expect, allowed: ["rows", "missions", "ledger", "conflicts", "held"], required: ["rows", "conflicts"], at: "$.expect")
        for (id, mission) in expect["missions"] as? [String: [String: Any]] ?? [:] {
            try keys(
                mission, allowed: Set(MissionTimes.fields + Array(MissionTimes.shownFields.keys) + ["status", "provider_id"]),
                required: ["status", "provider_id"],
                at: "$.expect.missions.\(id)")
        }
        for (scope, ledger) in expect["ledger"] as? [String: [String: Any]] ?? [:] {
            let fields: Set = [
                "paid", "commission", "net", "canonical_payment_ids", "pending_reversal_ids", "invalid_entry_ids", "paid_by_invoice",
                "paid_by_method",
            ]
            try keys(ledger, allowed: fields, required: [], at: "$.expect.ledger.\(scope)")
        }
        for (index, conflict) in (expect["conflicts"] as? [[String: Any]] ?? []).enumerated() {
            try keys(
                conflict, allowed: ["kind", "rule", "table", "key", "column", "severity"], required: ["kind", "rule", "table", "key"],
                at: "$.expect.conflicts[\(index)]")
        }
    }

    private static func keys(_ object: [String: Any], allowed: Set<String>, required: Set<String>, at path: String) throws {
        for key in object.keys where !allowed.contains(key) { throw UnknownField(path: "\(path).\(key)") }
        for key in required where object[key] == nil { throw UnknownField(path: "\(path).\(key)") }
    }
}
