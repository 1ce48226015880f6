import DjobeaDomain
import DjobeaGateway
import DjobeaReplication
import DjobeaStore
import Foundation
import Logging

/// Collects mobile money for the invoices whose `collections` rows reach the default gateway (central), SPEC.md §4.9.
///
/// Each pending reference goes through: prepare (the operator's handle, kept before anything else), request (the
/// client gets the operator's prompt), then status checks until the operator decides. A successful status becomes one
/// ledger payment whose id is derived from the reference, so repeats, a crash between any two steps, or a second
/// process never count it twice; a request the operator already has (MTN's 409) is never prompted again. Callbacks only
/// wake this loop: the status is always asked of the operator. A collection still undecided after `giveUpAfter` shows
/// `failed` (`timeout`) but is still checked every `lateCheckInterval` until `forgetAfter`, in case the money came.
public actor CollectionGateway {
    public struct Settings: Sendable {
        /// First status check after the request, then each check waits longer (× 1.5), up to `maximumCheckInterval`.
        public var firstCheckAfter: TimeInterval = 5
        public var maximumCheckInterval: TimeInterval = 60
        /// Retry delay after a transient failure (network, 5xx).
        public var retryAfter: TimeInterval = 10
        /// How long the client has to approve before the collection shows `failed` with `timeout`.
        public var giveUpAfter: TimeInterval = 10 * 60
        public var lateCheckInterval: TimeInterval = 10 * 60
        public var forgetAfter: TimeInterval = 48 * 3_600
        /// The loop reads the table at least this often.
        public var idleInterval: TimeInterval = 2

        public init() {}
    }

    /// What one pass did.
    public struct PassReport: Sendable, Equatable {
        public var requested = 0
        public var paid = 0
        public var failed = 0
        public var pending = 0
        public var retried = 0

        public init() {}
    }

    private let storage: any ReplicaStorage
    private let collectors: [CollectionMethod: any MobileMoneyCollector]
    private let settings: Settings
    private let logger: Logger
    private let clock: @Sendable () -> Date
    private let signal = WakeSignal()

    public init(
        storage: any ReplicaStorage, collectors: [any MobileMoneyCollector], settings: Settings = Settings(), logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.storage = storage
        var byMethod: [CollectionMethod: any MobileMoneyCollector] = [:]
        for collector in collectors { byMethod[collector.method] = collector }
        self.collectors = byMethod
        self.settings = settings
        self.logger = logger
        self.clock = clock
    }

    public func run() async {
        while !Task.isCancelled {
            let report = await collectDue()
            if report.requested + report.paid + report.failed >= 50 { continue }
            await signal.sleep(upTo: settings.idleInterval)
        }
    }

    public func wake() async { await signal.wake() }

    /// A callback named `reference` (MTN) or a pay token (Orange): check that collection now. False if unknown here.
    public func callback(reference: String?, handle: String?) async throws -> Bool {
        let now = clock()
        let known = try await storage.localWrite(critical: false, now: now) { tx -> Bool in
            var target = reference
            if target == nil, let handle { target = try CollectionWork.reference(forHandle: handle, in: tx.connection) }
            guard let target else { return false }
            return try CollectionWork.wake(reference: target, now: now, in: tx.connection)
        }
        if known { await signal.wake() }
        return known
    }

    /// Deals with every piece of work due now, once each.
    @discardableResult
    public func collectDue(limit: Int = 50) async -> PassReport {
        var report = PassReport()
        let now = clock()
        let items: [CollectionWorkItem]
        do {
            items = try await storage.localWrite(critical: false, now: now) { tx in
                try CollectionWork.enqueue(now: now, in: tx.connection)
                return try CollectionWork.due(now: now, limit: limit, in: tx.connection)
            }
        } catch {
            if !(error is CancellationError) { logger.error("gateway.collections.read_failed", metadata: ["error": "\(error)"]) }
            return report
        }
        for item in items {
            if Task.isCancelled { break }
            await handle(item, report: &report)
        }
        return report
    }

    private func handle(_ item: CollectionWorkItem, report: inout PassReport) async {
        let metadata: Logger.Metadata = ["reference": "\(item.reference)", "method": "\(item.method.rawValue)"]
        guard let collector = collectors[item.method] else {
            await write { tx in try CollectionWork.fail(reference: item.reference, code: "NOT_CONFIGURED", final: true, in: tx) }
            logger.warning("gateway.collection.no_driver", metadata: metadata)
            report.failed += 1
            return
        }
        let order = MobileMoneyOrder(
            reference: item.reference, method: item.method, payerPhone: item.payerPhone, amount: item.amount,
            description: "Djobea " + (item.invoiceNumber ?? "facture"))
        do {
            var handle = item.handle
            if handle == nil {
                let prepared = try await collector.prepare(order)
                await write { tx in try CollectionWork.setHandle(prepared, reference: item.reference, in: tx.connection) }
                handle = prepared
            }
            guard let handle else { return }
            var status: OperatorCollectionStatus = .unknown
            // A request already made (or perhaps made before a crash): its status first, never a second prompt.
            if item.requestedAt != nil || item.submitAttempts > 0 || item.handle != nil {
                status = try await collector.status(order, handle: handle)
            }
            if status == .unknown {
                if let requestedAt = item.requestedAt, clock().timeIntervalSince(requestedAt) < settings.maximumCheckInterval {
                    // The operator took it but does not show it yet: wait.
                    status = .pending
                } else {
                    try await collector.request(order, handle: handle)
                    let now = clock()
                    await write { tx in
                        try CollectionWork.markRequested(
                            reference: item.reference, now: now, nextCheck: now.addingTimeInterval(self.settings.firstCheckAfter), in: tx.connection)
                    }
                    logger.info("gateway.collection.requested", metadata: metadata)
                    report.requested += 1
                    return
                }
            }
            await apply(status, item: item, report: &report, metadata: metadata)
        } catch let error as MobileMoneyError {
            switch error {
            case .refused(let code, let reason):
                await write { tx in try CollectionWork.fail(reference: item.reference, code: code, final: true, in: tx) }
                logger.notice("gateway.collection.refused", metadata: metadata.merging(["code": "\(code)", "reason": "\(reason)"]) { $1 })
                report.failed += 1
            case .transient(let reason, let retryAfter):
                let next = clock().addingTimeInterval(max(retryAfter ?? 0, settings.retryAfter))
                await write { tx in
                    try CollectionWork.reschedule(reference: item.reference, next: next, error: reason, checked: false, in: tx.connection)
                }
                logger.warning("gateway.collection.retry", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
                report.retried += 1
            case .unknownOutcome(let reason):
                // The request may have reached the operator: count it as made, so the next pass asks its status first.
                let next = clock().addingTimeInterval(settings.retryAfter)
                await write { tx in
                    try CollectionWork.reschedule(
                        reference: item.reference, next: next, error: reason, checked: false, submitted: true, in: tx.connection)
                }
                logger.warning("gateway.collection.unknown_outcome", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
                report.retried += 1
            }
        } catch {
            let next = clock().addingTimeInterval(settings.retryAfter)
            await write { tx in
                try CollectionWork.reschedule(reference: item.reference, next: next, error: "\(error)", checked: false, in: tx.connection)
            }
            report.retried += 1
        }
    }

    private func apply(_ status: OperatorCollectionStatus, item: CollectionWorkItem, report: inout PassReport, metadata: Logger.Metadata) async {
        let now = clock()
        switch status {
        case .successful(let transactionId, let amount):
            if amount != item.amount {
                logger.warning(
                    "gateway.collection.amount_differs", metadata: metadata.merging(["asked": "\(item.amount)", "paid": "\(amount)"]) { $1 })
            }
            let recorded = await write(critical: true) { tx in
                try CollectionWork.succeed(reference: item.reference, transactionId: transactionId, amount: amount, in: tx)
            }
            if recorded == true {
                logger.info("gateway.collection.paid", metadata: metadata.merging(["transaction": "\(transactionId)"]) { $1 })
                report.paid += 1
            }
        case .failed(let code):
            await write { tx in try CollectionWork.fail(reference: item.reference, code: code, final: true, in: tx) }
            logger.notice("gateway.collection.failed", metadata: metadata.merging(["code": "\(code)"]) { $1 })
            report.failed += 1
        case .pending, .unknown:
            let age = now.timeIntervalSince(item.requestedAt ?? item.createdAt)
            if age >= settings.forgetAfter {
                await write { tx in try CollectionWork.fail(reference: item.reference, code: CollectionFailure.timeout, final: true, in: tx) }
                report.failed += 1
                return
            }
            if age >= settings.giveUpAfter {
                if !item.shownFailed {
                    await write { tx in try CollectionWork.fail(reference: item.reference, code: CollectionFailure.timeout, final: false, in: tx) }
                    logger.notice("gateway.collection.timeout", metadata: metadata)
                    report.failed += 1
                }
                let next = now.addingTimeInterval(settings.lateCheckInterval)
                await write { tx in try CollectionWork.reschedule(reference: item.reference, next: next, error: nil, checked: true, in: tx.connection)
                }
                return
            }
            let wait = min(settings.maximumCheckInterval, settings.firstCheckAfter * pow(1.5, Double(item.checks)))
            let next = now.addingTimeInterval(wait)
            await write { tx in try CollectionWork.reschedule(reference: item.reference, next: next, error: nil, checked: true, in: tx.connection) }
            report.pending += 1
        }
    }

    @discardableResult
    private func write<T: Sendable>(critical: Bool = false, _ body: @escaping @Sendable (any ChangeLoggedWrites) throws -> T) async -> T? {
        do {
            return try await storage.localWrite(critical: critical, now: clock(), body)
        } catch {
            if !(error is CancellationError) { logger.error("gateway.collections.write_failed", metadata: ["error": "\(error)"]) }
            return nil
        }
    }
}
