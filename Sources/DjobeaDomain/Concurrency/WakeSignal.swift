import Foundation

/// How a background loop waits: until a deadline, or until something wakes it (a row was queued, a webhook came in),
/// or until its task is cancelled. A wake while nobody sleeps is remembered: the next sleep returns at once, so nothing
/// queued between two passes waits a whole interval.
public actor WakeSignal {
    private var waiter: CheckedContinuation<Void, Never>?
    private var woken = false

    public init() {}

    /// Ends the current sleep, or the next one if nobody sleeps now.
    public func wake() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            woken = true
        }
    }

    /// Returns after `seconds`, on `wake()`, or on cancellation, whichever comes first.
    public func sleep(upTo seconds: TimeInterval) async {
        if woken {
            woken = false
            return
        }
        let timer = Task { [weak self] in
            guard (try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))) != nil else { return }
            await self?.wake()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled || woken {
                    continuation.resume()
                } else {
                    waiter = continuation
                }
            }
        } onCancel: {
            Task { await self.wake() }
        }
        woken = false
        timer.cancel()
    }
}
