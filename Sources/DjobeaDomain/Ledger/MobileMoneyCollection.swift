/// A mobile money collection: the client is asked by their operator (MTN MoMo or Orange Money) to approve a payment to
/// Djobea for an invoice. Started at the hub by the provider (or at the gateway by the client's link); the default
/// gateway (central) talks to the operator; the outcome travels back in the synced `collections` row, and a successful
/// one becomes a ledger payment carrying the operator's transaction id.
public enum CollectionStatus: String, Sendable, Codable, CaseIterable {
    case pending, successful, failed

    public var labelFR: String {
        switch self {
        case .pending: "En attente de validation par le client"
        case .successful: "Paiement reçu"
        case .failed: "Paiement échoué"
        }
    }
}

/// The operators a collection can go through (a subset of `PaymentMethod`).
public enum CollectionMethod: String, Sendable, Codable, CaseIterable {
    case mtnMomo = "mtn_momo"
    case orangeMoney = "orange_money"

    public var paymentMethod: PaymentMethod {
        switch self {
        case .mtnMomo: .mtnMomo
        case .orangeMoney: .orangeMoney
        }
    }

    public var labelFR: String {
        switch self {
        case .mtnMomo: "MTN MoMo"
        case .orangeMoney: "Orange Money"
        }
    }
}

/// Why a collection failed, in words a provider can act on. Operator codes (MTN's `reason`, Orange's status) and our
/// own (`timeout`, `refused`) map to one French sentence; unknown codes keep a generic sentence with the code.
public enum CollectionFailure {
    /// The gateway gave up waiting for an answer: the client never approved, or the operator never said.
    public static let timeout = "timeout"
    /// The operator refused the request itself (bad number, account not allowed…) before prompting the client.
    public static let refused = "refused"

    public static func labelFR(_ code: String?) -> String {
        switch code?.uppercased() {
        case nil: "Raison inconnue"
        case "PAYER_NOT_FOUND", "PAYER_NOT_FOUND_OR_INACTIVE", "INVALID_MSISDN":
            "Ce numéro n'a pas de compte mobile money actif chez cet opérateur"
        case "NOT_ENOUGH_FUNDS", "INSUFFICIENT_FUNDS", "LOW_BALANCE": "Solde insuffisant sur le compte du client"
        case "APPROVAL_REJECTED", "REJECTED", "CANCELLED", "TRANSACTION_CANCELED": "Le client a refusé le paiement"
        case "EXPIRED": "Le client n'a pas validé à temps : la demande a expiré"
        case "TIMEOUT": "Pas de réponse de l'opérateur à temps : vérifiez avec le client avant de relancer"
        case "REFUSED": "L'opérateur a refusé la demande"
        case "PAYEE_NOT_ALLOWED_TO_RECEIVE", "NOT_ALLOWED", "NOT_ALLOWED_TARGET_ENVIRONMENT":
            "Le compte marchand de Djobea ne peut pas recevoir ce paiement : prévenez le support"
        case "INTERNAL_PROCESSING_ERROR", "COULD_NOT_PERFORM_TRANSACTION", "SERVICE_UNAVAILABLE":
            "Erreur chez l'opérateur : réessayez dans quelques minutes"
        case "PAYER_LIMIT_REACHED", "LIMIT_EXCEEDED": "Le client a atteint sa limite de paiement"
        case let other?: "Paiement refusé par l'opérateur (\(other))"
        }
    }
}

/// The deterministic ids of a collection: the operator's reference and the ledger payment it becomes.
public enum CollectionReference {
    /// The operator's reference of attempt `attempt` to collect invoice `invoiceId`: a UUID of version 4's shape (what
    /// MTN's `X-Reference-Id` asks for), derived rather than drawn, so that every node starting the same attempt and
    /// every retry of it name the same request at the operator, which then takes it once.
    public static func derive(invoiceId: String, attempt: Int) -> String {
        var characters = Array(DjobeaID.derived(namespace: "collection", name: "\(invoiceId):\(attempt)"))
        characters[14] = "4"
        return String(characters)
    }

    /// The id of the ledger payment a successful collection becomes: one per reference, whichever node or process
    /// records it, however often.
    public static func paymentEntryId(reference: String) -> String {
        DjobeaID.derived(namespace: "collection-payment", name: reference)
    }
}
