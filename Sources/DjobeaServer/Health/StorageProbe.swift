import DjobeaStore
import Foundation
import Logging

/// While storage is degraded, tries a small real write every `interval`; its commit clears the state (as would any
/// other successful write), so `/healthz` and `/metrics` recover without waiting for a provider's write.
public func storageProbeLoop(database: any ServedStorage, logger: Logger, interval: Duration = .seconds(15)) -> BackgroundLoop {
    BackgroundLoop(name: "storage-probe") {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return  // cancelled: the node is stopping
            }
            guard let degradation = database.storageHealth.degradation else { continue }
            do {
                try await database.probeStorage(now: Date())
                logger.notice("storage.recovered", metadata: ["reason": "\(degradation.reason.rawValue)"])
            } catch is CancellationError {
                return
            } catch {
                if database.storageHealth.takeAnnouncement() {
                    logger.error("storage.degraded", metadata: ["reason": "\(degradation.reason.rawValue)", "error": "\(error)"])
                } else {
                    logger.debug("storage.probe.failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
