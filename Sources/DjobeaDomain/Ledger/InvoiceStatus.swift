import Foundation

/// An invoice's payment status, always derived from its total and the ledger, never stored.
public enum InvoiceStatus: String, CaseIterable, Codable, Sendable {
    /// Made, not yet sent: the provider may still edit it; it has no number yet, nothing is owed, no reminder goes.
    case brouillon
    case envoyee
    case partielle
    case payee
    case surpayee
    case enRetard = "en_retard"

    public var labelFR: String {
        switch self {
        case .brouillon: "Brouillon"
        case .envoyee: "Envoyée"
        case .partielle: "Partiellement payée"
        case .payee: "Payée"
        case .surpayee: "Surpayée"
        case .enRetard: "En retard"
        }
    }

    /// An overpayment is an alert for ops, not a merge conflict (CONFLICTS.md rule 9).
    public var needsOpsAlert: Bool { self == .surpayee }

    /// The status of an invoice of `total` with `paid` received and `credited` by credit notes (avoirs), as of `now`.
    ///
    /// What the client owes is `total − credited`: overpaid beats paid; an invoice not fully paid after `dueAt` is
    /// late, partly paid or not. An invoice not yet sent is a draft whatever was paid.
    public static func derive(total: XAF, paid: XAF, credited: XAF = .zero, dueAt: Date, now: Date, sent: Bool = true) -> InvoiceStatus {
        if !sent { return .brouillon }
        let owed = max(.zero, total - credited)
        if paid > owed { return .surpayee }
        if paid == owed { return .payee }
        if now > dueAt { return .enRetard }
        return paid > .zero ? .partielle : .envoyee
    }

    /// What remains to pay (`total − credited − paid`), never negative.
    public static func amountDue(total: XAF, paid: XAF, credited: XAF = .zero) -> XAF {
        max(.zero, total - credited - paid)
    }
}
