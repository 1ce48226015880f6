import Foundation
import Testing

@testable import DjobeaDomain

@Suite struct CommissionRateTableTests {
    static let table = CommissionRateTable([
        CommissionRate(id: "r1-general-2026", basisPoints: 1_500, effectiveFrom: utc(2026, 1, 1)),
        CommissionRate(id: "r2-or-2026", level: .or, basisPoints: 1_200, effectiveFrom: utc(2026, 1, 1)),
        CommissionRate(id: "r3-platine-mar", level: .platine, basisPoints: 1_000, effectiveFrom: utc(2026, 3, 1)),
        CommissionRate(id: "r4-general-jun", basisPoints: 1_400, effectiveFrom: utc(2026, 6, 1)),
        CommissionRate(id: "r5-or-jun", level: .or, basisPoints: 1_100, effectiveFrom: utc(2026, 6, 1)),
        CommissionRate(id: "r6-invalid", basisPoints: 20_000, effectiveFrom: utc(2026, 9, 1)),
    ])

    @Test(arguments: [
        // (completed at, level, expected rate id)
        (utc(2025, 12, 31), ProviderLevel.bronze, nil as String?),
        (utc(2026, 1, 1), .bronze, "r1-general-2026"),
        (utc(2026, 2, 1), .or, "r2-or-2026"),  // level-specific beats general at the same date
        (utc(2026, 2, 1), .platine, "r1-general-2026"),  // platine rate not yet in force
        (utc(2026, 4, 1), .platine, "r3-platine-mar"),
        (utc(2026, 7, 1), .platine, "r4-general-jun"),  // a later general version beats an older specific one
        (utc(2026, 7, 1), .or, "r5-or-jun"),
        (utc(2026, 7, 1), .argent, "r4-general-jun"),
        (utc(2026, 10, 1), .bronze, "r4-general-jun"),  // the invalid rate is ignored
    ])
    func rateInForce(at date: Date, level: ProviderLevel, expected: String?) {
        #expect(Self.table.rate(at: date, level: level)?.id == expected)
    }

    @Test func sameDateAndStandingBreaksTiesByLargestId() {
        let table = CommissionRateTable([
            CommissionRate(id: "0190-a", basisPoints: 1_500, effectiveFrom: utc(2026, 1, 1)),
            CommissionRate(id: "0190-b", basisPoints: 1_300, effectiveFrom: utc(2026, 1, 1)),
        ])
        #expect(table.rate(at: utc(2026, 5, 1), level: .bronze)?.id == "0190-b")
    }

    @Test(arguments: [
        (15_000, ProviderLevel.bronze, 2_250), (15_000, .or, 1_800), (333, .bronze, 50), (0, .bronze, 0),
    ])
    func commissionOnABase(base: Int, level: ProviderLevel, expected: Int) throws {
        let result = try #require(Self.table.commission(on: XAF(base), completedAt: utc(2026, 2, 1), level: level))
        #expect(result.amount == XAF(expected))
        #expect(result.amount == XAF(base).share(basisPoints: result.rate.basisPoints))
    }

    @Test func noRateNoCommission() {
        #expect(Self.table.commission(on: XAF(10_000), completedAt: utc(2025, 1, 1), level: .bronze) == nil)
    }

    @Test func commissionEntryIsIdenticalOnEveryNode() throws {
        let completion = HLC(date: utc(2026, 7, 1, 9))
        let make = {
            Self.table.commissionEntry(
                requestId: "req-42", providerId: "p1", invoiceId: "inv-42", base: XAF(20_000), level: .or, completedAt: completion,
                originNode: "hub-bona")
        }
        let entry = try #require(make())
        #expect(entry == make())
        #expect(entry.id == CommissionRateTable.commissionEntryId(requestId: "req-42"))
        #expect(entry.id == DjobeaID.derived(namespace: "commission", name: "req-42"))
        #expect(entry.kind == .commission && entry.amount == XAF(2_200) && entry.hlc == completion)
        #expect(PaymentLedger.validationError(entry) == nil)
    }

    @Test func zeroCommissionMakesNoEntry() {
        let table = CommissionRateTable([CommissionRate(id: "free", basisPoints: 0, effectiveFrom: utc(2026, 1, 1))])
        #expect(
            table.commissionEntry(
                requestId: "r", providerId: "p", base: XAF(10_000), level: .bronze, completedAt: HLC(date: utc(2026, 2, 1)), originNode: "n") == nil)
    }

    @Test func commissionEntryIdsDifferPerRequest() {
        #expect(CommissionRateTable.commissionEntryId(requestId: "a") != CommissionRateTable.commissionEntryId(requestId: "b"))
    }
}
