import Foundation

/// Polls `condition` every `interval` until it holds or `timeout` seconds pass, then answers it one last time.
///
/// With `ignoringErrors`, a throw while polling counts as "not yet" (a process still starting, a file not yet written);
/// only the last check's error is thrown.
public func eventually(
    timeout: TimeInterval = 10, every interval: Duration = .milliseconds(50), ignoringErrors: Bool = false,
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if ignoringErrors {
            if (try? await condition()) == true { return true }
        } else if try await condition() {
            return true
        }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}
