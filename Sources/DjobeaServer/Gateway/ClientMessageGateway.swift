import DjobeaDomain
import DjobeaGateway
import DjobeaReplication
import DjobeaStore
import Foundation
import Logging

/// Sends the client messages this node is the gateway for (DESIGN.md "Gateways").
///
/// Each pass reads the due `messages` rows (queued, this node's, not leased, not waiting for a retry), claims each
/// with a lease committed before the driver is called, sends, and writes the outcome to the synced row: `sent` with the
/// service's id, a retry with backoff (429, 5xx, network), `failed` with a French reason (never blocks the others), or
/// a fallback to SMS. Throughput is bounded globally (`rate` messages per second) and per number (`perNumberSpacing`
/// between two messages to one client). The window where a message can go twice is described on `GatewayOutbox`.
public actor ClientMessageGateway {
    public struct Settings: Sendable {
        /// Messages per second, all numbers together.
        public var rate: Double = 20
        /// The shortest time between two messages to the same number.
        public var perNumberSpacing: TimeInterval = 1
        /// Sends in flight at once.
        public var concurrency: Int = 4
        public var lease: TimeInterval = GatewayOutbox.defaultLease
        /// Retry delay after attempt n: initial × 2^(n-1), capped.
        public var backoffInitial: TimeInterval = 5
        public var backoffMaximum: TimeInterval = 15 * 60
        /// A message still not sent this long after it was queued fails ("délai dépassé").
        public var giveUpAfter: TimeInterval = 48 * 3_600
        /// The loop reads the table at least this often.
        public var idleInterval: TimeInterval = 1

        public init() {}
    }

    /// What one pass did.
    public struct PassReport: Sendable, Equatable {
        public var sent = 0
        public var retried = 0
        public var failed = 0
        public var smsFallbacks = 0
        /// Messages left for a later pass because their number (or the whole gateway) was at its rate.
        public var deferred = 0
    }

    private let storage: any ReplicaStorage
    private let messenger: any ClientMessenger
    private let settings: Settings
    private let logger: Logger
    private let clock: @Sendable () -> Date
    private let isDefault: Bool
    private var lastSendPerNumber: [String: Date] = [:]
    private var nextGlobalSlot = Date.distantPast
    private let signal = WakeSignal()

    public init(
        storage: any ReplicaStorage, messenger: any ClientMessenger, settings: Settings = Settings(), logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.storage = storage
        self.messenger = messenger
        self.settings = settings
        self.logger = logger
        self.clock = clock
        self.isDefault = GatewayOutbox.isDefaultGateway(role: storage.role)
    }

    /// Sends what is due now, once each; returns what it did.
    @discardableResult
    public func deliverPending(limit: Int = 200) async -> PassReport {
        var report = PassReport()
        let now = clock()
        let node = storage.nodeId
        let isDefault = self.isDefault
        let rows: [GatewayOutboundRow]
        do {
            rows = try await storage.replicaRead { db in try GatewayOutbox.due(node: node, isDefault: isDefault, now: now, limit: limit, in: db) }
        } catch {
            if !(error is CancellationError) { logger.error("gateway.messages.read_failed", metadata: ["error": "\(error)"]) }
            return report
        }
        var batch: [(GatewayOutboundRow, OutboundPlan, Date)] = []
        for row in rows {
            let plan = OutboundPlan.make(row, channels: messenger.channels)
            var slot = now
            if case .send(let message) = plan {
                guard let reserved = reserveSlot(for: message.to, now: now) else {
                    report.deferred += 1
                    continue
                }
                slot = reserved
            }
            batch.append((row, plan, slot))
        }
        let width = max(1, settings.concurrency)
        var index = 0
        while index < batch.count {
            let chunk = batch[index..<min(batch.count, index + width)]
            index += chunk.count
            let outcomes = await withTaskGroup(of: Outcome.self) { group in
                for (row, plan, slot) in chunk {
                    group.addTask {
                        // Each send waits for its slot: the rate is kept evenly, not in bursts.
                        let wait = slot.timeIntervalSinceNow
                        if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000)) }
                        return await self.handle(row, plan)
                    }
                }
                var all: [Outcome] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            for outcome in outcomes {
                switch outcome {
                case .sent: report.sent += 1
                case .retried: report.retried += 1
                case .failed: report.failed += 1
                case .sms: report.smsFallbacks += 1
                case .skipped: break
                }
            }
        }
        return report
    }

    /// Reserves a send slot: the next global slot is at least 1/rate after the previous one, and a number waits
    /// `perNumberSpacing` after its last message. Returns nil when the number is not ready or the global slot is more
    /// than one second away (the message waits for a later pass).
    private func reserveSlot(for number: String, now: Date) -> Date? {
        if let last = lastSendPerNumber[number], now.timeIntervalSince(last) < settings.perNumberSpacing { return nil }
        let slot = max(now, nextGlobalSlot)
        guard slot.timeIntervalSince(now) <= 1 else { return nil }
        nextGlobalSlot = slot.addingTimeInterval(1 / max(settings.rate, 0.01))
        lastSendPerNumber[number] = slot
        if lastSendPerNumber.count > 10_000 {
            lastSendPerNumber = lastSendPerNumber.filter { now.timeIntervalSince($0.value) < settings.perNumberSpacing }
        }
        return slot
    }

    private enum Outcome { case sent, retried, failed, sms, skipped }

    private func handle(_ row: GatewayOutboundRow, _ plan: OutboundPlan) async -> Outcome {
        let metadata: Logger.Metadata = ["message": "\(row.id)", "attempt": "\(row.attempts + 1)"]
        let now = clock()
        let lease = settings.lease
        let claimed = await record { tx in try GatewayOutbox.claim(id: row.id, now: now, lease: lease, in: tx.connection) }
        guard claimed == true else { return .skipped }
        let message: ClientOutbound
        switch plan {
        case .fail(let reason):
            await record { tx in try GatewayOutbox.markFailed(id: row.id, reason: reason, in: tx) }
            logger.notice("gateway.message.failed", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
            return .failed
        case .send(let planned):
            message = planned
        }
        if let queuedAt = row.queuedAt, now.timeIntervalSince(queuedAt) > settings.giveUpAfter {
            await record { tx in try GatewayOutbox.markFailed(id: row.id, reason: "Délai dépassé : le service n'a pas pu être joint à temps", in: tx)
            }
            return .failed
        }
        do {
            let receipt = try await messenger.send(message)
            await record { tx in try GatewayOutbox.markSent(id: row.id, externalId: receipt.externalId, channel: message.channel.rawValue, in: tx) }
            logger.info("gateway.message.sent", metadata: metadata.merging(["external_id": "\(receipt.externalId)"]) { $1 })
            return .sent
        } catch let error as ClientSendError {
            switch error {
            case .permanent(let code, let reason):
                await record { tx in try GatewayOutbox.markFailed(id: row.id, reason: reason, in: tx) }
                logger.notice("gateway.message.failed", metadata: metadata.merging(["code": "\(code)", "reason": "\(reason)"]) { $1 })
                return .failed
            case .notOnWhatsApp(let reason):
                let viaSMS = await record { tx in try GatewayOutbox.fallBackToSMS(id: row.id, reason: reason, in: tx) }
                return viaSMS == true ? .sms : .failed
            case .transient(let reason, let retryAfter):
                retry(row, reason: reason, retryAfter: retryAfter, metadata: metadata)
                return .retried
            case .unknownOutcome(let reason):
                // The service may have it: give its status webhook (carrying our id) a lease to reconcile first.
                retry(row, reason: reason, retryAfter: settings.lease, metadata: metadata, atLeast: settings.lease)
                return .retried
            }
        } catch {
            retry(row, reason: "\(error)", retryAfter: nil, metadata: metadata)
            return .retried
        }
    }

    private func retry(
        _ row: GatewayOutboundRow, reason: String, retryAfter: TimeInterval?, metadata: Logger.Metadata, atLeast floor: TimeInterval = 0
    ) {
        let attempt = row.attempts + 1
        let backoff = min(settings.backoffMaximum, settings.backoffInitial * pow(2, Double(min(attempt - 1, 30))))
        let at = clock().addingTimeInterval(max(floor, backoff, min(retryAfter ?? 0, settings.backoffMaximum)))
        let storage = self.storage
        Task { _ = try? await storage.recordOutcome { tx in try GatewayOutbox.retryLater(id: row.id, at: at, error: reason, in: tx.connection) } }
        logger.warning("gateway.message.retry", metadata: metadata.merging(["error": "\(reason)", "retry_at": "\(UTCTimestamp.format(at))"]) { $1 })
    }

    /// Writes even while the loop is being cancelled: an outcome not written means a message sent twice.
    @discardableResult
    private func record<T: Sendable>(_ body: @escaping @Sendable (any ChangeLoggedWrites) throws -> T) async -> T? {
        let storage = self.storage
        do {
            return try await storage.recordOutcome(body)
        } catch {
            logger.error("gateway.message.record_failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    // MARK: - Loop

    /// Sends until cancelled: at once when woken, when a retry or lease falls due, and at least every `idleInterval`.
    public func run() async {
        logger.info("gateway.messages.started", metadata: ["node": "\(storage.nodeId)", "default": "\(isDefault)"])
        while !Task.isCancelled {
            let report = await deliverPending()
            if report.deferred > 0 || report.sent + report.failed + report.smsFallbacks >= 200 { await signal.sleep(upTo: 0.05); continue }
            await signal.sleep(upTo: settings.idleInterval)
        }
        logger.info("gateway.messages.stopped")
    }

    /// Makes the loop look at the queue now.
    public func wake() async {
        await signal.wake()
    }

}
