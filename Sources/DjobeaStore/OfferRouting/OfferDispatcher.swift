import DjobeaDomain
import Foundation
import GRDB
import Logging

/// What one sweep did, for logs and ops.
public struct OfferSweepReport: Sendable, Hashable, Codable {
    /// Requests looked at (Nouvelle, Déclinée, or with a pending offer).
    public var requests = 0
    public var offersMade = 0
    public var offersExpired = 0
    public var offersWithdrawn = 0
    public var autoAccepted = 0
    public var requestsExpired = 0
    /// Requests with nobody to offer to now but someone later (hours, away mode, absence).
    public var requestsWaiting = 0
    /// Requests whose step failed; logged, and tried again at the next sweep.
    public var failures = 0

    public init() {}

    /// Whether the sweep wrote anything.
    public var changed: Bool {
        offersMade + offersExpired + offersWithdrawn + autoAccepted + requestsExpired > 0
    }

    mutating func add(_ step: OfferStep) {
        requests += 1
        offersMade += step.newOffers.count
        offersExpired += step.expiredOfferIds.count
        offersWithdrawn += step.withdrawals.count
        if step.autoAccept != nil { autoAccepted += 1 }
        if step.requestExpiry != nil { requestsExpired += 1 }
        if step.outcome == .waiting { requestsWaiting += 1 }
    }
}

/// Offer routing at the hub (issue 3 item 5): offers each request to the right providers, expires offers, moves on.
///
/// Each request is routed in its own write transaction that reads its state, decides with `OfferRouter.step` and
/// writes the step through the change log, so the hub's receipt order decides between a sweep and a provider's
/// answer (CONFLICTS.md rules 1–3). Routing keeps no state of its own, so a step lost in a power cut (routine
/// durability) is simply decided again at the next sweep.
public struct OfferDispatcher: Sendable {
    public let database: NodeDatabase
    public let policy: OfferPolicy
    /// The zones this hub owns; nil routes every request in the database.
    public let zoneIds: Set<String>?
    /// The hub's clock, read by `dispatch` and by `OfferRoutingService`; never a phone's.
    public let clock: @Sendable () -> Date
    let logger: Logger

    public init(
        database: NodeDatabase, policy: OfferPolicy = .standard, zoneIds: Set<String>? = nil, clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) {
        self.database = database
        self.policy = policy
        self.zoneIds = zoneIds
        self.clock = clock
        self.logger = logger
    }

    /// Routes one request now, typically as it arrives. Safe to call again: an up-to-date request gets an empty step.
    ///
    /// - Throws: `StoreError.rowNotFound` for an unknown request, `StoreError.invalid` for a request outside `zoneIds`;
    ///   database errors.
    @discardableResult
    public func dispatch(requestId: String) async throws -> OfferStep {
        try await route(requestId: requestId, now: clock())
    }

    /// One pass over every request that may need a step. Idempotent: a second sweep at the same `now` writes nothing.
    ///
    /// A request whose step fails is logged and counted in `failures`; the others go on. Storage refusing writes
    /// (disk full, read-only) ends the sweep at the first failure: every other request would fail the same way.
    /// - Throws: when the list of requests cannot be read; `CancellationError` when the task is cancelled (the node
    ///   is stopping), whatever error the cancellation caused in the database.
    @discardableResult
    public func sweep(now: Date) async throws -> OfferSweepReport {
        let zoneIds = self.zoneIds
        let ids = try await database.read { db in try OfferRoutingReads.routableRequestIds(zoneIds: zoneIds, in: db) }
        var report = OfferSweepReport()
        for id in ids {
            try Task.checkCancellation()
            do {
                report.add(try await route(requestId: id, now: now, sweeping: true))
            } catch {
                // A shutdown interrupts the write under way (CancellationError, SQLITE_INTERRUPT): not a failure.
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                report.failures += 1
                if let failure = StorageFailure.classify(error) {
                    logger.warning("offers.sweep.storage_refused", metadata: ["request": "\(id)", "reason": "\(failure.rawValue)"])
                    break
                }
                logger.error("offers.request.failed", metadata: ["request": "\(id)", "error": "\(error)"])
            }
        }
        return report
    }

    /// Reads, decides and writes one request's step in one transaction.
    ///
    /// - Parameter sweeping: part of a sweep, whose summary line counts the expiries: each request's expiry is then
    ///   logged at info level (a start after a long stop would otherwise print one line per expired request).
    @discardableResult
    func route(requestId: String, now: Date, sweeping: Bool = false) async throws -> OfferStep {
        let (policy, logger, zoneIds) = (self.policy, self.logger, self.zoneIds)
        let (step, state) = try await database.write(now: now) { tx -> (OfferStep, MissionState?) in
            guard let routed = try OfferRoutingReads.request(id: requestId, now: now, in: tx.db) else {
                throw StoreError.rowNotFound(table: "service_requests", key: requestId)
            }
            // Only the hub that owns the zone decides who gets a request (CONFLICTS.md, "Who decides what").
            if let zoneIds, !zoneIds.contains(routed.request.zoneId) {
                throw StoreError.invalid("request \(requestId) is in zone \(routed.request.zoneId), which this hub does not route")
            }
            // A zone ops moved to another hub: this hub keeps following its open requests (a stake) but offers them no more.
            if let home = self.database.homeHubId,
                let owner = try String.fetchOne(tx.db, sql: "SELECT hub_id FROM zones WHERE id = ?", arguments: [routed.request.zoneId]),
                owner != home
            {
                return (OfferStep(requestId: requestId, outcome: .waiting), nil)
            }
            let offers = try OfferRoutingReads.offers(requestId: requestId, in: tx.db)
            let candidates = try OfferRoutingReads.candidates(
                for: routed.request, now: now, responseHistory: policy.responseHistory, logger: logger, in: tx.db)
            let step = OfferRouter.step(request: routed.request, offers: offers, candidates: candidates, policy: policy, now: now)
            return (step, step.isEmpty ? nil : try tx.apply(step, to: routed))
        }
        log(step, state: state, sweeping: sweeping)
        return step
    }

    private func log(_ step: OfferStep, state: MissionState?, sweeping: Bool) {
        guard !step.isEmpty else { return }
        var metadata: Logger.Metadata = [
            "request": "\(step.requestId)", "outcome": "\(outcomeCode(step.outcome))",
            "offered": .array(step.newOffers.map { "\($0.providerId)" }),
            "expired": "\(step.expiredOfferIds.count)",
            "withdrawn": .array(step.withdrawals.map { "\($0.providerId):\($0.reason.code)" }),
        ]
        if let status = state?.status { metadata["status"] = "\(status.rawValue)" }
        if let accepted = step.autoAccept, state?.status != .acceptee || state?.providerId != accepted.providerId {
            // The fold refused the automatic acceptance: kept as a conflict for ops, the request stays where it was.
            logger.error("offers.auto_accept.refused", metadata: metadata)
        } else if step.requestExpiry != nil {
            logger.log(level: sweeping ? .info : .notice, "offers.request.expired", metadata: metadata)
        } else {
            logger.info("offers.step", metadata: metadata)
        }
    }

    private func outcomeCode(_ outcome: OfferStep.Outcome) -> String {
        switch outcome {
        case .closed(let status): "closed_\(status.rawValue)"
        case .offering: "offering"
        case .autoAccepted: "auto_accepted"
        case .waiting: "waiting"
        case .expired(let reason): "expired_\(reason.rawValue)"
        }
    }
}
