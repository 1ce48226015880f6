import DjobeaDomain
import DjobeaPostgres
import Logging

/// Background jobs that must run once per deployment (the gateway's sending, pushes, rating requests, activity
/// summaries) when several central processes share one PostgreSQL database: each such loop runs only in the process
/// that holds the job's advisory lock (`PostgresJobLock`). The others ask again every `retry`; when the holder dies
/// or loses its connection, its session lock goes with it and another process takes the job at its next try. The
/// holder checks every `retry` that it still holds the lock and stops the job at once when it does not.
///
/// On SQLite there is nothing to do: the data directory's lock already allows one process per node.
public struct ExclusiveJobs: Sendable {
    public let url: String
    public let logger: Logger
    public var retry: Duration

    public init(url: String, logger: Logger, retry: Duration = .seconds(5)) {
        self.url = url
        self.logger = logger
        self.retry = retry
    }

    /// `body`'s answer, or nil if it does not come within `limit`. A body that is stuck (a query on a connection gone
    /// silent) is left behind, not awaited: a task group would wait for it.
    static func answers<T: Sendable>(within limit: Duration, _ body: @escaping @Sendable () async -> T) async -> T? {
        let pending = LockedValue<CheckedContinuation<T?, Never>?>(nil)
        return await withCheckedContinuation { continuation in
            pending.withLock { $0 = continuation }
            @Sendable func finish(_ value: T?) {
                let waiting = pending.withLock { current -> CheckedContinuation<T?, Never>? in
                    defer { current = nil }
                    return current
                }
                waiting?.resume(returning: value)
            }
            let answer = Task { finish(await body()) }
            Task {
                try? await Task.sleep(for: limit)
                answer.cancel()
                finish(nil)
            }
        }
    }

    /// `loop`, run only while this process holds the job named after it.
    public func exclusive(_ loop: BackgroundLoop) -> BackgroundLoop {
        let (url, logger, retry) = (url, logger, retry)
        return BackgroundLoop(name: loop.name) {
            var lock: PostgresJobLock?
            while !Task.isCancelled {
                if lock == nil {
                    lock = try? await PostgresJobLock.open(url: url, job: loop.name, logger: logger)
                }
                if let held = lock, await held.acquire() {
                    logger.notice("job.taken", metadata: ["job": "\(loop.name)"])
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask { await loop.body() }
                        group.addTask {
                            // A check that does not answer in time (a connection gone silent) counts as the lock lost:
                            // better stop the job here than run it beside the process the server may give it to.
                            while !Task.isCancelled, await Self.answers(within: retry * 2, { await held.acquire() }) == true {
                                try? await Task.sleep(for: retry)
                            }
                        }
                        _ = await group.next()
                        group.cancelAll()
                    }
                    if !Task.isCancelled {
                        logger.warning("job.lost", metadata: ["job": "\(loop.name)"])
                        // The lock's connection may be gone or stuck: a new one at the next try. Closing a stuck one could
                        // wait for its thread, so it is closed in the background.
                        Task { await held.close() }
                        lock = nil
                    }
                }
                try? await Task.sleep(for: retry)
            }
            await lock?.close()
        }
    }
}
