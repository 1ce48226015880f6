import Foundation

/// One append-only line of the payment ledger: never updated or deleted (CONFLICTS.md rule 7).
public struct LedgerEntry: Hashable, Codable, Sendable {
    public var id: String
    public var requestId: String
    public var providerId: String
    public var invoiceId: String?
    public var kind: LedgerEntryKind
    /// Required for payments.
    public var method: PaymentMethod?
    /// The operator's transaction id (MTN MoMo financialTransactionId, Orange Money txnid).
    public var operatorRef: String?
    /// Always > 0; a reversal carries the amount it takes back.
    public var amount: XAF
    /// For reversals: the id of the entry reversed.
    public var reversesEntryId: String?
    public var hlc: HLC
    public var originNode: String

    public init(
        id: String, requestId: String, providerId: String, invoiceId: String? = nil, kind: LedgerEntryKind,
        method: PaymentMethod? = nil, operatorRef: String? = nil, amount: XAF, reversesEntryId: String? = nil,
        hlc: HLC, originNode: String
    ) {
        self.id = id
        self.requestId = requestId
        self.providerId = providerId
        self.invoiceId = invoiceId
        self.kind = kind
        self.method = method
        self.operatorRef = operatorRef
        self.amount = amount
        self.reversesEntryId = reversesEntryId
        self.hlc = hlc
        self.originNode = originNode
    }

    /// The operator reference without surrounding whitespace, nil when empty.
    public var normalizedOperatorRef: String? {
        guard let trimmed = operatorRef?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }
}

/// Why an entry is refused at the edge (CONFLICTS.md rule 11).
public enum LedgerValidationError: Error, Equatable, Sendable, LocalizedError {
    case nonPositiveAmount
    case missingOperatorReference
    case reversalWithoutTarget
    case missingPaymentMethod
    case missingIdentifier
    case reversalOfItself
    /// A payment or commission that names an entry to reverse.
    case unexpectedReversalTarget

    public var messageFR: String {
        switch self {
        case .nonPositiveAmount: "Le montant doit être un nombre entier de francs CFA supérieur à zéro"
        case .missingOperatorReference: "La référence de la transaction Mobile Money est obligatoire"
        case .reversalWithoutTarget: "Une correction doit indiquer l'écriture qu'elle annule"
        case .missingPaymentMethod: "Le moyen de paiement est obligatoire"
        case .missingIdentifier: "Identifiant, demande ou prestataire manquant"
        case .reversalOfItself: "Une correction ne peut pas s'annuler elle-même"
        case .unexpectedReversalTarget: "Seule une correction peut indiquer une écriture à annuler"
        }
    }

    public var errorDescription: String? { messageFR }
}
