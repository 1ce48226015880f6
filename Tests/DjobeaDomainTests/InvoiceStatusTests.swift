import Foundation
import Testing

@testable import DjobeaDomain

@Suite struct InvoiceStatusTests {
    static let due = utc(2026, 12, 1, 12)

    @Test(arguments: [
        // (total, paid, now after due, expected)
        (15_000, 0, false, InvoiceStatus.envoyee),
        (15_000, 5_000, false, .partielle),
        (15_000, 15_000, false, .payee),
        (15_000, 20_000, false, .surpayee),
        (15_000, 0, true, .enRetard),
        (15_000, 14_999, true, .enRetard),
        (15_000, 15_000, true, .payee),
        (15_000, 15_001, true, .surpayee),
        (0, 0, false, .payee),
    ])
    func derive(total: Int, paid: Int, late: Bool, expected: InvoiceStatus) {
        let now = late ? Self.due.addingTimeInterval(1) : Self.due.addingTimeInterval(-3_600)
        #expect(InvoiceStatus.derive(total: XAF(total), paid: XAF(paid), dueAt: Self.due, now: now) == expected)
    }

    @Test func dueInstantItselfIsNotLate() {
        #expect(InvoiceStatus.derive(total: XAF(1_000), paid: .zero, dueAt: Self.due, now: Self.due) == .envoyee)
    }

    @Test(arguments: [(15_000, 0, 15_000), (15_000, 5_000, 10_000), (15_000, 15_000, 0), (15_000, 20_000, 0)])
    func amountDueIsNeverNegative(total: Int, paid: Int, due: Int) {
        #expect(InvoiceStatus.amountDue(total: XAF(total), paid: XAF(paid)) == XAF(due))
    }

    @Test("a draft is a draft whatever was paid or however late: nothing is owed before it is sent")
    func draftsAreDrafts() {
        for paid in [0, 5_000, 15_000, 20_000] {
            #expect(
                InvoiceStatus.derive(total: XAF(15_000), paid: XAF(paid), dueAt: Self.due, now: Self.due + 30 * 86_400, sent: false) == .brouillon)
        }
    }

    @Test func labelsAndCodes() {
        #expect(InvoiceStatus.allCases.map(\.labelFR) == ["Brouillon", "Envoyée", "Partiellement payée", "Payée", "Surpayée", "En retard"])
        #expect(InvoiceStatus.enRetard.rawValue == "en_retard")
        #expect(InvoiceStatus.allCases.filter(\.needsOpsAlert) == [.surpayee])
    }

    /// CONFLICTS.md rule 9: cash and MoMo for one invoice are both real; the invoice shows an overpayment.
    @Test func twoRealPaymentsOverpayAnInvoice() {
        let entries = [
            LedgerEntry(
                id: "a", requestId: "r", providerId: "p", invoiceId: "inv", kind: .payment, method: .cash, amount: XAF(15_000), hlc: .zero,
                originNode: "phone"),
            LedgerEntry(
                id: "b", requestId: "r", providerId: "p", invoiceId: "inv", kind: .payment, method: .mtnMomo, operatorRef: "T1",
                amount: XAF(15_000), hlc: .zero, originNode: "central"),
        ]
        let balance = PaymentLedger.fold(entries)
        #expect(balance.conflicts.isEmpty)
        let paid = balance.paid(forInvoice: "inv")
        #expect(paid == XAF(30_000))
        #expect(InvoiceStatus.derive(total: XAF(15_000), paid: paid, dueAt: Self.due, now: Self.due) == .surpayee)
    }
}

@Suite("Invoice status with credit notes (avoirs)")
struct InvoiceStatusCreditTests {
    static let due = utc(2026, 12, 1, 12)

    @Test(
        "the client owes the total less the credit notes",
        arguments: [
            // (total, credited, paid, now after due, expected)
            (20_000, 5_000, 15_000, false, InvoiceStatus.payee),
            (20_000, 5_000, 15_000, true, .payee),
            (20_000, 5_000, 10_000, true, .enRetard),
            (20_000, 5_000, 10_000, false, .partielle),
            (20_000, 5_000, 16_000, false, .surpayee),
            (20_000, 20_000, 0, true, .payee),
            (20_000, 0, 0, false, .envoyee),
        ])
    func derive(total: Int, credited: Int, paid: Int, late: Bool, expected: InvoiceStatus) {
        let now = late ? Self.due.addingTimeInterval(1) : Self.due.addingTimeInterval(-3_600)
        #expect(InvoiceStatus.derive(total: XAF(total), paid: XAF(paid), credited: XAF(credited), dueAt: Self.due, now: now) == expected)
    }

    @Test("what remains to pay subtracts the credit notes and is never negative")
    func amountDue() {
        #expect(InvoiceStatus.amountDue(total: XAF(20_000), paid: XAF(5_000), credited: XAF(3_000)) == XAF(12_000))
        #expect(InvoiceStatus.amountDue(total: XAF(20_000), paid: XAF(18_000), credited: XAF(3_000)) == .zero)
    }
}
