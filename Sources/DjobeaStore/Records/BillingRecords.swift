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

    public enum Columns: String, CodingKey, ColumnExpression, CaseIterable, Sendable {
        case id
        case requestId = "request_id"
        case providerId = "provider_id"
        case number
        case status
        case total
        case createdAt = "created_at"
        case validUntil = "valid_until"
    }
    typealias CodingKeys = Columns
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
}
