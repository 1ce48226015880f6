import Foundation

/// How a client paid.
public enum PaymentMethod: String, CaseIterable, Codable, Sendable {
    case cash
    case mtnMomo = "mtn_momo"
    case orangeMoney = "orange_money"

    public var labelFR: String {
        switch self {
        case .cash: "Espèces"
        case .mtnMomo: "MTN MoMo"
        case .orangeMoney: "Orange Money"
        }
    }

    /// Mobile money carries the operator's transaction id, which identifies the payment across nodes.
    public var requiresOperatorReference: Bool {
        switch self {
        case .cash: false
        case .mtnMomo, .orangeMoney: true
        }
    }
}

/// What a ledger entry records.
public enum LedgerEntryKind: String, CaseIterable, Codable, Sendable {
    /// Money the client paid.
    case payment
    /// Djobea's commission on a completed mission (derived, see `CommissionRateTable`).
    case commission
    /// A correction that cancels the entry it names.
    case reversal
}
