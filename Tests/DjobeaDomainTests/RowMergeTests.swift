import DjobeaTestSupport
import Foundation
import Testing

@testable import DjobeaDomain

@Suite("RowMerge")
struct RowMergeTests {
    static let central = "0190aaaa-0000-7000-8000-000000000001"
    static let hubA = "0190bbbb-0000-7000-8000-000000000002"
    static let hubB = "0190cccc-0000-7000-8000-000000000003"
    static let key = "0195f000-0000-7000-8000-00000000abcd"

    static func role(_ node: String) -> ReplicaRole { node == central ? .central : .hub }

    static func change(
        _ node: String, _ seq: Int64, _ wall: Int64, _ op: RowOperation, _ columns: ColumnValues = [:], table: String = "absences",
        counter: UInt16 = 0
    ) -> RowChange {
        RowChange(
            originNode: node, originSeq: seq, hlc: HLC(wallMillis: 1_000_000 + wall, counter: counter), table: table, key: key,
            operation: op, columns: columns)
    }

    static func merge(_ changes: [RowChange]) -> MergedRow {
        RowMerge.merge(changes, policy: .v1, role: role)
    }

    static let absence: ColumnValues = [
        "id": .text(key), "provider_id": "p1", "starts_at": "2026-03-10T07:00:00.000Z", "ends_at": "2026-03-12T18:00:00.000Z",
        "reason": "Congé", "notify_clients": 1, "created_at": "2026-03-02T08:00:00.000Z",
    ]

    // MARK: - Rules

    @Test func noChangesGiveNoRow() {
        #expect(Self.merge([]) == MergedRow(exists: false, columns: [:], conflicts: []))
    }

    @Test func lastWriterWinsPerField() {
        let merged = Self.merge([
            Self.change(Self.hubA, 1, 0, .insert, Self.absence),
            Self.change(Self.central, 1, 20, .update, ["reason": "Formation"]),
            Self.change(Self.hubA, 2, 10, .update, ["reason": "Maladie", "notify_clients": 0]),
        ])
        #expect(merged.exists)
        #expect(merged.columns["reason"] == "Formation")
        #expect(merged.columns["notify_clients"] == 0)
        #expect(merged.conflicts.isEmpty, "an overwrite is not a conflict")
    }

    @Test func sameHLCBreaksTiesByNodeThenSequence() {
        let merged = Self.merge([
            Self.change(Self.hubA, 1, 0, .insert, Self.absence),
            Self.change(Self.hubB, 1, 10, .update, ["reason": "B"]),
            Self.change(Self.hubA, 2, 10, .update, ["reason": "A"]),
        ])
        #expect(merged.columns["reason"] == "B")
    }

    @Test func updatesWithoutInsertArePending() {
        let merged = Self.merge([Self.change(Self.hubA, 2, 10, .update, ["reason": "Formation"])])
        #expect(merged == MergedRow(exists: false, columns: [:], conflicts: []))
    }

    @Test func deleteAfterUpdateWinsQuietly() {
        let merged = Self.merge([
            Self.change(Self.hubA, 1, 0, .insert, Self.absence),
            Self.change(Self.central, 1, 10, .update, ["reason": "Formation"]),
            Self.change(Self.hubA, 2, 20, .delete),
        ])
        #expect(merged == MergedRow(exists: false, columns: [:], conflicts: []))
    }

    @Test func updateAfterDeleteLosesAndIsAConflict() {
        let delete = Self.change(Self.hubA, 2, 10, .delete)
        let update = Self.change(Self.central, 1, 20, .update, ["reason": "Formation"])
        let merged = Self.merge([Self.change(Self.hubA, 1, 0, .insert, Self.absence), delete, update])
        #expect(!merged.exists)
        #expect(
            merged.conflicts == [
                MergeConflict(
                    kind: "update_after_delete", rule: "CONFLICTS-13", table: "absences", key: Self.key, winner: ChangeRef(delete),
                    loser: ChangeRef(update))
            ])
    }

    @Test func laterInsertRestoresADeletedRow() {
        let merged = Self.merge([
            Self.change(Self.hubA, 1, 0, .insert, Self.absence),
            Self.change(Self.hubA, 2, 10, .delete),
            Self.change(Self.hubA, 3, 20, .insert, Self.absence.merging(["reason": "Retour"]) { $1 }),
        ])
        #expect(merged.exists)
        #expect(merged.columns["reason"] == "Retour")
        #expect(merged.conflicts.isEmpty)
    }

    @Test func tableOwnerRefusesOtherRoles() {
        let zone: ColumnValues = ["id": .text(Self.key), "code": "akwa", "name": "Akwa", "hub_id": nil, "created_at": "2026-03-02T08:00:00.000Z"]
        let refused = Self.change(Self.hubA, 1, 0, .insert, zone, table: "zones")
        let merged = Self.merge([refused])
        #expect(!merged.exists)
        #expect(merged.conflicts.map(\.kind) == ["owner_only"])
        #expect(merged.conflicts.first?.rule == "CONFLICTS-12")
        #expect(merged.conflicts.first?.column == nil)
        #expect(merged.conflicts.first?.loser == ChangeRef(refused))

        let accepted = Self.merge([Self.change(Self.central, 1, 0, .insert, zone, table: "zones")])
        #expect(accepted.exists && accepted.conflicts.isEmpty)
    }

    @Test func columnOwnerRefusesOnlyThatColumn() {
        let provider: ColumnValues = ["id": .text(Self.key), "level": "bronze", "bio": nil, "updated_at": "t0"]
        let merged = Self.merge([
            Self.change(Self.central, 1, 0, .insert, provider, table: "providers"),
            Self.change(Self.hubA, 1, 10, .update, ["level": "platine", "bio": "Plombier", "updated_at": "t1"], table: "providers"),
            Self.change(Self.central, 2, 20, .update, ["bio": "Réécrit", "level": "argent"], table: "providers"),
        ])
        #expect(merged.columns == ["id": .text(Self.key), "level": "argent", "bio": "Plombier", "updated_at": "t1"])
        #expect(merged.conflicts.map(\.column) == ["level", "bio"])
        #expect(merged.conflicts.allSatisfy { $0.kind == "owner_only" && $0.winner == nil })
    }

    @Test func insertsSetEveryColumnWhateverTheOwner() {
        // A hub may create a provider row (enrolment at the hub); only later updates are owner-checked.
        let merged = Self.merge([Self.change(Self.hubA, 1, 0, .insert, ["id": .text(Self.key), "level": "bronze"], table: "providers")])
        #expect(merged.exists && merged.columns["level"] == "bronze" && merged.conflicts.isEmpty)
    }

    @Test func appendOnlyRowIsItsFirstInsert() {
        let first: ColumnValues = ["id": .text(Self.key), "kind": "commission", "origin_node": .text(Self.hubA)]
        let second: ColumnValues = ["id": .text(Self.key), "kind": "commission", "origin_node": .text(Self.central)]
        let merged = Self.merge([
            Self.change(Self.central, 1, 50, .insert, second, table: "ledger_entries"),
            Self.change(Self.hubA, 1, 10, .insert, first, table: "ledger_entries"),
            Self.change(Self.hubA, 2, 60, .update, ["amount": 1], table: "ledger_entries"),
            Self.change(Self.central, 2, 70, .delete, table: "ledger_entries"),
        ])
        #expect(merged.exists)
        #expect(merged.columns == first)
        #expect(merged.conflicts.map(\.kind) == ["append_only", "append_only"])
        #expect(merged.conflicts.map(\.rule) == ["CONFLICTS-7", "CONFLICTS-7"])
    }

    @Test func duplicatesCountOnce() {
        let changes = [
            Self.change(Self.hubA, 1, 0, .insert, Self.absence),
            Self.change(Self.hubA, 2, 10, .delete),
            Self.change(Self.central, 1, 20, .update, ["reason": "Formation"]),
        ]
        #expect(Self.merge(changes + changes) == Self.merge(changes))
        #expect(Self.merge(changes + changes).conflicts.count == 1)
    }

    // MARK: - Property

    @Test func anyPermutationOrDuplicationGivesTheSameRow() {
        var rng = SeededRandom(seed: 0xD70B_EA00)
        let nodes = [Self.central, Self.hubA, Self.hubB]
        let tables = ["absences", "providers", "zones", "ledger_entries"]
        let columns = ["reason", "level", "bio", "notify_clients", "updated_at"]
        for iteration in 0..<200 {
            let table = tables[iteration % tables.count]
            var sequences: [String: Int64] = [:]
            var changes: [RowChange] = []
            for _ in 0..<Int.random(in: 1...10, using: &rng) {
                let node = nodes.randomElement(using: &rng) ?? Self.hubA
                sequences[node, default: 0] += 1
                let op = [RowOperation.insert, .update, .update, .delete].randomElement(using: &rng) ?? .update
                var values: ColumnValues = [:]
                if op != .delete {
                    for column in columns where op == .insert || Bool.random(using: &rng) {
                        values[column] =
                            Bool.random(using: &rng)
                            ? .integer(Int64.random(in: 0...3, using: &rng)) : .text("v\(Int.random(in: 0...3, using: &rng))")
                    }
                }
                // Few distinct walls so that ties by HLC, node and sequence all occur.
                let wall = Int64.random(in: 0...4, using: &rng)
                changes.append(
                    Self.change(node, sequences[node] ?? 1, wall, op, values, table: table, counter: UInt16.random(in: 0...1, using: &rng)))
            }
            let expected = Self.merge(changes)
            for _ in 0..<5 {
                #expect(Self.merge(changes.shuffledWithDuplicates(using: &rng)) == expected, "iteration \(iteration)")
            }
            #expect(Self.merge(changes.reversed()) == expected, "iteration \(iteration)")
        }
    }
}
