import DjobeaDomain
import DjobeaGateway
import DjobeaReplication
import DjobeaStore
import Foundation
import Logging

/// Pushes alerts to providers' browsers (Web Push, RFC 8030/8291/8292) from the events this node holds: new offers
/// (urgent ones with `Urgency: high` and a short TTL), offers about to expire, client messages, payments.
///
/// Each event is pushed once (`gateway_work`, kind `push`); a subscription the push service says is gone (404/410)
/// is deleted, and the deletion syncs to the provider's hub. The loop reads every `interval`; a hub's commit reaches
/// central at once, so a push leaves within a few seconds of the offer.
public actor PushGateway {
    private let storage: any ReplicaStorage
    private let sender: WebPushSender
    private let logger: Logger
    private let interval: TimeInterval
    private let isDefault: Bool
    private let signal = WakeSignal()

    public init(storage: any ReplicaStorage, sender: WebPushSender, interval: TimeInterval = 1, logger: Logger) {
        self.storage = storage
        self.sender = sender
        self.interval = interval
        self.logger = logger
        self.isDefault = GatewayOutbox.isDefaultGateway(role: storage.role)
    }

    /// Urgency and time to live of each kind: an urgent offer is worthless once passed to the next provider.
    static func delivery(_ kind: PushWork.Kind) -> (urgency: PushUrgency, ttl: Int) {
        switch kind {
        case .urgentOffer: (.high, 120)
        case .offerExpiring: (.high, 300)
        case .newOffer: (.normal, 900)
        case .clientMessage: (.normal, 3_600)
        case .paymentReceived: (.normal, 86_400)
        }
    }

    /// Pushes what is due now; returns how many pushes reached a push service.
    @discardableResult
    public func deliverPending(now: Date = Date()) async -> Int {
        let node = storage.nodeId
        let isDefault = self.isDefault
        let work: [PushWork]
        do {
            work = try await storage.replicaRead { db in try PushStore.due(node: node, isDefault: isDefault, now: now, in: db) }
        } catch {
            if !(error is CancellationError) { logger.error("gateway.push.read_failed", metadata: ["error": "\(error)"]) }
            return 0
        }
        var accepted = 0
        for item in work {
            accepted += await push(item, now: now)
        }
        return accepted
    }

    /// Whether `item` may be pushed at `now`: urgent alerts always; the others only within the provider's working hours
    /// (the settings' hours are the provider's quiet hours too; the app and the live feed still show everything).
    static func allowed(_ item: PushWork, at now: Date) -> Bool {
        if item.isUrgent { return true }
        let hours = item.workingHours.flatMap(WorkingHours.init(json:)) ?? .seedDefault
        return hours.contains(now)
    }

    private func push(_ item: PushWork, now: Date) async -> Int {
        guard Self.allowed(item, at: now) else {
            await finish(item.key, "outside_hours", retryAt: nil, error: nil, now: now)
            return 0
        }
        let (urgency, ttl) = Self.delivery(item.kind)
        let payload: [UInt8]
        do {
            payload = try WebPushPayload(
                kind: item.kind.rawValue, title: item.title, body: item.body, url: "/#/demandes/\(item.requestId)", requestId: item.requestId,
                tag: item.key
            ).encoded()
        } catch {
            await finish(item.key, "failed", retryAt: nil, error: "\(error)", now: now)
            return 0
        }
        // A provider's browsers at once: one slow push service must not hold the others (each is bounded by its timeout).
        let sender = self.sender
        let outcomes = await withTaskGroup(of: (String, WebPushOutcome).self) { group in
            for target in item.targets {
                group.addTask {
                    let subscription = PushSubscriptionInfo(endpoint: target.endpoint, p256dh: target.p256dh, auth: target.auth)
                    return (target.subscriptionId, await sender.send(payload: payload, to: subscription, urgency: urgency, ttl: ttl, topic: nil))
                }
            }
            var all: [(String, WebPushOutcome)] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        var accepted = 0
        var retry: (String, TimeInterval?)?
        var gone: [String] = []
        for (subscriptionId, outcome) in outcomes {
            switch outcome {
            case .accepted: accepted += 1
            case .gone: gone.append(subscriptionId)
            case .retry(let reason, let after): retry = (reason, after)
            case .refused(let status, let reason):
                logger.warning("gateway.push.refused", metadata: ["status": "\(status)", "reason": "\(reason)", "work": "\(item.key)"])
            }
        }
        if !gone.isEmpty {
            let storage = self.storage
            let ids = gone
            _ = try? await storage.localWrite(critical: false, now: Date()) { tx in
                for id in ids { try PushStore.removeGone(subscriptionId: id, in: tx) }
            }
            logger.notice("gateway.push.subscription_gone", metadata: ["count": "\(gone.count)"])
        }
        if let retry, accepted == 0 {
            await finish(item.key, "retry", retryAt: now.addingTimeInterval(max(10, min(retry.1 ?? 30, 600))), error: retry.0, now: now)
        } else {
            await finish(item.key, accepted > 0 ? "sent" : "failed", retryAt: nil, error: retry?.0, now: now)
            if accepted > 0 { logger.info("gateway.push.sent", metadata: ["work": "\(item.key)", "devices": "\(accepted)"]) }
        }
        return accepted
    }

    private func finish(_ key: String, _ outcome: String, retryAt: Date?, error: String?, now: Date) async {
        let storage = self.storage
        do {
            try await storage.recordOutcome(critical: false) { tx in
                try PushStore.finish(key: key, outcome: outcome, retryAt: retryAt, error: error, now: now, in: tx.connection)
            }
        } catch {
            logger.error("gateway.push.record_failed", metadata: ["work": "\(key)", "error": "\(error)"])
        }
    }

    /// Pushes until cancelled.
    public func run() async {
        logger.info("gateway.push.started")
        while !Task.isCancelled {
            await deliverPending()
            await signal.sleep(upTo: interval)
        }
    }

    /// Makes the loop look now (a client's message just came in).
    public func wake() async {
        await signal.wake()
    }
}
