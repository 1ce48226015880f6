import Foundation

/// The ledger rules: validation at the edge and an order-independent fold (CONFLICTS.md rules 7, 8, 10, 11).
public enum PaymentLedger {
    /// Throws the first reason `entry` must be refused; returns normally when it is acceptable.
    public static func validate(_ entry: LedgerEntry) throws(LedgerValidationError) {
        if let error = validationError(entry) { throw error }
    }

    /// The first reason `entry` must be refused, or nil.
    public static func validationError(_ entry: LedgerEntry) -> LedgerValidationError? {
        if entry.id.isEmpty || entry.requestId.isEmpty || entry.providerId.isEmpty { return .missingIdentifier }
        if entry.amount.francs <= 0 { return .nonPositiveAmount }
        switch entry.kind {
        case .payment:
            guard let method = entry.method else { return .missingPaymentMethod }
            if method.requiresOperatorReference && entry.normalizedOperatorRef == nil { return .missingOperatorReference }
            if entry.reversesEntryId != nil { return .unexpectedReversalTarget }
        case .commission:
            if entry.reversesEntryId != nil { return .unexpectedReversalTarget }
        case .reversal:
            guard let target = entry.reversesEntryId, !target.isEmpty else { return .reversalWithoutTarget }
            if target == entry.id { return .reversalOfItself }
        }
        return nil
    }

    /// The balance of a set of entries; any permutation or duplication gives the same result.
    ///
    /// - Payments with the same mobile-money (method, operator reference) are one payment: the smallest id
    ///   counts, the others are conflicts. Cash has no operator reference and is never merged.
    /// - A reversal takes back its own amount, at most the amount of the entry it names; of several reversals
    ///   of one entry only the smallest id counts; a reversal of an absent entry is pending.
    /// - Invalid entries, and reversals of invalid entries or of reversals, are listed and not counted.
    public static func fold(_ entries: [LedgerEntry]) -> LedgerBalance {
        let byId = deduplicate(entries)
        var invalid: Set<String> = []
        var valid: [String: LedgerEntry] = [:]
        for (id, entry) in byId {
            if validationError(entry) == nil { valid[id] = entry } else { invalid.insert(id) }
        }

        var conflicts: [LedgerConflict] = []
        let canonicalOf = canonicalPayments(in: valid, conflicts: &conflicts)

        var paid = XAF.zero
        var commission = XAF.zero
        var paidByInvoice: [String: XAF] = [:]
        var paidByMethod: [PaymentMethod: XAF] = [:]
        var canonicalPaymentIds: [String] = []
        var effects: [String: LedgerEffect] = [:]
        func addPayment(_ payment: LedgerEntry, _ amount: XAF, by entryId: String) {
            effects[entryId, default: LedgerEffect()].paid += amount
            paid += amount
            if let invoice = payment.invoiceId { paidByInvoice[invoice, default: .zero] += amount }
            if let method = payment.method { paidByMethod[method, default: .zero] += amount }
        }
        for entry in valid.values {
            switch entry.kind {
            case .payment where canonicalOf[entry.id] == nil:
                canonicalPaymentIds.append(entry.id)
                addPayment(entry, entry.amount, by: entry.id)
            case .commission:
                effects[entry.id, default: LedgerEffect()].commission += entry.amount
                commission += entry.amount
            default:
                break
            }
        }

        var pending: [String] = []
        let reversalsByTarget = Dictionary(grouping: valid.values.filter { $0.kind == .reversal }) { $0.reversesEntryId ?? "" }
        for (targetId, reversals) in reversalsByTarget {
            let sorted = reversals.sorted { $0.id < $1.id }
            guard let target = byId[targetId] else {
                pending += sorted.map(\.id)
                continue
            }
            guard valid[targetId] != nil, target.kind != .reversal else {
                invalid.formUnion(sorted.map(\.id))
                continue
            }
            if let canonical = canonicalOf[targetId] {
                conflicts += sorted.map {
                    LedgerConflict(
                        entryId: $0.id, canonicalId: canonical, kind: .reversalOfDuplicate,
                        messageFR: "Correction d'un paiement en double, déjà exclu des totaux : ignorée")
                }
                continue
            }
            guard let effective = sorted.first else { continue }
            conflicts += sorted.dropFirst().map {
                LedgerConflict(
                    entryId: $0.id, canonicalId: effective.id, kind: .duplicateReversal,
                    messageFR: "Écriture déjà corrigée : cette correction en double n'est pas comptée")
            }
            let amount = min(effective.amount, target.amount)
            switch target.kind {
            case .payment: addPayment(target, .zero - amount, by: effective.id)
            case .commission:
                effects[effective.id, default: LedgerEffect()].commission -= amount
                commission -= amount
            case .reversal: break
            }
        }

        return LedgerBalance(
            paid: paid, commission: commission, canonicalPaymentIds: canonicalPaymentIds.sorted(),
            conflicts: conflicts.sorted { ($0.entryId, $0.kind.rawValue) < ($1.entryId, $1.kind.rawValue) },
            pendingReversalIds: pending.sorted(), invalidEntryIds: invalid.sorted(), paidByInvoice: paidByInvoice,
            paidByMethod: paidByMethod, effects: effects)
    }

    // MARK: - Steps

    /// One entry per id; if one id arrives with two contents, every node keeps the same one.
    private static func deduplicate(_ entries: [LedgerEntry]) -> [String: LedgerEntry] {
        var byId: [String: LedgerEntry] = [:]
        for entry in entries {
            if let existing = byId[entry.id], existing == entry || !contentKey(entry).lexicographicallyPrecedes(contentKey(existing)) {
                continue
            }
            byId[entry.id] = entry
        }
        return byId
    }

    /// Maps each duplicate mobile-money payment to its canonical entry (the smallest id) and records conflicts.
    private static func canonicalPayments(in valid: [String: LedgerEntry], conflicts: inout [LedgerConflict]) -> [String: String] {
        struct TransactionKey: Hashable {
            var method: PaymentMethod
            var reference: String
        }
        var groups: [TransactionKey: [LedgerEntry]] = [:]
        for entry in valid.values where entry.kind == .payment {
            guard let method = entry.method, method.requiresOperatorReference, let reference = entry.normalizedOperatorRef else { continue }
            groups[TransactionKey(method: method, reference: reference), default: []].append(entry)
        }
        var canonicalOf: [String: String] = [:]
        for (key, group) in groups where group.count > 1 {
            let sorted = group.sorted { $0.id < $1.id }
            guard let canonical = sorted.first else { continue }
            for duplicate in sorted.dropFirst() {
                canonicalOf[duplicate.id] = canonical.id
                let transaction = "\(key.method.labelFR) \(key.reference)"
                let (kind, message): (LedgerConflictKind, String) =
                    duplicate.amount == canonical.amount
                    ? (.duplicateTransaction, "Transaction \(transaction) enregistrée deux fois : comptée une seule fois")
                    : (
                        .duplicateTransactionAmountMismatch,
                        "Transaction \(transaction) enregistrée deux fois avec des montants différents "
                            + "(\(canonical.amount.formatted) et \(duplicate.amount.formatted)) : à vérifier"
                    )
                conflicts.append(LedgerConflict(entryId: duplicate.id, canonicalId: canonical.id, kind: kind, messageFR: message))
            }
        }
        return canonicalOf
    }

    private static func contentKey(_ entry: LedgerEntry) -> [String] {
        let optionals = [entry.invoiceId, entry.method?.rawValue, entry.operatorRef, entry.reversesEntryId]
        return [entry.requestId, entry.providerId, entry.kind.rawValue, String(entry.amount.francs), String(entry.hlc.packed), entry.originNode]
            + optionals.map { $0.map { "+" + $0 } ?? "-" }
    }
}
