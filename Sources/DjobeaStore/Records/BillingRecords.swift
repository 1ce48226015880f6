import DjobeaDomain
import GRDB

/// A row of `quote_templates`.
public struct QuoteTemplateRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.quoteTemplates

    public var id: String
    public var serviceId: String
    public var providerId: String?
    public var title: String
    /// JSON.
    public var lines: String

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case serviceId = "service_id"
        case providerId = "provider_id"
        case title
        case lines
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, serviceId: String, providerId: String? = nil, title: String, lines: String
    ) {
        self.id = id
        self.serviceId = serviceId
        self.providerId = providerId
        self.title = title
        self.lines = lines
    }
}

/// A row of `quotes`.
public struct QuoteRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.quotes

    public var id: String
    public var requestId: String
    public var providerId: String
    public var number: String
    public var status: QuoteStatus
    /// Francs.
    public var total: Int64
    public var createdAt: String
    public var validUntil: String
    public var sentAt: String?
    public var decidedAt: String?
    /// The name the client typed to accept or refuse (their signature).
    public var decidedByName: String?
    /// The random token of the client page's URL.
    public var publicToken: String?
    /// The invoice the quote became.
    public var invoiceId: String?

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case requestId = "request_id"
        case providerId = "provider_id"
        case number
        case status
        case total
        case createdAt = "created_at"
        case validUntil = "valid_until"
        case sentAt = "sent_at"
        case decidedAt = "decided_at"
        case decidedByName = "decided_by_name"
        case publicToken = "public_token"
        case invoiceId = "invoice_id"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, requestId: String, providerId: String, number: String, status: QuoteStatus, total: Int64, createdAt: String, validUntil: String,
        sentAt: String? = nil, decidedAt: String? = nil, decidedByName: String? = nil, publicToken: String? = nil, invoiceId: String? = nil
    ) {
        self.id = id
        self.requestId = requestId
        self.providerId = providerId
        self.number = number
        self.status = status
        self.total = total
        self.createdAt = createdAt
        self.validUntil = validUntil
        self.sentAt = sentAt
        self.decidedAt = decidedAt
        self.decidedByName = decidedByName
        self.publicToken = publicToken
        self.invoiceId = invoiceId
    }
}

/// A row of `quote_lines`.
public struct QuoteLineRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.quoteLines

    public var id: String
    public var quoteId: String
    public var kind: BillingLineKind
    public var label: String
    public var quantity: Int64
    /// Francs.
    public var unitPrice: Int64
    public var lineOrder: Int64

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case quoteId = "quote_id"
        case kind
        case label
        case quantity
        case unitPrice = "unit_price"
        case lineOrder = "line_order"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, quoteId: String, kind: BillingLineKind, label: String, quantity: Int64, unitPrice: Int64, lineOrder: Int64
    ) {
        self.id = id
        self.quoteId = quoteId
        self.kind = kind
        self.label = label
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.lineOrder = lineOrder
    }
}

/// A row of `invoice_lines`.
public struct InvoiceLineRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.invoiceLines

    public var id: String
    public var invoiceId: String
    public var kind: BillingLineKind
    public var label: String
    public var quantity: Int64
    /// Francs.
    public var unitPrice: Int64
    public var lineOrder: Int64

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case invoiceId = "invoice_id"
        case kind
        case label
        case quantity
        case unitPrice = "unit_price"
        case lineOrder = "line_order"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, invoiceId: String, kind: BillingLineKind, label: String, quantity: Int64, unitPrice: Int64, lineOrder: Int64
    ) {
        self.id = id
        self.invoiceId = invoiceId
        self.kind = kind
        self.label = label
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.lineOrder = lineOrder
    }
}

/// A row of `payment_reminders`: a reminder sent for an unpaid invoice.
public struct PaymentReminderRecord: MutableSyncedRecord, Codable, Hashable {
    public static let syncedTable = SyncedTable.paymentReminders

    public var id: String
    public var invoiceId: String
    public var channel: MessageChannel
    public var sentAt: String
    public var messageId: String?

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case invoiceId = "invoice_id"
        case channel
        case sentAt = "sent_at"
        case messageId = "message_id"
    }
    typealias CodingKeys = Columns
    /// Every column; the optional ones default to NULL (public: the demo generator and the benches write records too).
    public init(
        id: String, invoiceId: String, channel: MessageChannel, sentAt: String, messageId: String? = nil
    ) {
        self.id = id
        self.invoiceId = invoiceId
        self.channel = channel
        self.sentAt = sentAt
        self.messageId = messageId
    }
}
