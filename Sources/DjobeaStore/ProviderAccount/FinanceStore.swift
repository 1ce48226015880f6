import DjobeaDomain
import Foundation
import GRDB

/// A provider's money and activity figures: earnings, invoices, charts, the dashboard.
public struct FinanceStore: Sendable {
    public let database: NodeDatabase

    public init(_ database: NodeDatabase) {
        self.database = database
    }

    /// `GET /provider/finance/earnings/{period}`.
    public func earnings(providerId: String, period: EarningsPeriod, now: Date = Date(), historyPage: Int = 1) async throws
        -> ProviderEarnings
    {
        try await database.read { db in
            try ProviderFinance.earnings(providerId: providerId, period: period, now: now, historyPage: historyPage, in: db)
        }
    }

    /// `GET /provider/finance/earnings/custom?from=…&to=…`.
    public func earnings(providerId: String, days: StatementPeriod, now: Date = Date(), historyPage: Int = 1) async throws
        -> ProviderEarnings
    {
        try await database.read { db in
            try ProviderFinance.earnings(providerId: providerId, days: days, now: now, historyPage: historyPage, in: db)
        }
    }

    /// `GET /provider/finance/export/{format}`.
    public func statement(providerId: String, period: StatementPeriod) async throws -> ProviderStatement {
        try await database.read { db in try ProviderFinance.statement(providerId: providerId, period: period, in: db) }
    }

    /// `GET /provider/finance/invoices/{invoice_id}/pdf`: nil when the invoice is not the provider's.
    public func invoiceDocument(providerId: String, invoiceId: String, now: Date = Date()) async throws -> ProviderInvoiceDocument? {
        try await database.read { db in try ProviderFinance.invoiceDocument(providerId: providerId, invoiceId: invoiceId, now: now, in: db) }
    }

    /// `GET /provider/finance/invoices`.
    public func invoices(
        providerId: String, status: InvoiceStatus? = nil, page: Int = 1, pageSize: Int = ProviderFinance.defaultPageSize, now: Date = Date()
    ) async throws -> ProviderInvoicePage {
        try await database.read { db in
            try ProviderFinance.invoices(providerId: providerId, status: status, page: page, pageSize: pageSize, now: now, in: db)
        }
    }

    /// `GET /provider/dashboard/chart-data/{period}`.
    public func chartData(providerId: String, period: ChartPeriod, now: Date = Date()) async throws -> ProviderChartData {
        try await database.read { db in try ProviderCharts.chartData(providerId: providerId, period: period, now: now, in: db) }
    }

    /// `GET /provider/finance/goal`: the goal of `month` (default: the current Douala month), progress, projection, advice.
    public func goal(providerId: String, month: CalendarMonth? = nil, now: Date = Date()) async throws -> ProviderGoalView {
        try await database.read { db in try ProviderGoals.view(providerId: providerId, month: month, now: now, in: db) }
    }

    /// `PUT /provider/finance/goal`: sets one month's goal through the change log; answers that month's view.
    public func setGoal(providerId: String, change: GoalChange, now: Date = Date()) async throws -> ProviderGoalView {
        try await database.write(now: now) { tx in try ProviderGoals.setGoal(providerId: providerId, change: change, in: tx) }
    }

    /// The dashboard of one provider at `now`.
    public func dashboard(providerId: String, now: Date = Date()) async throws -> ProviderDashboard {
        try await database.read { db in try ProviderDashboardQuery.compute(providerId: providerId, now: now, in: db) }
    }
}
