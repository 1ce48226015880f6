import DjobeaDomain
import GRDB

/// A row of `invoices`. Its status (sent, paid, partial, late, overpaid) is derived from the ledger, never stored.
public struct InvoiceRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.invoices

    public var id: String
    public var requestId: String
    public var providerId: String
    public var clientId: String
    public var number: String
    /// Francs.
    public var total: Int64
    public var issuedAt: String
    public var dueAt: String
    public var sentAt: String?
    /// The random token of the client page's URL (`/c/{token}`).
    public var publicToken: String?

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case requestId = "request_id"
        case providerId = "provider_id"
        case clientId = "client_id"
        case number, total
        case issuedAt = "issued_at"
        case dueAt = "due_at"
        case sentAt = "sent_at"
        case publicToken = "public_token"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, requestId: String, providerId: String, clientId: String, number: String, total: Int64, issuedAt: String, dueAt: String,
        sentAt: String? = nil, publicToken: String? = nil
    ) {
        self.id = id
        self.requestId = requestId
        self.providerId = providerId
        self.clientId = clientId
        self.number = number
        self.total = total
        self.issuedAt = issuedAt
        self.dueAt = dueAt
        self.sentAt = sentAt
        self.publicToken = publicToken
    }
}

/// A row of `ledger_entries`, append-only: a payment, a commission or a reversal naming its original.
public struct LedgerEntryRecord: SyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.ledgerEntries

    public var id: String
    public var requestId: String
    public var providerId: String
    public var invoiceId: String?
    public var kind: LedgerEntryKind
    public var method: PaymentMethod?
    public var operatorRef: String?
    /// Francs, positive.
    public var amount: Int64
    public var reversesEntryId: String?
    public var rateId: String?
    /// Packed HLC.
    public var hlc: Int64
    public var originNode: String
    public var recordedAt: String
    public var recordedByRole: ActorRole

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case requestId = "request_id"
        case providerId = "provider_id"
        case invoiceId = "invoice_id"
        case kind, method
        case operatorRef = "operator_ref"
        case amount
        case reversesEntryId = "reverses_entry_id"
        case rateId = "rate_id"
        case hlc
        case originNode = "origin_node"
        case recordedAt = "recorded_at"
        case recordedByRole = "recorded_by_role"
    }
    typealias CodingKeys = Columns
}

/// A row of `collections`: a mobile money collection of an invoice (SPEC.md §4.9).
public struct CollectionRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.collections

    public var id: String
    public var requestId: String
    public var providerId: String
    public var invoiceId: String
    public var method: CollectionMethod
    /// E.164.
    public var payerPhone: String
    /// Francs.
    public var amount: Int64
    public var attempt: Int64
    /// The operator's reference (MTN's `X-Reference-Id`, Orange's order id): derived from the invoice and the attempt.
    public var reference: String
    public var status: CollectionStatus
    public var failureCode: String?
    public var operatorTransactionId: String?
    public var ledgerEntryId: String?
    public var requestedByRole: ActorRole
    public var createdAt: String
    public var updatedAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case requestId = "request_id"
        case providerId = "provider_id"
        case invoiceId = "invoice_id"
        case method
        case payerPhone = "payer_phone"
        case amount, attempt, reference, status
        case failureCode = "failure_code"
        case operatorTransactionId = "operator_transaction_id"
        case ledgerEntryId = "ledger_entry_id"
        case requestedByRole = "requested_by_role"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL.
    public init(
        id: String, requestId: String, providerId: String, invoiceId: String, method: CollectionMethod, payerPhone: String, amount: Int64,
        attempt: Int64, reference: String, status: CollectionStatus = .pending, failureCode: String? = nil,
        operatorTransactionId: String? = nil, ledgerEntryId: String? = nil, requestedByRole: ActorRole, createdAt: String, updatedAt: String
    ) {
        self.id = id
        self.requestId = requestId
        self.providerId = providerId
        self.invoiceId = invoiceId
        self.method = method
        self.payerPhone = payerPhone
        self.amount = amount
        self.attempt = attempt
        self.reference = reference
        self.status = status
        self.failureCode = failureCode
        self.operatorTransactionId = operatorTransactionId
        self.ledgerEntryId = ledgerEntryId
        self.requestedByRole = requestedByRole
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A row of `credit_notes`: a credit note (avoir) taken off a sent invoice (SPEC.md §4.8).
public struct CreditNoteRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.creditNotes

    public var id: String
    public var invoiceId: String
    public var requestId: String
    public var providerId: String
    /// "A-2026-0001": per provider and Douala year.
    public var number: String
    /// Francs, > 0.
    public var amount: Int64
    public var reason: String
    public var createdAt: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case invoiceId = "invoice_id"
        case requestId = "request_id"
        case providerId = "provider_id"
        case number, amount, reason
        case createdAt = "created_at"
    }
    typealias CodingKeys = Columns
    /// Every column.
    public init(
        id: String, invoiceId: String, requestId: String, providerId: String, number: String, amount: Int64, reason: String, createdAt: String
    ) {
        self.id = id
        self.invoiceId = invoiceId
        self.requestId = requestId
        self.providerId = providerId
        self.number = number
        self.amount = amount
        self.reason = reason
        self.createdAt = createdAt
    }
}
