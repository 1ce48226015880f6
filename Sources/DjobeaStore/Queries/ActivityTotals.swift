import DjobeaDomain
import Foundation
import GRDB

/// Whole-database totals of a node's activity: what a generated demo reports, what a benchmark checks.
public struct ActivityTotals: Sendable, Equatable {
    public var providers = 0
    public var clients = 0
    public var requests = 0
    public var offers = 0
    /// Requests by folded status (`missions.status`).
    public var statusCounts: [String: Int] = [:]
    public var invoices = 0
    public var payments = 0
    /// Francs received: payments minus reversals.
    public var paymentsTotal = 0
    public var commissionTotal = 0
    public var ratings = 0
    public var averageRating = 0.0
    public var messages = 0
    public var callLogs = 0
    public var notifications = 0
    public var unseenNotifications = 0
    public var photos = 0
    /// Change-log rows: every synced write.
    public var changes = 0
    /// The newest HLC in the change log (0 when empty).
    public var latestHLC: Int64 = 0

    /// The totals as `db` holds them now.
    public static func read(in db: Database) throws -> ActivityTotals {
        func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
        var totals = ActivityTotals()
        for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM missions GROUP BY status") {
            totals.statusCounts[row["status"]] = row["n"]
        }
        totals.providers = try count("SELECT count(*) FROM providers")
        totals.clients = try count("SELECT count(*) FROM clients")
        totals.requests = try count("SELECT count(*) FROM service_requests")
        totals.offers = try count("SELECT count(*) FROM request_offers")
        totals.invoices = try count("SELECT count(*) FROM invoices")
        totals.payments = try count("SELECT count(*) FROM ledger_entries WHERE kind = \(LedgerEntryKind.payment.sqlLiteral)")
        totals.paymentsTotal =
            try count("SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE kind = \(LedgerEntryKind.payment.sqlLiteral)")
            - count("SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE kind = \(LedgerEntryKind.reversal.sqlLiteral)")
        totals.commissionTotal = try count(
            "SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE kind = \(LedgerEntryKind.commission.sqlLiteral)")
        totals.ratings = try count("SELECT count(*) FROM ratings")
        totals.averageRating = try Double.fetchOne(db, sql: "SELECT coalesce(avg(stars), 0) FROM ratings") ?? 0
        totals.messages = try count("SELECT count(*) FROM messages")
        totals.callLogs = try count("SELECT count(*) FROM call_logs")
        totals.notifications = try count("SELECT count(*) FROM notifications")
        totals.unseenNotifications = try count("SELECT count(*) FROM notifications WHERE seen_at IS NULL")
        totals.photos = try count("SELECT count(*) FROM photos")
        totals.changes = try count("SELECT count(*) FROM change_log")
        totals.latestHLC = try Int64.fetchOne(db, sql: "SELECT coalesce(max(hlc), 0) FROM change_log") ?? 0
        return totals
    }

    /// Client messages the gateway handed to the outside service: one count, for a benchmark polling a running node.
    public static func messagesSent(in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM messages WHERE delivery_status = \(DeliveryStatus.sent.sqlLiteral)") ?? 0
    }
}

extension MetricsStore {
    /// The node's activity totals now.
    public func totals() async throws -> ActivityTotals {
        try await database.read { db in try ActivityTotals.read(in: db) }
    }
}
