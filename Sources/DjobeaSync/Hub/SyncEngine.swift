import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import Foundation
import Logging

/// What one sync round moved.
public struct SyncRoundReport: Sendable, Equatable {
    public var pushed = 0
    public var pulled = 0
    public var duplicates = 0
    public var conflicts = 0
    public var requests = 0
    public var bytes = 0

    public init() {}
}

/// The hub's sync engine (SPEC.md §3.4): pulls its partition of central's log, then pushes its own changes, in
/// batches bounded in bytes, each applied and acknowledged in one transaction. Continuous while linked: a round
/// starts soon after a local commit and on a timer; after a failure it retries with exponential backoff and jitter
/// on its own, without waiting for the next local write.
public actor SyncEngine {
    let database: NodeDatabase
    let transport: any SyncTransport
    let logger: Logger
    let interval: Duration
    let batchBytes: Int
    /// The photo byte lane (SPEC.md §6), run after each successful idle round; nil: rows only.
    let photos: PhotoLane?
    let onRequestsChanged: @Sendable (Set<String>) async -> Void
    /// The hub's wall clock: `Date()` in service, a schedule's clock in tests.
    let now: @Sendable () -> Date
    /// How long the engine waits between two tries while central refuses this hub's protocol version as too old.
    let tooOldRetry: Duration
    private var failures = 0
    /// Central refused this hub's protocol version as too old at the last round (SPEC.md §9.1).
    public private(set) var protocolTooOld = false

    /// - Parameters:
    ///   - transport: the exchange with central (`SyncClient` over HTTP).
    ///   - batchBytes: the largest batch asked for (pull) or sent (push).
    ///   - now: the hub's wall clock (held changes, the clock offset to central, the link's stamps).
    ///   - tooOldRetry: the wait between tries while central says this hub is too old (an hour: only an upgrade helps).
    public init(
        database: NodeDatabase, transport: any SyncTransport, logger: Logger, interval: Duration = .seconds(10), batchBytes: Int = 256 * 1024,
        photos: PhotoLane? = nil, onRequestsChanged: @escaping @Sendable (Set<String>) async -> Void = { _ in },
        now: @escaping @Sendable () -> Date = { Date() }, tooOldRetry: Duration = .seconds(3600)
    ) {
        self.database = database
        self.transport = transport
        self.logger = logger
        self.interval = interval
        self.batchBytes = batchBytes
        self.photos = photos
        self.onRequestsChanged = onRequestsChanged
        self.now = now
        self.tooOldRetry = tooOldRetry
    }

    /// The engine over HTTP (`client`).
    public init(
        database: NodeDatabase, client: SyncClient, logger: Logger, interval: Duration = .seconds(10), batchBytes: Int = 256 * 1024,
        photos: PhotoLane? = nil, onRequestsChanged: @escaping @Sendable (Set<String>) async -> Void = { _ in }
    ) {
        self.init(
            database: database, transport: client as any SyncTransport, logger: logger, interval: interval, batchBytes: batchBytes,
            photos: photos, onRequestsChanged: onRequestsChanged)
    }

    var central: String { transport.link.centralNodeId }

    /// One full round: pull until central says there is no more, then push everything central lacks.
    public func syncOnce(progress: (@Sendable (SyncRoundReport) -> Void)? = nil) async throws -> SyncRoundReport {
        // Held changes (SPEC.md §2.2) take effect when due, even on a round whose pull fails.
        _ = try? await database.releaseHeldChanges(centralNodeId: central, now: now())
        return try await recordingOutcome { report in
            // Pull first: its answer carries central's acknowledgement of this node's changes, so the push that
            // follows starts from what central really holds (also after a restore or a re-enrolment).
            while try await pullBatch(into: &report, progress: progress) {}
            var acknowledged = try await database.peerLink(nodeId: central)?.acknowledged ?? 0
            while try await pushBatch(after: &acknowledged, into: &report, progress: progress) {}
        }
    }

    /// The first pull of a round alone (held changes released, one slice asked for and applied): what it moved, and
    /// whether central has more. For tests that interleave single exchanges; a round is `syncOnce`.
    public func pullOnce() async throws -> (report: SyncRoundReport, more: Bool) {
        _ = try? await database.releaseHeldChanges(centralNodeId: central, now: now())
        var more = false
        let report = try await recordingOutcome { report in more = try await pullBatch(into: &report, progress: nil) }
        return (report, more)
    }

    /// One push of a round alone: the next batch of this node's changes after central's acknowledgement; nil when
    /// there was none to send.
    public func pushOnce() async throws -> SyncRoundReport? {
        var pushed = false
        let report = try await recordingOutcome { report in
            var acknowledged = try await database.peerLink(nodeId: central)?.acknowledged ?? 0
            pushed = try await pushBatch(after: &acknowledged, into: &report, progress: nil)
        }
        return pushed ? report : nil
    }

    /// Runs `body` and records the link's outcome: success (with the changes pushed) or the error, which is rethrown.
    private func recordingOutcome(_ body: (inout SyncRoundReport) async throws -> Void) async throws -> SyncRoundReport {
        var report = SyncRoundReport()
        do {
            try await body(&report)
            try await database.recordLinkOutcome(
                peer: central, role: .central, name: "central", error: nil, changesOut: report.pushed, now: now())
            return report
        } catch {
            var message = (error as? SyncError)?.messageFR ?? String(describing: error)
            // A refusal for an old protocol version is shown as such (/healthz, /ops), whatever release central runs.
            if let error = error as? SyncError, error.isProtocolTooOld, !message.hasPrefix(protocolTooOldNoticeFR) {
                message = "\(protocolTooOldNoticeFR). \(message)"
            }
            try? await database.recordLinkOutcome(peer: central, role: .central, name: "central", error: message, now: now())
            throw error
        }
    }

    /// Asks central for the next slice of this hub's feed and applies it with the cursor; returns whether there is more.
    private func pullBatch(into report: inout SyncRoundReport, progress: (@Sendable (SyncRoundReport) -> Void)?) async throws -> Bool {
        let link = try await database.peerLink(nodeId: central)
        let pending = try await database.pendingOwnChanges(acknowledged: link?.acknowledged ?? 0)
        var request = PullRequest(
            schemaVersion: try database.schemaVersion(), cursor: link?.pulledThrough ?? 0, maxBytes: batchBytes,
            pendingOut: pending.count, oldestPendingAt: pending.oldestAt, photoBacklogBytes: await photoBacklogBytes(),
            partition: link?.partitionFingerprint, movesSeen: link?.movesSeen)
        request.protocolVersion = transport.protocolVersion
        let sent = now().unixMillis
        let (answer, bytes): (PullResponse, Int) = try await transport.post("/sync/v1/pull", request)
        let received = now().unixMillis
        let changes = try answer.batch.rowChanges()
        let summary = try await database.applyFromCentral(
            changes, centralNodeId: central, through: answer.through, acknowledged: answer.acknowledged, wireBytes: bytes,
            clockOffsetMs: HubClockOffset.measure(serverTime: answer.serverTime, sent: sent, received: received), partition: answer.partition,
            movesSeen: answer.movesHead, left: answer.left ?? [], back: answer.back ?? [], now: now())
        report.pulled += summary.applied
        report.duplicates += summary.duplicates
        report.conflicts += summary.conflicts
        report.requests += summary.requests.count
        report.bytes += bytes
        if !summary.requests.isEmpty { await onRequestsChanged(summary.requests) }
        progress?(report)
        return answer.more
    }

    /// Sends the next batch of this node's changes after `acknowledged` and moves it to central's acknowledgement;
    /// returns false when there was nothing to send.
    private func pushBatch(
        after acknowledged: inout Int64, into report: inout SyncRoundReport, progress: (@Sendable (SyncRoundReport) -> Void)?
    ) async throws -> Bool {
        let (changes, _) = try await database.ownChanges(after: acknowledged, maxBytes: batchBytes)
        if changes.isEmpty { return false }
        var request = PushRequest(schemaVersion: try database.schemaVersion(), batch: WireBatch(changes))
        request.protocolVersion = transport.protocolVersion
        let (answer, bytes): (PushResponse, Int) = try await transport.post("/sync/v1/push", request)
        guard answer.acknowledged > acknowledged else {
            throw SyncError.malformed("le central n'a rien acquitté (acquitté \(answer.acknowledged))")
        }
        acknowledged = answer.acknowledged
        try await database.updatePeer(nodeId: central, role: .central, name: "central", [.acknowledged(acknowledged)])
        report.pushed += answer.applied
        report.duplicates += answer.duplicates
        report.conflicts += answer.conflicts
        report.bytes += bytes
        progress?(report)
        return true
    }

    /// Runs rounds until cancelled.
    public func run() async {
        while !Task.isCancelled {
            let before = database.commitGeneration
            do {
                let report = try await syncOnce()
                if failures > 0 { logger.notice("sync.link.restored", metadata: ["after_failures": "\(failures)"]) }
                failures = 0
                protocolTooOld = false
                if report.pushed + report.pulled > 0 {
                    logger.info(
                        "sync.round", metadata: ["pushed": "\(report.pushed)", "pulled": "\(report.pulled)", "conflicts": "\(report.conflicts)"])
                }
            } catch is CancellationError {
                return
            } catch let error as SyncError where error.isProtocolTooOld {
                // Only an upgrade helps: said once, then tried again every `tooOldRetry`; the hub serves on offline.
                failures += 1
                if !protocolTooOld {
                    logger.error(
                        "sync.protocol.too_old",
                        metadata: ["message": "\(error.messageFR)", "protocol": "\(transport.protocolVersion)", "retry": "\(tooOldRetry)"])
                } else {
                    logger.debug("sync.protocol.still_too_old", metadata: ["failures": "\(failures)"])
                }
                protocolTooOld = true
            } catch {
                failures += 1
                protocolTooOld = false
                logger.warning("sync.round.failed", metadata: ["error": "\(error)", "failures": "\(failures)"])
            }
            // Requests that just arrived were offered during the round: push the offers now, not at the next tick.
            if failures == 0,
                (try? await database.pendingOwnChanges(acknowledged: database.peerLink(nodeId: central)?.acknowledged ?? 0).count) ?? 0 > 0
            {
                continue
            }
            var generation = failures == 0 ? database.commitGeneration : before
            let wait = failures == 0 ? interval : protocolTooOld ? tooOldRetry : Self.backoff(failures: failures)
            let deadline = ContinuousClock.now + wait
            // Photos wait for rows (SPEC.md §6.1): the lane runs after a successful round with nothing left to push, and
            // stops between two chunks when a round is due (a local change, the timer). Its failures are not the round's.
            if failures == 0, let photos {
                if await photos.runWhileIdle(until: deadline).stopped { continue }
                generation = database.commitGeneration
                if (try? await database.pendingOwnChanges(acknowledged: database.peerLink(nodeId: central)?.acknowledged ?? 0).count) ?? 0 > 0 {
                    continue
                }
            }
            while ContinuousClock.now < deadline, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                // A local commit starts the next round early (only while the link works; backoff otherwise).
                if failures == 0, database.commitGeneration != generation { break }
            }
        }
    }

    /// One pass of the photo lane (uploads, then downloads), for tools and benchmarks; an empty report without a lane.
    public func syncPhotosOnce(maxChunks: Int? = nil) async throws -> PhotoLaneReport {
        guard let photos else { return PhotoLaneReport() }
        return try await photos.syncPhotosOnce(maxChunks: maxChunks)
    }

    /// What the photo lane still has to upload; 0 without a lane or when it cannot tell (never fails a round).
    private func photoBacklogBytes() async -> Int {
        guard let photos else { return 0 }
        return Int((try? await photos.backlogBytes()) ?? 0)
    }

    /// 1 s, 2 s, 4 s … capped at 60 s, with ±25 % jitter so that hubs cut off together do not return together.
    static func backoff(failures: Int) -> Duration {
        let base = min(60.0, pow(2.0, Double(min(failures, 10) - 1)))
        return .milliseconds(Int(base * Double.random(in: 0.75...1.25) * 1000))
    }
}
