import Foundation

/// Sums derived from a set of ledger entries by `PaymentLedger.fold`.
public struct LedgerBalance: Hashable, Sendable {
    /// Canonical payments minus effective reversals of payments.
    public var paid: XAF
    /// Commissions minus their effective reversals.
    public var commission: XAF
    /// `paid - commission`.
    public var net: XAF
    /// Payments counted in `paid` (reversed ones included), sorted.
    public var canonicalPaymentIds: [String]
    /// Sorted by entry id, then kind.
    public var conflicts: [LedgerConflict]
    /// Reversals whose original has not arrived: "en attente de l'original"; sorted, not counted.
    public var pendingReversalIds: [String]
    /// Entries that fail `PaymentLedger.validate`, and reversals of them or of reversals; sorted, not counted.
    public var invalidEntryIds: [String]
    /// `paid` split by invoice (payments without invoice are left out).
    public var paidByInvoice: [String: XAF]
    /// `paid` split by payment method.
    public var paidByMethod: [PaymentMethod: XAF]
    /// What each counted entry contributes, by entry id: a reversal carries its (negative) effect, so summing
    /// effects over any grouping of entries (by day, by service) splits `paid` and `commission` exactly.
    public var effects: [String: LedgerEffect]

    /// What the app shows next to a pending reversal.
    public static let pendingMessageFR = "En attente de l'original"

    public init(
        paid: XAF = .zero, commission: XAF = .zero, canonicalPaymentIds: [String] = [], conflicts: [LedgerConflict] = [],
        pendingReversalIds: [String] = [], invalidEntryIds: [String] = [], paidByInvoice: [String: XAF] = [:],
        paidByMethod: [PaymentMethod: XAF] = [:], effects: [String: LedgerEffect] = [:]
    ) {
        self.paid = paid
        self.commission = commission
        self.net = paid - commission
        self.canonicalPaymentIds = canonicalPaymentIds
        self.conflicts = conflicts
        self.pendingReversalIds = pendingReversalIds
        self.invalidEntryIds = invalidEntryIds
        self.paidByInvoice = paidByInvoice
        self.paidByMethod = paidByMethod
        self.effects = effects
    }

    /// What was paid on one invoice, reversals deducted.
    public func paid(forInvoice id: String) -> XAF {
        paidByInvoice[id] ?? .zero
    }

    /// What was paid with one method, reversals deducted.
    public func paid(by method: PaymentMethod) -> XAF {
        paidByMethod[method] ?? .zero
    }
}

/// One entry's signed contribution to a balance.
public struct LedgerEffect: Hashable, Sendable {
    public var paid: XAF = .zero
    public var commission: XAF = .zero

    public init(paid: XAF = .zero, commission: XAF = .zero) {
        self.paid = paid
        self.commission = commission
    }
}

/// Why a ledger entry is not counted as made.
public enum LedgerConflictKind: String, CaseIterable, Codable, Sendable {
    /// The same operator transaction on two entries with the same amount.
    case duplicateTransaction = "duplicate_transaction"
    /// The same operator transaction with different amounts: money may be wrong.
    case duplicateTransactionAmountMismatch = "duplicate_transaction_amount_mismatch"
    /// A second reversal of an entry already reversed.
    case duplicateReversal = "duplicate_reversal"
    /// A reversal of a duplicate payment, which was never counted.
    case reversalOfDuplicate = "reversal_of_duplicate"

    public var severity: ConflictSeverity {
        self == .duplicateTransactionAmountMismatch ? .critical : .warning
    }
}

/// A ledger entry kept but excluded from sums, with the entry that counts instead.
public struct LedgerConflict: Hashable, Codable, Sendable {
    /// The excluded entry.
    public var entryId: String
    /// The entry that counts: the canonical payment, or the reversal that counts.
    public var canonicalId: String
    public var kind: LedgerConflictKind
    public var messageFR: String

    public init(entryId: String, canonicalId: String, kind: LedgerConflictKind, messageFR: String) {
        self.entryId = entryId
        self.canonicalId = canonicalId
        self.kind = kind
        self.messageFR = messageFR
    }

    /// Same as `entryId`, for code that handles mission and ledger conflicts alike.
    public var eventId: String { entryId }

    public var severity: ConflictSeverity { kind.severity }
}
