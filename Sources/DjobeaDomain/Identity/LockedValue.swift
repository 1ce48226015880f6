import Foundation

/// A value guarded by a lock, for the few process-wide states the domain keeps (id generator, clock).
///
/// `@unchecked Sendable` is safe because every access to `value` goes through `lock`.
public final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
