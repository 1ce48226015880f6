import DjobeaDomain
import Foundation
import Testing

/// The vector files of `sync-protocol/vectors/`.
public enum SyncVectorFiles {
    public static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sync-protocol/vectors")

    /// The vector files' names, sorted.
    public static let names: [String] =
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()

    /// A vector, checked against the format (unknown fields refused).
    public static func load(_ name: String) throws -> SyncVector {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        try VectorSchema.check(data)
        return try JSONDecoder().decode(SyncVector.self, from: data)
    }
}

// The language-neutral sync vectors of `sync-protocol/vectors/` (format: its README.md), shared by the domain-level
// vector test and the storage-level one (every adapter).

public struct SyncVector: Decodable, Sendable {
    public var name: String
    public var description: String
    public var rules: [String]
    public var nodes: [String: ReplicaRole]
    public var changes: [WireChange]
    public var expect: VectorExpectation
    /// The receiving node's wall clock (UTC text), for the bounded-clock rule (SPEC 2.2).
    public var receiverWall: String?

    enum CodingKeys: String, CodingKey {
        case name, description, rules, nodes, changes, expect
        case receiverWall = "receiver_wall"
    }
}

public struct WireChange: Decodable, Sendable {
    public var originNode: String
    public var originSeq: Int64
    public var hlc: Int64
    public var table: String
    public var key: String
    public var op: RowOperation
    public var columns: ColumnValues

    enum CodingKeys: String, CodingKey {
        case originNode = "origin_node", originSeq = "origin_seq", hlc, table, key, op, columns
    }

    public var rowChange: RowChange {
        RowChange(originNode: originNode, originSeq: originSeq, hlc: HLC(packed: hlc), table: table, key: key, operation: op, columns: columns)
    }
}

public struct VectorExpectation: Decodable, Sendable {
    public var rows: [String: ColumnValues?]
    /// Request id → `status`, `provider_id` and any of `MissionTimes.fields` (packed HLC or null).
    public var missions: [String: [String: ColumnValue]]?
    /// `request/<id>` or `provider/<id>` → sums.
    public var ledger: [String: LedgerExpectation]?
    public var conflicts: [ConflictExpectation]
    /// With `receiver_wall`: the changes held (`origin_node/origin_seq`), SPEC 2.2.
    public var held: [String]?
}

public struct ConflictExpectation: Decodable, Sendable {
    public var kind: String
    public var rule: String
    public var table: String
    public var key: String
    public var column: String?
    public var severity: String?

    public var comparable: String {
        [kind, rule, table, key, column ?? ""].joined(separator: "|")
    }
}

public struct LedgerExpectation: Decodable, Sendable {
    public var paid: Int?
    public var commission: Int?
    public var net: Int?
    public var canonicalPaymentIds: [String]?
    public var pendingReversalIds: [String]?
    public var invalidEntryIds: [String]?
    public var paidByInvoice: [String: Int]?
    public var paidByMethod: [String: Int]?

    enum CodingKeys: String, CodingKey {
        case paid, commission, net
        case canonicalPaymentIds = "canonical_payment_ids", pendingReversalIds = "pending_reversal_ids"
        case invalidEntryIds = "invalid_entry_ids", paidByInvoice = "paid_by_invoice", paidByMethod = "paid_by_method"
    }
}

/// Refuses unknown fields, so that a misspelt expectation fails instead of being skipped.
public enum VectorSchema {
    public struct UnknownField: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "unknown or missing field at \(path)" }
    }

    public static func check(_ data: Data) throws {
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

/// The optional time fields of a mission expectation.
public enum MissionTimes {
    public static let fields = [
        "accepted_at", "arrived_at", "diagnostic_at", "repair_at", "completed_at", "cancelled_at", "expired_at", "last_event_at",
    ]

    /// `<time>_shown`: the wall-clock time shown to people for that status (UTC text), SPEC 2.2.
    public static let shownFields: [String: RequestStatus] = [
        "accepted_at_shown": .acceptee, "arrived_at_shown": .arrive, "diagnostic_at_shown": .diagnostic, "repair_at_shown": .reparation,
        "completed_at_shown": .terminee, "cancelled_at_shown": .annulee, "expired_at_shown": .expiree,
    ]

    public static func shownStatus(_ field: String) -> RequestStatus? { shownFields[field] }

    public static func value(_ field: String, in state: MissionState) -> HLC? {
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

extension LedgerExpectation {
    public func check(_ balance: LedgerBalance?, comment: String) {
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
