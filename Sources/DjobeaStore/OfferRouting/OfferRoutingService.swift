import DjobeaDomain
import Foundation
import Logging

/// The hub's offer routing loop: a sweep every `interval` until the task running `run()` is cancelled.
///
/// A failed sweep is logged and the loop goes on; nothing here ends the process.
public actor OfferRoutingService {
    public let dispatcher: OfferDispatcher
    public let interval: Duration
    let logger: Logger
    /// The last sweep's report, for ops and health pages.
    public private(set) var lastReport: OfferSweepReport?
    /// Sweeps run since start, failed ones included.
    public private(set) var sweeps = 0

    /// - Parameters:
    ///   - interval: time between the end of one sweep and the start of the next.
    public init(dispatcher: OfferDispatcher, interval: Duration = .seconds(30), logger: Logger) {
        self.dispatcher = dispatcher
        self.interval = interval
        self.logger = logger
    }

    /// Sweeps until cancelled.
    public func run() async {
        logger.info("offers.service.started", metadata: ["interval": "\(interval)"])
        while !Task.isCancelled {
            await sweepOnce()
            do {
                try await Task.sleep(for: interval)
            } catch {
                break  // cancelled while sleeping
            }
        }
        logger.info("offers.service.stopped", metadata: ["sweeps": "\(sweeps)"])
    }

    /// One sweep at the dispatcher's clock; errors are logged, never thrown.
    @discardableResult
    public func sweepOnce() async -> OfferSweepReport? {
        sweeps += 1
        do {
            let report = try await dispatcher.sweep(now: dispatcher.clock())
            lastReport = report
            let metadata: Logger.Metadata = [
                "requests": "\(report.requests)", "offered": "\(report.offersMade)", "expired_offers": "\(report.offersExpired)",
                "withdrawn": "\(report.offersWithdrawn)", "auto_accepted": "\(report.autoAccepted)",
                "expired_requests": "\(report.requestsExpired)", "waiting": "\(report.requestsWaiting)", "failures": "\(report.failures)",
            ]
            if report.failures > 0 {
                logger.warning("offers.sweep.partial", metadata: metadata)
            } else if report.requestsExpired > 0 {
                // One line for every request the sweep expired (each one is at info level).
                logger.notice("offers.sweep", metadata: metadata)
            } else if report.changed {
                logger.info("offers.sweep", metadata: metadata)
            } else {
                logger.debug("offers.sweep", metadata: metadata)
            }
            return report
        } catch {
            if error is CancellationError || Task.isCancelled {
                // Shutting down: the interrupted sweep is decided again at the next start. Not a failure.
                logger.debug("offers.sweep.interrupted", metadata: ["error": "\(error)"])
            } else if let failure = StorageFailure.classify(error) {
                logger.warning("offers.sweep.storage_refused", metadata: ["reason": "\(failure.rawValue)", "error": "\(error)"])
            } else {
                logger.error("offers.sweep.failed", metadata: ["error": "\(error)"])
            }
            return nil
        }
    }
}
