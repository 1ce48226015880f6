import DjobeaDomain
import DjobeaStore
import Foundation
import Logging

/// The durable WhatsApp queue: messages are stored in `notification_outbox` in the transaction that makes them,
/// and delivered through a `WhatsAppNotifier` by `deliverPending()` or the `run()` loop.
///
/// A failed send is retried with exponential backoff and its error recorded; a message is never dropped silently:
/// it ends `sent`, `failed` (the driver said it can never go) or `expired` (a code whose time ran out while the
/// hub was cut off), each visible in the table.
public actor WhatsAppQueue {
    /// Delay before retry `n` (1-based): `initial × 2^(n-1)`, capped at `maximum`.
    public struct Backoff: Sendable, Equatable {
        public var initial: TimeInterval
        public var maximum: TimeInterval

        public init(initial: TimeInterval = 5, maximum: TimeInterval = 15 * 60) {
            self.initial = initial
            self.maximum = maximum
        }

        public func delay(afterAttempt attempt: Int) -> TimeInterval {
            min(maximum, initial * pow(2, Double(max(0, min(attempt - 1, 30)))))
        }
    }

    /// What one delivery pass did.
    public struct DeliveryReport: Sendable, Equatable {
        public var sent: Int
        public var retried: Int
        public var failed: Int
        public var expired: Int

        public init(sent: Int = 0, retried: Int = 0, failed: Int = 0, expired: Int = 0) {
            self.sent = sent
            self.retried = retried
            self.failed = failed
            self.expired = expired
        }
    }

    /// The state of the queue, for health checks and the ops console.
    public struct Summary: Sendable, Equatable {
        public let pending: Int
        public let sent: Int
        public let failed: Int
        public let expired: Int
        /// The error of the most recent failed attempt still on record.
        public let lastError: String?
    }

    private let outbox: NotificationOutboxStore
    private let notifier: any WhatsAppNotifier
    private let keys: TokenKeys
    private let backoff: Backoff
    private let clock: @Sendable () -> Date
    private let logger: Logger
    /// The loop looks at the table at least this often even without a wake-up.
    private let idleInterval: TimeInterval
    private var inFlight: Set<String> = []
    private let signal = WakeSignal()

    /// - Parameters:
    ///   - keys: the node's keys; queued content is sealed with a key derived from them.
    ///   - idleInterval: the longest the `run()` loop sleeps when nothing wakes it.
    public init(
        database: NodeDatabase, notifier: any WhatsAppNotifier, keys: TokenKeys, backoff: Backoff = Backoff(),
        idleInterval: TimeInterval = 30, clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        outbox = NotificationOutboxStore(database)
        self.notifier = notifier
        self.keys = keys
        self.backoff = backoff
        self.idleInterval = idleInterval
        self.clock = clock
        self.logger = logger
    }

    // MARK: - Enqueue

    /// Queues a message in its own transaction and wakes the loop.
    ///
    /// - Parameters:
    ///   - expiresAt: past this time the message is marked expired instead of sent.
    public func enqueue(_ message: OutgoingMessage, expiresAt: Date? = nil) async throws {
        let now = clock()
        let id = DjobeaID.v7(now: now)
        try await outbox.enqueue(OutboxSealing.queued(message, id: id, expiresAt: expiresAt, key: keys.sealingKey), now: now)
        await signal.wake()
    }

    // MARK: - Delivery

    /// Sends every message due now, once each.
    @discardableResult
    public func deliverPending() async -> DeliveryReport {
        var report = DeliveryReport()
        let now = clock()
        let due: [PendingNotification]
        do {
            report.expired = try await outbox.purgeAndExpire(now: now)
            if report.expired > 0 { logger.warning("notify.message.expired", metadata: ["count": "\(report.expired)"]) }
            due = try await outbox.due(now: now, limit: 100)
        } catch is CancellationError {
            return report  // shutting down: not a failure
        } catch {
            logger.error("notify.queue.read_failed", metadata: ["error": "\(error)"])
            return report
        }
        for row in due where !inFlight.contains(row.id) {
            inFlight.insert(row.id)
            defer { inFlight.remove(row.id) }
            await deliver(row, report: &report)
        }
        return report
    }

    private func deliver(_ row: PendingNotification, report: inout DeliveryReport) async {
        let now = clock()
        let metadata: Logger.Metadata = ["message": "\(row.id)", "template": "\(row.template)", "attempt": "\(row.attempts + 1)"]
        do {
            let message: OutgoingMessage
            do {
                message = try OutboxSealing.open(row, key: keys.sealingKey)
            } catch {
                throw NotifierError.permanent("contenu illisible (clé du nœud changée ?) : \(error)")
            }
            try await notifier.send(message)
        } catch let error as NotifierError where error.isPermanent {
            await record(row.id) { outbox in try await outbox.markFailed(id: row.id, error: error.message, retryAt: nil) }
            report.failed += 1
            logger.error("notify.message.failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return
        } catch {
            let retryAt = now.addingTimeInterval(backoff.delay(afterAttempt: row.attempts + 1))
            await record(row.id) { outbox in try await outbox.markFailed(id: row.id, error: "\(error)", retryAt: retryAt) }
            report.retried += 1
            logger.warning(
                "notify.message.retry",
                metadata: metadata.merging(["error": "\(error)", "retry_at": "\(UTCTimestamp.format(retryAt))"]) { $1 })
            return
        }
        let sentAt = clock()
        await record(row.id) { outbox in try await outbox.markSent(id: row.id, now: sentAt) }
        report.sent += 1
        logger.info("notify.message.sent", metadata: metadata)
    }

    /// Writes a delivery outcome (the store's `mark…` write even when the loop is being cancelled: a message sent but
    /// not marked would be sent again).
    private func record(_ id: String, _ update: (NotificationOutboxStore) async throws -> Void) async {
        do {
            try await update(outbox)
        } catch {
            logger.error("notify.queue.record_failed", metadata: ["message": "\(id)", "error": "\(error)"])
        }
    }

    /// Counts by status and the last error.
    public func summary() async throws -> Summary {
        let summary = try await outbox.summary()
        return Summary(
            pending: summary.pending, sent: summary.sent, failed: summary.failed, expired: summary.expired, lastError: summary.lastError)
    }

    // MARK: - Loop

    /// Delivers until the task is cancelled: at once when woken (a message was queued), when a retry falls due,
    /// and at least every `idleInterval`.
    public func run() async {
        logger.info("notify.queue.started")
        while !Task.isCancelled {
            await deliverPending()
            var delay = idleInterval
            if let next = try? await outbox.nextDue() {
                delay = min(delay, max(0.05, next.timeIntervalSince(clock())))
            }
            await signal.sleep(upTo: delay)
        }
        logger.info("notify.queue.stopped")
    }

    /// Makes the loop look at the queue now.
    public func wake() async {
        await signal.wake()
    }

}
