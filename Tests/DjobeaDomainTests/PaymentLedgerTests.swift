import DjobeaTestSupport
import Foundation
import Testing

@testable import DjobeaDomain

// MARK: - Entry builders

private func pay(
    _ id: String, _ francs: Int, _ method: PaymentMethod = .cash, ref: String? = nil, invoice: String? = "inv-1", node: String = "hub-bona"
) -> LedgerEntry {
    LedgerEntry(
        id: id, requestId: "req-1", providerId: "p1", invoiceId: invoice, kind: .payment, method: method, operatorRef: ref,
        amount: XAF(francs), hlc: HLC(wallMillis: 100), originNode: node)
}

private func momo(_ id: String, _ francs: Int, ref: String, node: String = "hub-bona") -> LedgerEntry {
    pay(id, francs, .mtnMomo, ref: ref, node: node)
}

private func commission(_ id: String, _ francs: Int) -> LedgerEntry {
    LedgerEntry(
        id: id, requestId: "req-1", providerId: "p1", kind: .commission, amount: XAF(francs), hlc: HLC(wallMillis: 200), originNode: "hub-bona")
}

private func reversal(_ id: String, of target: String?, _ francs: Int) -> LedgerEntry {
    LedgerEntry(
        id: id, requestId: "req-1", providerId: "p1", kind: .reversal, amount: XAF(francs), reversesEntryId: target,
        hlc: HLC(wallMillis: 300), originNode: "central")
}

/// Folds the entries in every order of a seeded sample, with duplicates, and expects one result.
private func foldAnyOrder(_ entries: [LedgerEntry], seed: UInt64 = 1) -> LedgerBalance {
    let reference = PaymentLedger.fold(entries)
    var rng = SeededRandom(seed: seed)
    for _ in 0..<20 {
        #expect(PaymentLedger.fold(entries.shuffledWithDuplicates(using: &rng)) == reference)
    }
    return reference
}

@Suite struct PaymentLedgerTests {
    // MARK: - Validation (CONFLICTS.md rule 11)

    @Test(arguments: [
        (pay("a", 0), LedgerValidationError.nonPositiveAmount),
        (pay("a", -500), .nonPositiveAmount),
        (pay("a", 500, .mtnMomo), .missingOperatorReference),
        (pay("a", 500, .orangeMoney, ref: "  "), .missingOperatorReference),
        (LedgerEntry(id: "a", requestId: "r", providerId: "p", kind: .payment, amount: XAF(5), hlc: .zero, originNode: "n"), .missingPaymentMethod),
        (reversal("a", of: nil, 500), .reversalWithoutTarget),
        (reversal("a", of: "", 500), .reversalWithoutTarget),
        (reversal("a", of: "a", 500), .reversalOfItself),
        (LedgerEntry(id: "", requestId: "r", providerId: "p", kind: .commission, amount: XAF(5), hlc: .zero, originNode: "n"), .missingIdentifier),
        (
            LedgerEntry(
                id: "a", requestId: "r", providerId: "p", kind: .commission, amount: XAF(5), reversesEntryId: "b", hlc: .zero, originNode: "n"),
            .unexpectedReversalTarget
        ),
    ])
    func refusesInvalidEntries(_ entry: LedgerEntry, error: LedgerValidationError) {
        #expect(PaymentLedger.validationError(entry) == error)
        #expect(throws: error) { try PaymentLedger.validate(entry) }
    }

    @Test(arguments: [pay("a", 1), pay("a", 15_000), momo("a", 500, ref: "MP2611.1234"), commission("c", 1_500), reversal("r", of: "a", 500)])
    func acceptsValidEntries(_ entry: LedgerEntry) throws {
        #expect(PaymentLedger.validationError(entry) == nil)
        try PaymentLedger.validate(entry)
    }

    @Test func validationMessagesAreFrenchAndDistinct() {
        let all: [LedgerValidationError] = [
            .nonPositiveAmount, .missingOperatorReference, .reversalWithoutTarget, .missingPaymentMethod, .missingIdentifier,
            .reversalOfItself, .unexpectedReversalTarget,
        ]
        #expect(Set(all.map(\.messageFR)).count == all.count)
        #expect(all.allSatisfy { $0.errorDescription == $0.messageFR })
    }

    @Test(arguments: [
        (PaymentMethod.cash, "cash", "Espèces", false), (.mtnMomo, "mtn_momo", "MTN MoMo", true),
        (.orangeMoney, "orange_money", "Orange Money", true),
    ])
    func paymentMethods(_ method: PaymentMethod, raw: String, label: String, needsReference: Bool) {
        #expect(method.rawValue == raw && method.labelFR == label && method.requiresOperatorReference == needsReference)
    }

    // MARK: - Sums

    @Test func sumsPaymentsCommissionAndNet() {
        let balance = foldAnyOrder([
            pay("a", 10_000, invoice: "inv-1"), momo("b", 5_000, ref: "T1"), pay("c", 2_000, invoice: "inv-2"), pay("d", 700, invoice: nil),
            commission("e", 1_500),
        ])
        #expect(balance.paid == XAF(17_700))
        #expect(balance.commission == XAF(1_500))
        #expect(balance.net == XAF(16_200))
        #expect(balance.canonicalPaymentIds == ["a", "b", "c", "d"])
        #expect(balance.paid(forInvoice: "inv-1") == XAF(15_000))
        #expect(balance.paid(forInvoice: "inv-2") == XAF(2_000))
        #expect(balance.paid(forInvoice: "inv-9") == .zero)
        #expect(balance.paid(by: .cash) == XAF(12_700) && balance.paid(by: .mtnMomo) == XAF(5_000) && balance.paid(by: .orangeMoney) == .zero)
        #expect(balance.conflicts.isEmpty && balance.pendingReversalIds.isEmpty && balance.invalidEntryIds.isEmpty)
    }

    @Test func emptyLedgerIsZero() {
        #expect(PaymentLedger.fold([]) == LedgerBalance())
    }

    // MARK: - CONFLICTS.md rule 8: one operator transaction on two nodes

    @Test func sameTransactionOnTwoNodesCountsOnce() {
        let balance = foldAnyOrder([momo("b-central", 5_000, ref: "8741236", node: "central"), momo("a-hub", 5_000, ref: " 8741236 ")])
        #expect(balance.paid == XAF(5_000))
        #expect(balance.canonicalPaymentIds == ["a-hub"])
        #expect(balance.conflicts.map(\.kind) == [.duplicateTransaction])
        #expect(balance.conflicts.first?.entryId == "b-central" && balance.conflicts.first?.canonicalId == "a-hub")
        #expect(balance.conflicts.first?.severity == .warning)
    }

    @Test func sameTransactionWithDifferentAmountsIsLoud() throws {
        let balance = foldAnyOrder([momo("a", 5_000, ref: "T9"), momo("b", 50_000, ref: "T9"), momo("c", 5_000, ref: "T9")])
        #expect(balance.paid == XAF(5_000))
        #expect(balance.conflicts.map(\.kind) == [.duplicateTransactionAmountMismatch, .duplicateTransaction])
        let loud = try #require(balance.conflicts.first)
        #expect(loud.severity == .critical)
        #expect(loud.messageFR.contains("montants différents") && loud.messageFR.contains("50\u{202F}000\u{00A0}FCFA"))
    }

    @Test func sameReferenceOnDifferentMethodsOrInCashIsNotMerged() {
        let balance = foldAnyOrder([
            momo("a", 5_000, ref: "R1"), pay("b", 5_000, .orangeMoney, ref: "R1"), pay("c", 1_000, .cash, ref: "reçu 12"),
            pay("d", 1_000, .cash, ref: "reçu 12"),
        ])
        #expect(balance.paid == XAF(12_000))
        #expect(balance.conflicts.isEmpty)
    }

    // MARK: - CONFLICTS.md rule 7: reversals

    @Test func reversalTakesBackItsEntry() {
        let balance = foldAnyOrder([
            pay("a", 10_000), pay("b", 3_000), reversal("r", of: "b", 3_000), commission("c", 1_000), reversal("s", of: "c", 1_000),
        ])
        #expect(balance.paid == XAF(10_000))
        #expect(balance.paid(forInvoice: "inv-1") == XAF(10_000))
        #expect(balance.paid(by: .cash) == XAF(10_000))
        #expect(balance.commission == .zero)
        #expect(balance.canonicalPaymentIds == ["a", "b"])
    }

    @Test func reversalOfAnAbsentEntryWaitsForTheOriginal() {
        let early = foldAnyOrder([pay("a", 10_000), reversal("r", of: "b", 3_000)])
        #expect(early.paid == XAF(10_000))
        #expect(early.pendingReversalIds == ["r"])
        #expect(LedgerBalance.pendingMessageFR == "En attente de l'original")
        let complete = foldAnyOrder([pay("a", 10_000), reversal("r", of: "b", 3_000), pay("b", 3_000)])
        #expect(complete.paid == XAF(10_000))
        #expect(complete.pendingReversalIds.isEmpty)
    }

    @Test func twoReversalsOfOneEntryCountOnce() {
        let balance = foldAnyOrder([pay("a", 10_000), reversal("r2", of: "a", 10_000), reversal("r1", of: "a", 10_000)])
        #expect(balance.paid == .zero)
        #expect(
            balance.conflicts == [
                LedgerConflict(entryId: "r2", canonicalId: "r1", kind: .duplicateReversal, messageFR: balance.conflicts.first?.messageFR ?? "")
            ])
    }

    @Test func reversalOfADuplicateIsIgnored() {
        let balance = foldAnyOrder([momo("a", 5_000, ref: "T"), momo("b", 5_000, ref: "T"), reversal("r", of: "b", 5_000)])
        #expect(balance.paid == XAF(5_000))
        #expect(balance.conflicts.map(\.kind) == [.duplicateTransaction, .reversalOfDuplicate])
        #expect(balance.conflicts.last?.canonicalId == "a")
    }

    @Test func partialAndOversizedReversals() {
        #expect(foldAnyOrder([pay("a", 10_000), reversal("r", of: "a", 4_000)]).paid == XAF(6_000))
        #expect(foldAnyOrder([pay("a", 10_000), reversal("r", of: "a", 25_000)]).paid == .zero)
    }

    @Test func invalidEntriesAndReversalsOfThemAreNotCounted() {
        let balance = foldAnyOrder([
            pay("a", 10_000), pay("bad", 0), reversal("r1", of: "bad", 500), reversal("r2", of: "a", 1_000), reversal("r3", of: "r2", 1_000),
        ])
        #expect(balance.paid == XAF(9_000))
        #expect(balance.invalidEntryIds == ["bad", "r1", "r3"])
    }

    // MARK: - CONFLICTS.md rule 10: derived commission collapses to one row

    @Test func commissionDerivedOnTwoNodesCollapses() {
        let id = CommissionRateTable.commissionEntryId(requestId: "req-1")
        let balance = foldAnyOrder([commission(id, 1_500), commission(id, 1_500), pay("a", 10_000)])
        #expect(balance.commission == XAF(1_500))
        #expect(balance.net == XAF(8_500))
    }

    @Test func oneIdWithTwoContentsKeepsTheSameVersionEverywhere() {
        let balance = foldAnyOrder([pay("a", 10_000), pay("a", 12_000)])
        #expect(balance.paid == XAF(10_000) || balance.paid == XAF(12_000))
    }

    // MARK: - Property: any order, any duplication

    @Test(arguments: [1 as UInt64, 2, 3])
    func foldIgnoresOrderAndDuplication(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        for _ in 0..<100 {
            let entries = randomLedger(using: &rng)
            let reference = PaymentLedger.fold(entries)
            #expect(PaymentLedger.fold(entries.shuffledWithDuplicates(using: &rng)) == reference)
            #expect(reference.paidByMethod.values.sum() == reference.paid)
            #expect(reference.net == reference.paid - reference.commission)
            #expect(reference.paid >= .zero && reference.commission >= .zero)
            #expect(reference.effects.values.map(\.paid).sum() == reference.paid, "per-entry effects split paid exactly")
            #expect(reference.effects.values.map(\.commission).sum() == reference.commission)
        }
    }

    private func randomLedger(using rng: inout SeededRandom) -> [LedgerEntry] {
        var entries: [LedgerEntry] = []
        let count = Int.random(in: 1...14, using: &rng)
        for index in 0..<count {
            let id = "e\(String(format: "%02d", index))"
            let amount = [500, 1_000, 5_000, 0].randomElement(using: &rng) ?? 500
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:
                entries.append(pay(id, amount, invoice: ["inv-1", "inv-2", nil].randomElement(using: &rng) ?? nil))
            case 1:
                entries.append(momo(id, amount, ref: ["T1", "T2", "T3"].randomElement(using: &rng) ?? "T1"))
            case 2:
                entries.append(commission(id, amount))
            default:
                entries.append(reversal(id, of: "e\(String(format: "%02d", Int.random(in: 0..<(count + 2), using: &rng)))", amount))
            }
        }
        return entries
    }
}
