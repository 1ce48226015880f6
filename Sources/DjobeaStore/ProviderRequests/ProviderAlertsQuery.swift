import DjobeaDomain
import Foundation
import GRDB

/// The dashboard's alerts (seed §2 "Alertes et notifications"), derived from the offers and the ledger.
public struct ProviderAlerts: Codable, Sendable, Hashable {
    /// An open offer (pending, unexpired) that needs the provider's attention.
    public struct OfferAlert: Codable, Sendable, Hashable {
        public var offerId: String
        public var requestId: String
        public var title: String
        public var service: CodeName
        public var zone: CodeName
        public var urgency: CodeLabel
        public var offeredAt: String
        /// "il y a 35 min".
        public var offeredAgo: String
        public var expiresAt: String
        public var unseen: Bool
    }

    /// A payment received (canonical, net of its reversals).
    public struct PaymentAlert: Codable, Sendable, Hashable {
        public var entryId: String
        public var requestId: String
        public var title: String
        /// Integer francs CFA.
        public var amount: Int
        public var amountLabel: String
        public var method: String
        public var methodLabel: String
        public var receivedAt: String
        public var receivedAgo: String
    }

    /// An unseen row of the `notifications` table that is not derived here (system, invoice_late, absence).
    public struct NotificationAlert: Codable, Sendable, Hashable {
        public var id: String
        public var kind: String
        public var requestId: String?
        public var title: String
        public var body: String
        public var createdAt: String
    }

    /// The badge: distinct open offers that are unseen, urgent or waiting, plus unseen notifications. Payments are
    /// listed for 7 days but not counted: they need no action.
    public var count: Int
    public var unseenNewCount: Int
    public var urgentCount: Int
    public var waitingCount: Int
    public var paymentsCount: Int
    public var paymentsTotal: Int
    public var paymentsTotalLabel: String
    /// Open offers the provider has not opened, newest first.
    public var newRequests: [OfferAlert]
    /// Open offers of urgent requests, seen or not.
    public var urgent: [OfferAlert]
    /// Open offers waiting more than 30 minutes for an answer.
    public var waiting: [OfferAlert]
    /// Payments received in the last 7 days, newest first.
    public var payments: [PaymentAlert]
    public var notifications: [NotificationAlert]
}

public enum ProviderAlertsQuery {
    /// An offer unanswered for longer than this is a reminder (seed: "> 30 min").
    public static let waitingThreshold: TimeInterval = 30 * 60
    public static let paymentWindow: TimeInterval = 7 * 86_400

    /// The alerts of `providerId` at `now`.
    public static func notifications(providerId: String, now: Date, in db: Database) throws -> ProviderAlerts {
        var open: [ProviderAlerts.OfferAlert] = []
        if DjobeaID.isValid(providerId) {
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (\(ProviderRequestAccess.visibleSQL)) WHERE view_status = \(RequestStatus.nouvelle.sqlLiteral)
                    ORDER BY offered_at DESC, id DESC
                    """,
                arguments: ["provider": providerId, "now": UTCTimestamp.format(now)])
            for row in rows {
                let context = try ProviderRequestAccess.context(from: row, providerId: providerId)
                guard context.offerIsOpen, let offer = context.offer else { continue }
                let offeredAt = UTCTimestamp.parse(offer.offeredAt) ?? now
                open.append(
                    ProviderAlerts.OfferAlert(
                        offerId: offer.id, requestId: context.requestId, title: context.title, service: context.service, zone: context.zone,
                        urgency: CodeLabel(code: context.urgency.rawValue, label: context.urgency.labelFR), offeredAt: offer.offeredAt,
                        offeredAgo: ProviderRequestWording.ago(offeredAt, now: now), expiresAt: offer.expiresAt, unseen: offer.seenAt == nil))
            }
        }
        let waitingBefore = UTCTimestamp.format(now.addingTimeInterval(-waitingThreshold))
        let unseen = open.filter(\.unseen)
        let urgent = open.filter { $0.urgency.code == Urgency.urgent.rawValue }
        let waiting = open.filter { $0.offeredAt <= waitingBefore }
        let payments = try recentPayments(providerId: providerId, now: now, in: db)
        // Offers and payments have their own lists; the other notifications are listed as such.
        let listedElsewhere: [NotificationKind] = [.newRequest, .urgentRequest, .offerWaiting, .paymentReceived]
        let notifications = try NotificationRecord.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT * FROM notifications
                    WHERE provider_id = ? AND seen_at IS NULL AND created_at <= ? AND kind NOT IN (?, ?, ?, ?)
                    ORDER BY created_at DESC, id DESC LIMIT 50
                    """), arguments: StatementArguments([providerId, UTCTimestamp.format(now)] + listedElsewhere.map(\.rawValue))
        ).map { notification in
            ProviderAlerts.NotificationAlert(
                id: notification.id, kind: notification.kind.rawValue, requestId: notification.requestId, title: notification.title,
                body: notification.body, createdAt: notification.createdAt)
        }
        let attention = Set((unseen + urgent + waiting).map(\.offerId))
        let total = payments.map(\.amount).reduce(0, +)
        return ProviderAlerts(
            count: attention.count + notifications.count, unseenNewCount: unseen.count, urgentCount: urgent.count,
            waitingCount: waiting.count, paymentsCount: payments.count, paymentsTotal: total, paymentsTotalLabel: XAF(total).formatted,
            newRequests: unseen, urgent: urgent, waiting: waiting, payments: payments, notifications: notifications)
    }

    /// Canonical payments recorded in the last 7 days, each net of its reversals; duplicates of one operator
    /// transaction count once (`PaymentLedger.fold` over every entry of the requests concerned).
    static func recentPayments(providerId: String, now: Date, in db: Database) throws -> [ProviderAlerts.PaymentAlert] {
        let since = UTCTimestamp.format(now.addingTimeInterval(-paymentWindow))
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT l.*, r.title FROM ledger_entries l JOIN service_requests r ON r.id = l.request_id
                    WHERE l.provider_id = :provider AND l.request_id IN (
                        SELECT request_id FROM ledger_entries WHERE provider_id = :provider AND recorded_at >= :since AND recorded_at <= :now)
                    """), arguments: ["provider": providerId, "since": since, "now": UTCTimestamp.format(now)])
        var entries: [String: (entry: LedgerEntry, at: String, title: String)] = [:]
        for row in rows {
            let entry = try LedgerReads.entry(from: row)
            entries[entry.id] = (entry, row["recorded_at"], row["title"])
        }
        let balance = PaymentLedger.fold(entries.values.map(\.entry))
        var reversed: [String: XAF] = [:]
        for (entry, _, _) in entries.values where entry.kind == .reversal {
            guard let target = entry.reversesEntryId, let effect = balance.effects[entry.id] else { continue }
            reversed[target, default: .zero] += .zero - effect.paid
        }
        let nowText = UTCTimestamp.format(now)
        return balance.canonicalPaymentIds.compactMap { id -> ProviderAlerts.PaymentAlert? in
            guard let found = entries[id], found.at >= since, found.at <= nowText, let method = found.entry.method else { return nil }
            let (entry, at, title) = found
            let amount = entry.amount - (reversed[id] ?? .zero)
            guard amount > .zero else { return nil }
            return ProviderAlerts.PaymentAlert(
                entryId: id, requestId: entry.requestId, title: title, amount: amount.francs, amountLabel: amount.formatted,
                method: method.rawValue, methodLabel: method.labelFR, receivedAt: at,
                receivedAgo: ProviderRequestWording.ago(UTCTimestamp.parse(at) ?? now, now: now))
        }.sorted { ($0.receivedAt, $0.entryId) > ($1.receivedAt, $1.entryId) }
    }

    /// Marks offers and notifications of `providerId` as seen; ids of anything else are ignored, exactly like
    /// unknown ids. Opening an offer also marks its request's offer notifications.
    ///
    /// - Returns: how many rows changed.
    public static func markSeen(providerId: String, offerIds: [String], notificationIds: [String], in tx: SyncedTransaction) throws -> Int {
        guard offerIds.count <= 200, notificationIds.count <= 200 else {
            throw ProviderRequestError.invalid("ids", "Trop d'identifiants : 200 au plus")
        }
        var changed = 0
        let seen = UTCTimestamp.format(tx.now)
        let offerKinds: [NotificationKind] = [.newRequest, .urgentRequest]
        for id in Set(offerIds) where DjobeaID.isValid(id) {
            guard
                var offer = try RequestOfferRecord.fetchOne(
                    tx.db, sql: "SELECT * FROM request_offers WHERE id = ? AND provider_id = ? AND seen_at IS NULL", arguments: [id, providerId])
            else { continue }
            offer.seenAt = seen
            try tx.update(offer, columns: [.seenAt])
            changed += 1
            let related = try NotificationRecord.fetchAll(
                tx.db,
                sql: """
                    SELECT * FROM notifications WHERE provider_id = ? AND request_id = ? AND seen_at IS NULL AND kind IN (?, ?) ORDER BY id
                    """, arguments: StatementArguments([providerId, offer.requestId] + offerKinds.map(\.rawValue)))
            for var notification in related {
                notification.seenAt = seen
                try tx.update(notification, columns: [.seenAt])
            }
        }
        for id in Set(notificationIds) where DjobeaID.isValid(id) {
            guard
                var notification = try NotificationRecord.fetchOne(
                    tx.db, sql: "SELECT * FROM notifications WHERE id = ? AND provider_id = ? AND seen_at IS NULL", arguments: [id, providerId])
            else { continue }
            notification.seenAt = seen
            try tx.update(notification, columns: [.seenAt])
            changed += 1
        }
        return changed
    }
}

extension ProviderRequestCommands {
    /// Marks offers and notifications seen (see `ProviderAlertsQuery.markSeen`); returns how many rows changed.
    public func markSeen(providerId: String, offerIds: [String] = [], notificationIds: [String] = [], now: Date = Date()) async throws -> Int {
        try await database.write(now: now) { tx in
            try ProviderAlertsQuery.markSeen(providerId: providerId, offerIds: offerIds, notificationIds: notificationIds, in: tx)
        }
    }
}
