import DjobeaDomain
import DjobeaGateway
import DjobeaReplication
import DjobeaStore
import Foundation
import Logging

/// Sends the providers' activity summaries (template `resume_activite`) every `interval`, on the gateway node
/// (central by default). Periods, staleness and the once-per-period rule are described on `ActivitySummaries`.
///
/// A summary goes to the provider, not to a client: it is no synced `messages` row, and nothing outside this node
/// records it. Once per period is guaranteed by the local `gateway_work` row `('summary', '<provider>:<period>')`,
/// so the loop must run on one node of the deployment only (the one that sends the client messages by default).
public func activitySummaryLoop(
    storage: any ReplicaStorage, messenger: any ClientMessenger, logger: Logger, interval: Duration = .seconds(300),
    clock: @escaping @Sendable () -> Date = { Date() }
) -> BackgroundLoop {
    BackgroundLoop(name: "gateway-summaries") {
        logger.info("gateway.summaries.started", metadata: ["node": "\(storage.nodeId)"])
        while !Task.isCancelled {
            let report = await sendDueSummaries(storage: storage, messenger: messenger, logger: logger, clock: clock)
            if report.sent + report.failed + report.retried > 0 {
                logger.info(
                    "gateway.summaries.pass", metadata: ["sent": "\(report.sent)", "failed": "\(report.failed)", "retried": "\(report.retried)"])
            }
            try? await Task.sleep(for: interval)
        }
        logger.info("gateway.summaries.stopped")
    }
}

/// Retry delays of a summary: `initial` × 2^(attempt − 1), capped (the loop looks again every 5 minutes anyway).
public struct SummaryRetryPolicy: Sendable {
    public var lease: TimeInterval = 120
    public var initial: TimeInterval = 300
    public var maximum: TimeInterval = 4 * 3_600

    public init() {}

    func delay(attempt: Int, retryAfter: TimeInterval?) -> TimeInterval {
        let backoff = min(maximum, initial * pow(2, Double(min(max(attempt - 1, 0), 30))))
        return max(backoff, min(retryAfter ?? 0, maximum))
    }
}

/// One pass: every summary due at `clock()` is claimed (lease committed before the driver is called), then sent and
/// recorded `sent`; a permanent error (including a provider without WhatsApp: a summary is not essential and never
/// goes by SMS) records it `failed`; a transient one leaves it for a retry after a backoff, not done. Empty
/// summaries are recorded `skipped` without sending. Sends one at a time; claims, outcomes and retry times read the
/// clock when they happen, so a slow pass never claims with a lease that has already run out.
///
/// - Returns: what was sent, failed for good, and left for a retry (skipped ones are not counted).
@discardableResult
public func sendDueSummaries(
    storage: any ReplicaStorage, messenger: any ClientMessenger, logger: Logger, clock: @escaping @Sendable () -> Date, limit: Int = 100,
    policy: SummaryRetryPolicy = SummaryRetryPolicy()
) async -> (sent: Int, failed: Int, retried: Int) {
    var report = (sent: 0, failed: 0, retried: 0)
    // Each handled summary leaves the due list (done, leased or waiting for its retry): read again while batches
    // come back full, within a bound in case an outcome could not be written.
    for _ in 0..<50 {
        let batch: [ActivitySummary]
        let now = clock()
        do {
            batch = try await storage.replicaRead { db in try ActivitySummaries.due(now: now, limit: limit, in: db) }
        } catch {
            if !(error is CancellationError) { logger.error("gateway.summaries.read_failed", metadata: ["error": "\(error)"]) }
            return report
        }
        for summary in batch {
            if Task.isCancelled { return report }
            switch await sendSummary(summary, storage: storage, messenger: messenger, logger: logger, clock: clock, policy: policy) {
            case .sent: report.sent += 1
            case .failed: report.failed += 1
            case .retried: report.retried += 1
            case .skipped, .notClaimed: break
            }
        }
        if batch.count < limit { break }
    }
    return report
}

/// `sendDueSummaries` with the clock stopped at `now` (tests).
@discardableResult
public func sendDueSummaries(
    storage: any ReplicaStorage, messenger: any ClientMessenger, logger: Logger, now: Date, limit: Int = 100,
    policy: SummaryRetryPolicy = SummaryRetryPolicy()
) async -> (sent: Int, failed: Int, retried: Int) {
    await sendDueSummaries(storage: storage, messenger: messenger, logger: logger, clock: { now }, limit: limit, policy: policy)
}

private enum SummaryOutcome { case sent, failed, retried, skipped, notClaimed }

private func sendSummary(
    _ summary: ActivitySummary, storage: any ReplicaStorage, messenger: any ClientMessenger, logger: Logger, clock: @Sendable () -> Date,
    policy: SummaryRetryPolicy
) async -> SummaryOutcome {
    let key = summary.workKey
    let metadata: Logger.Metadata = ["provider": "\(summary.providerId)", "period": "\(summary.periodKey)", "attempt": "\(summary.attempts + 1)"]
    let now = clock()
    if summary.isEmpty {
        await record(storage, logger) { db in try ActivitySummaries.finish(key: key, outcome: .skipped, now: now, in: db) }
        return .skipped
    }
    let lease = policy.lease
    guard await record(storage, logger, { db in try ActivitySummaries.claim(key: key, now: now, lease: lease, in: db) }) == true else {
        return .notClaimed
    }
    let message = ClientOutbound(
        messageId: summary.messageId, to: summary.phone, channel: .whatsapp,
        content: .template(
            TemplateCall(
                name: WhatsAppTemplates.activitySummary.name, language: WhatsAppTemplates.language, parameters: summary.parameters,
                text: summary.text)))
    do {
        let receipt = try await messenger.send(message)
        let doneAt = clock()
        await record(storage, logger) { db in try ActivitySummaries.finish(key: key, outcome: .sent, now: doneAt, in: db) }
        logger.info("gateway.summary.sent", metadata: metadata.merging(["external_id": "\(receipt.externalId)"]) { $1 })
        return .sent
    } catch let error as ClientSendError {
        switch error {
        case .permanent(let code, let reason):
            let doneAt = clock()
            await record(storage, logger) { db in try ActivitySummaries.finish(key: key, outcome: .failed, error: reason, now: doneAt, in: db) }
            logger.notice("gateway.summary.failed", metadata: metadata.merging(["code": "\(code)", "reason": "\(reason)"]) { $1 })
            return .failed
        case .notOnWhatsApp(let reason):
            let doneAt = clock()
            await record(storage, logger) { db in try ActivitySummaries.finish(key: key, outcome: .failed, error: reason, now: doneAt, in: db) }
            logger.notice("gateway.summary.failed", metadata: metadata.merging(["code": "not_on_whatsapp", "reason": "\(reason)"]) { $1 })
            return .failed
        case .transient(let reason, let retryAfter):
            await retry(
                key, reason: reason, retryAfter: retryAfter, summary: summary, storage: storage, logger: logger, now: clock(), policy: policy)
            return .retried
        case .unknownOutcome(let reason):
            // It may have gone: wait a lease before the next try, as for client messages.
            await retry(
                key, reason: reason, retryAfter: policy.lease, summary: summary, storage: storage, logger: logger, now: clock(), policy: policy)
            return .retried
        }
    } catch {
        await retry(key, reason: "\(error)", retryAfter: nil, summary: summary, storage: storage, logger: logger, now: clock(), policy: policy)
        return .retried
    }
}

private func retry(
    _ key: String, reason: String, retryAfter: TimeInterval?, summary: ActivitySummary, storage: any ReplicaStorage, logger: Logger, now: Date,
    policy: SummaryRetryPolicy
) async {
    let at = now.addingTimeInterval(policy.delay(attempt: summary.attempts + 1, retryAfter: retryAfter))
    await record(storage, logger) { db in try ActivitySummaries.retryLater(key: key, at: at, error: reason, in: db) }
    logger.warning(
        "gateway.summary.retry",
        metadata: [
            "provider": "\(summary.providerId)", "period": "\(summary.periodKey)", "error": "\(reason)", "retry_at": "\(UTCTimestamp.format(at))",
        ])
}

/// Writes even while the loop is being cancelled: an outcome not written means a summary sent twice.
@discardableResult
private func record<T: Sendable>(
    _ storage: any ReplicaStorage, _ logger: Logger, _ body: @escaping @Sendable (any ReplicaConnection) throws -> T
) async -> T? {
    do {
        return try await storage.recordOutcome { tx in try body(tx.connection) }
    } catch {
        logger.error("gateway.summary.record_failed", metadata: ["error": "\(error)"])
        return nil
    }
}
