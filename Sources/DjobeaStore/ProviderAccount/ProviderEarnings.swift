import DjobeaDomain
import Foundation

/// A provider's earnings over the current calendar period (`GET /provider/finance/earnings/{period}`).
///
/// Every amount comes from one `PaymentLedger.fold` of the provider's ledger: a mobile-money transaction recorded
/// twice counts once, reversals are deducted when recorded, reversals waiting for their original are not counted.
/// The splits (by service, client, method) add up to `gross` exactly (clients: before the top-10 cut).
public struct ProviderEarnings: Codable, Sendable, Hashable {
    /// A commission rate version applied to missions whose commission was recorded in the period.
    public struct AppliedRate: Codable, Sendable, Hashable {
        public var rateId: String
        public var basisPoints: Int
        /// "15 %".
        public var percentLabel: String
        /// The level the version is for; nil for every level.
        public var level: String?
        public var effectiveFrom: String
        public var missions: Int
        public var commission: Int
        public var commissionLabel: String
    }

    public struct ServiceEarnings: Codable, Sendable, Hashable {
        public var serviceCode: String
        public var serviceName: String
        public var gross: Int
        public var grossLabel: String
        public var commission: Int
        public var commissionLabel: String
        public var net: Int
        public var netLabel: String
        /// Requests with money received or commission recorded in the period.
        public var missions: Int
    }

    public struct ClientEarnings: Codable, Sendable, Hashable {
        public var clientId: String
        public var clientName: String
        public var gross: Int
        public var grossLabel: String
        public var missions: Int
    }

    public struct MethodEarnings: Codable, Sendable, Hashable {
        public var method: String
        public var methodLabel: String
        public var amount: Int
        public var amountLabel: String
    }

    /// A completed mission whose invoice is not fully paid (whatever the period).
    public struct PendingPayment: Codable, Sendable, Hashable {
        public var requestId: String
        public var invoiceId: String
        public var invoiceNumber: String
        public var clientName: String
        public var serviceName: String
        public var completedAt: String?
        public var total: Int
        public var totalLabel: String
        public var paid: Int
        public var paidLabel: String
        public var amountDue: Int
        public var amountDueLabel: String
        public var dueAt: String
        /// Local days since the due date; 0 while not yet due.
        public var daysLate: Int
        public var status: String
        public var statusLabel: String
    }

    /// A canonical payment or a reversal of one, as the history lists it.
    public struct PaymentRecord: Codable, Sendable, Hashable {
        public var entryId: String
        /// "payment" or "reversal".
        public var kind: String
        public var kindLabel: String
        /// For a reversal, the method of the payment it reverses; nil while that payment has not arrived.
        public var method: String?
        public var methodLabel: String?
        public var operatorRef: String?
        /// Signed: what the entry adds to the total (a reversal is negative, a pending one 0).
        public var amount: Int
        public var amountLabel: String
        /// Whether the amount is counted; false for a reversal waiting for its original.
        public var counted: Bool
        /// A payment later reversed.
        public var reversed: Bool
        public var noteFR: String?
        public var recordedAt: String
        public var requestId: String
        public var invoiceId: String?
        public var invoiceNumber: String?
        public var clientName: String
        public var serviceName: String
    }

    public struct PaymentHistory: Codable, Sendable, Hashable {
        public var page: Int
        public var pageSize: Int
        public var totalItems: Int
        public var totalPages: Int
        /// Newest first.
        public var items: [PaymentRecord]
    }

    public struct Comparison: Codable, Sendable, Hashable {
        public var previous: PeriodRange
        public var gross: Int
        public var grossLabel: String
        public var commission: Int
        public var commissionLabel: String
        public var net: Int
        public var netLabel: String
        /// The previous period up to the same point (as far into it as now is into the current one).
        public var grossToDate: Int
        public var grossToDateLabel: String
        /// Current gross minus the previous period's whole gross.
        public var grossChange: Int
        public var grossChangeLabel: String
        /// `grossChange` over the previous gross, in percent rounded to 0.1; nil when the previous gross is 0.
        public var grossChangePercent: Double?
    }

    public var range: PeriodRange
    public var gross: Int
    public var grossLabel: String
    public var commission: Int
    public var commissionLabel: String
    public var net: Int
    public var netLabel: String
    public var commissionRates: [AppliedRate]
    /// Largest gross first.
    public var byService: [ServiceEarnings]
    /// The ten clients who paid most in the period.
    public var topClients: [ClientEarnings]
    public var byMethod: [MethodEarnings]
    /// Most days late first.
    public var pendingPayments: [PendingPayment]
    public var pendingTotal: Int
    public var pendingTotalLabel: String
    public var paymentHistory: PaymentHistory
    public var comparison: Comparison
}
