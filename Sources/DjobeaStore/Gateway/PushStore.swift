import DjobeaDomain
import DjobeaReplication
import Foundation

/// One browser of a provider to push to.
public struct PushTarget: Sendable, Equatable {
    public var subscriptionId: String
    public var endpoint: String
    public var p256dh: String
    public var auth: String
}

/// One alert to push to a provider's browsers.
public struct PushWork: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case newOffer = "new_offer"
        case urgentOffer = "urgent_offer"
        case offerExpiring = "offer_expiring"
        case clientMessage = "client_message"
        case paymentReceived = "payment_received"
    }

    /// `o:<offer>`, `x:<offer>`, `m:<message>`, `p:<ledger entry>`: the key of the work in `gateway_work`.
    public var key: String
    public var kind: Kind
    public var providerId: String
    public var requestId: String
    /// Only what a lock screen may show: the request's title and zone, an amount; never a client's name or words.
    public var title: String
    public var body: String
    public var targets: [PushTarget]
    /// The provider's working hours (`provider_settings.working_hours`), nil for the default.
    public var workingHours: String?

    /// Whether this alert may wake the provider outside their working hours: an urgent offer or one about to expire
    /// is worth it; a message, a payment or an ordinary offer waits for the app.
    public var isUrgent: Bool { kind == .urgentOffer || kind == .offerExpiring }
}

/// Push subscriptions (synced, per provider and device) and the pushes the gateway owes.
public enum PushStore {
    /// Events older than this are not pushed any more (a gateway starting late must not replay the day).
    public static let freshness: TimeInterval = 15 * 60
    /// "Offer about to expire": pushed this long before the offer moves on.
    public static let expiringNotice: TimeInterval = 5 * 60
    /// A provider keeps at most this many browsers.
    public static let maxDevices = 10

    /// Stores (or replaces) the subscription of `deviceId`. An endpoint registered by another provider or device is
    /// taken from it: a phone handed over must not show the previous provider's alerts.
    @discardableResult
    public static func subscribe(
        providerId: String, deviceId: String, endpoint: String, p256dh: String, auth: String, gatewayNode: String?, in tx: any ChangeLoggedWrites
    ) throws -> String {
        let db = tx.connection
        for other in try db.records(
            PushSubscriptionRecord.self, "SELECT * FROM push_subscriptions WHERE endpoint = ? AND NOT (provider_id = ? AND device_id = ?)",
            [.text(endpoint), .text(providerId), .text(deviceId)])
        {
            try tx.delete(other)
        }
        let now = UTCTimestamp.format(tx.now)
        if var existing = try db.record(
            PushSubscriptionRecord.self, "SELECT * FROM push_subscriptions WHERE provider_id = ? AND device_id = ?",
            [.text(providerId), .text(deviceId)])
        {
            if existing.endpoint == endpoint {
                existing.p256dh = p256dh
                existing.auth = auth
                existing.gatewayNode = gatewayNode
                existing.updatedAt = now
                try tx.update(existing, columns: [.p256dh, .auth, .gatewayNode, .updatedAt])
                return existing.id
            }
            // A new endpoint is a new row: a "gone" answer about the old endpoint, deleting the old row by sync, must not
            // take the new subscription with it (a delete wins over updates, rule 13).
            try tx.delete(existing)
        }
        let count = try db.firstInteger("SELECT count(*) FROM push_subscriptions WHERE provider_id = ?", [.text(providerId)]) ?? 0
        if count >= maxDevices,
            let oldest = try db.record(
                PushSubscriptionRecord.self, "SELECT * FROM push_subscriptions WHERE provider_id = ? ORDER BY updated_at LIMIT 1", [.text(providerId)]
            )
        {
            try tx.delete(oldest)
        }
        return try tx.insert(
            PushSubscriptionRecord(
                id: DjobeaID.v7(now: tx.now), providerId: providerId, deviceId: deviceId, endpoint: endpoint, p256dh: p256dh, auth: auth,
                gatewayNode: gatewayNode, createdAt: now, updatedAt: now))
    }

    /// Removes the subscription of one device; false when there was none.
    @discardableResult
    public static func unsubscribe(providerId: String, deviceId: String, in tx: any ChangeLoggedWrites) throws -> Bool {
        let subscriptions = try tx.connection.records(
            PushSubscriptionRecord.self, "SELECT * FROM push_subscriptions WHERE provider_id = ? AND device_id = ?",
            [.text(providerId), .text(deviceId)])
        for subscription in subscriptions { try tx.delete(subscription) }
        return !subscriptions.isEmpty
    }

    /// Whether `deviceId` of `providerId` has a subscription.
    public static func isSubscribed(providerId: String, deviceId: String, in db: any ReplicaConnection) throws -> Bool {
        try db.returnsRow("SELECT 1 FROM push_subscriptions WHERE provider_id = ? AND device_id = ?", [.text(providerId), .text(deviceId)])
    }

    /// The push service said the subscription is gone (404/410): remove it everywhere.
    public static func removeGone(subscriptionId: String, in tx: any ChangeLoggedWrites) throws {
        if let subscription = try tx.connection.record(
            PushSubscriptionRecord.self, "SELECT * FROM push_subscriptions WHERE id = ?", [.text(subscriptionId)])
        {
            try tx.delete(subscription)
        }
    }

    /// The pushes this gateway owes now: new offers, offers about to expire, client messages, payments; each once, for
    /// providers with notifications on and at least one subscription made with this gateway's key.
    public static func due(node: String, isDefault: Bool, now: Date, limit: Int = 100, in db: any ReplicaConnection) throws -> [PushWork] {
        let since = ColumnValue(now.addingTimeInterval(-freshness))
        let nowText = ColumnValue(now)
        let soon = ColumnValue(now.addingTimeInterval(expiringNotice))
        let defaultFlag = ColumnValue(isDefault)
        // `julianday` is SQLite's; the PostgreSQL schema defines the same function (migration 3).
        let rows = try db.query(
            """
            WITH events(work_key, kind, provider_id, request_id, at, amount) AS (
                SELECT 'o:' || o.id, CASE r.urgency WHEN \(Urgency.urgent.sqlLiteral) THEN \(PushWork.Kind.urgentOffer.sqlLiteral)
                    ELSE \(PushWork.Kind.newOffer.sqlLiteral) END, o.provider_id, o.request_id, o.offered_at, CAST(NULL AS BIGINT)
                FROM request_offers o JOIN service_requests r ON r.id = o.request_id
                WHERE o.state = \(OfferState.pending.sqlLiteral) AND o.offered_at >= ? AND o.expires_at > ?
                UNION ALL
                SELECT 'x:' || o.id, \(PushWork.Kind.offerExpiring.sqlLiteral), o.provider_id, o.request_id, o.expires_at, CAST(NULL AS BIGINT)
                FROM request_offers o
                WHERE o.state = \(OfferState.pending.sqlLiteral) AND o.expires_at > ? AND o.expires_at <= ?
                    AND (julianday(o.expires_at) - julianday(o.offered_at)) * 86400 > ?
                UNION ALL
                SELECT 'm:' || m.id, \(PushWork.Kind.clientMessage.sqlLiteral), m.provider_id, m.request_id, m.sent_at, CAST(NULL AS BIGINT) FROM messages m
                WHERE m.direction = \(MessageDirection.incoming.sqlLiteral) AND m.sent_at >= ? AND m.request_id IS NOT NULL
                UNION ALL
                SELECT 'p:' || e.id, \(PushWork.Kind.paymentReceived.sqlLiteral), e.provider_id, e.request_id, e.recorded_at, e.amount
                FROM ledger_entries e
                -- A payment the provider recorded themselves is no news to them: only the others (mobile money
                -- confirmed at central, ops, the client).
                WHERE e.kind = \(LedgerEntryKind.payment.sqlLiteral) AND e.recorded_at >= ?
                    AND e.recorded_by_role <> \(ActorRole.provider.sqlLiteral)
            )
            SELECT e.*, r.title, z.name AS zone, s.working_hours FROM events e
            JOIN service_requests r ON r.id = e.request_id
            LEFT JOIN zones z ON z.id = r.zone_id
            LEFT JOIN provider_settings s ON s.provider_id = e.provider_id
            WHERE coalesce(s.notifications_enabled, 1) = 1
                AND NOT EXISTS (SELECT 1 FROM gateway_work w WHERE w.kind = \(GatewayWorkKind.push.sqlLiteral) AND w.work_key = e.work_key
                    AND (w.done_at IS NOT NULL OR w.next_attempt_at > ?))
                AND EXISTS (SELECT 1 FROM push_subscriptions p WHERE p.provider_id = e.provider_id
                    AND (p.gateway_node = ? OR (p.gateway_node IS NULL AND ? = 1)))
            ORDER BY e.at LIMIT ?
            """,
            [
                since, nowText, nowText, soon, .integer(Int64(2 * expiringNotice)), since, since, nowText, .text(node), defaultFlag,
                .integer(Int64(limit)),
            ])
        var work: [PushWork] = []
        for row in rows {
            guard let kind = row["kind"].textValue.flatMap(PushWork.Kind.init(rawValue:)), let providerId = row["provider_id"].textValue,
                let key = row["work_key"].textValue, let requestId = row["request_id"].textValue
            else { continue }
            let targets = try db.query(
                """
                SELECT id, endpoint, p256dh, auth FROM push_subscriptions
                WHERE provider_id = ? AND (gateway_node = ? OR (gateway_node IS NULL AND ? = 1)) ORDER BY id
                """, [.text(providerId), .text(node), defaultFlag]
            ).map {
                PushTarget(
                    subscriptionId: $0["id"].textValue ?? "", endpoint: $0["endpoint"].textValue ?? "", p256dh: $0["p256dh"].textValue ?? "",
                    auth: $0["auth"].textValue ?? "")
            }
            let text = wording(
                kind, title: row["title"].textValue ?? "", zone: row["zone"].textValue, amount: row["amount"].integerValue.map { Int($0) })
            work.append(
                PushWork(
                    key: key, kind: kind, providerId: providerId, requestId: requestId, title: text.title, body: text.body, targets: targets,
                    workingHours: row["working_hours"].textValue))
        }
        return work
    }

    /// The French lock-screen text of a push.
    static func wording(_ kind: PushWork.Kind, title: String, zone: String?, amount: Int?) -> (title: String, body: String) {
        let place = zone.map { " · \($0)" } ?? ""
        switch kind {
        case .urgentOffer: return ("Demande urgente : \(title)", "Nouvelle offre\(place). Répondez vite, elle passera à un autre prestataire.")
        case .newOffer: return ("Nouvelle demande : \(title)", "Nouvelle offre\(place). Ouvrez Djobea pour l'accepter.")
        case .offerExpiring: return ("Offre bientôt expirée : \(title)", "Il reste moins de 5 minutes pour répondre\(place).")
        case .clientMessage: return ("Nouveau message du client", "Au sujet de « \(title) ». Ouvrez Djobea pour le lire.")
        case .paymentReceived:
            return ("Paiement reçu", "\(amount.map { XAF($0).formatted } ?? "Un paiement") pour « \(title) ».")
        }
    }

    /// Records the outcome of one push (all its subscriptions): done, or a retry at `retryAt`.
    public static func finish(key: String, outcome: String, retryAt: Date?, error: String?, now: Date, in db: any ReplicaConnection) throws {
        let errorText = ColumnValue(error)
        if let retryAt {
            let at = ColumnValue(retryAt)
            try db.execute(
                """
                INSERT INTO gateway_work (kind, work_key, attempts, next_attempt_at, last_error)
                VALUES (\(GatewayWorkKind.push.sqlLiteral), ?, 1, ?, ?)
                ON CONFLICT (kind, work_key) DO UPDATE SET attempts = gateway_work.attempts + 1, next_attempt_at = ?, last_error = ?
                """, [.text(key), at, errorText, at, errorText])
        } else {
            let doneAt = ColumnValue(now)
            try db.execute(
                """
                INSERT INTO gateway_work (kind, work_key, attempts, done_at, outcome, last_error)
                VALUES (\(GatewayWorkKind.push.sqlLiteral), ?, 1, ?, ?, ?)
                ON CONFLICT (kind, work_key) DO UPDATE SET attempts = gateway_work.attempts + 1, done_at = ?, outcome = ?, last_error = ?,
                    next_attempt_at = NULL
                """, [.text(key), doneAt, .text(outcome), errorText, doneAt, .text(outcome), errorText])
        }
    }

    /// Publishes this gateway's VAPID public key for the hubs (a synced row keyed by the node id).
    public static func publishKey(_ publicKey: String, node: String, in tx: any ChangeLoggedWrites) throws {
        if var key = try tx.connection.record(GatewayKeyRecord.self, "SELECT * FROM gateway_keys WHERE id = ?", [.text(node)]) {
            // Written at every start, changed or not: a hub that upgraded after the key was first published (and so
            // ignored a table it did not have yet) gets it again.
            key.vapidPublicKey = publicKey
            key.updatedAt = UTCTimestamp.format(tx.now)
            try tx.update(key, columns: [.vapidPublicKey, .updatedAt])
        } else {
            try tx.insert(GatewayKeyRecord(id: node, nodeId: node, vapidPublicKey: publicKey, updatedAt: UTCTimestamp.format(tx.now)))
        }
    }

    /// The key browsers of this node's providers subscribe with, and the gateway it belongs to (nil = central): the
    /// node's own when it is a gateway, else central's.
    public static func gatewayKey(node: String, role: NodeRole, in db: any ReplicaConnection) throws -> (key: String, gatewayNode: String?)? {
        let isGateway = try role == .central || db.firstInteger("SELECT is_gateway FROM node_identity") == 1
        if isGateway, let own = try db.firstText("SELECT vapid_public_key FROM gateway_keys WHERE id = ?", [.text(node)]) {
            return (own, role == .central ? nil : node)
        }
        let central = try db.firstText(
            """
            SELECT k.vapid_public_key FROM gateway_keys k JOIN peers p ON p.node_id = k.id AND p.role = \(NodeRole.central.sqlLiteral)
            WHERE k.node_id = k.id ORDER BY k.updated_at DESC LIMIT 1
            """)
        return central.map { ($0, nil) }
    }
}
