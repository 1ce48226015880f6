import DjobeaDomain
import Testing

@testable import DjobeaServer

/// Ops read every conflict in French: no kind or rule is ever shown as its raw code.
@Suite("Ops wording: every conflict kind and rule has a French label")
struct OpsWordingTests {
    static let rowKinds = ["owner_only", "update_after_delete", "append_only", "constraint_violation", "out_of_partition"]

    @Test("every conflict kind the rules can record has its own French label")
    func everyKind() {
        let kinds = MissionConflictKind.allCases.map(\.rawValue) + LedgerConflictKind.allCases.map(\.rawValue) + Self.rowKinds
        for kind in kinds {
            let label = OpsWording.kindLabel(kind)
            #expect(!label.contains(kind), "\(kind) is shown raw: \(label)")
            #expect(!label.hasPrefix("Conflit «"), "\(kind) falls back to the generic label")
        }
    }

    @Test("every rule a conflict can cite says what it decides, in French")
    func everyRule() {
        let rules =
            Set(MissionConflictKind.allCases.map(\.rule)).union(LedgerConflictKind.allCases.map(\.rule))
            .union(["CONFLICTS-12", "CONFLICTS-13", "CONFLICTS-7", "SPEC-4.6", "SPEC-5"])
        for rule in rules {
            #expect(OpsWording.ruleLabel(rule).contains(" : "), "\(rule) has no French summary: \(OpsWording.ruleLabel(rule))")
        }
    }
}
