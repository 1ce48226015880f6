import Dispatch
import DjobeaDomain
import HummingbirdBcrypt

/// bcrypt, run on its own threads so that a hash (about 50 ms at cost 10) never blocks the event loop or the
/// Swift concurrency pool (two threads on a two-core hub).
///
/// Work goes round-robin to a fixed number of serial dispatch queues, so a burst of logins queues up instead of
/// spawning a thread per request.
final class PasswordHasher: Sendable {
    let cost: Int
    private let lanes: [DispatchQueue]
    private let next = LockedValue(0)

    /// - Parameters:
    ///   - cost: bcrypt cost, 4...31.
    ///   - lanes: how many hashes may run at once.
    init(cost: Int, lanes: Int = 2) {
        self.cost = min(31, max(4, cost))
        self.lanes = (0..<max(1, lanes)).map { index in
            let queue = DispatchQueue(label: "djobea.auth.bcrypt.\(index)", qos: .userInitiated)
            queue.setSpecific(key: Self.laneKey, value: index)
            return queue
        }
    }

    /// Set on the hasher's queues: lets a test see where the work ran.
    static let laneKey = DispatchSpecificKey<Int>()

    /// The bcrypt hash of `password` (`$2b$…`, salt included).
    func hash(_ password: String) async -> String {
        let cost = UInt8(self.cost)
        return await run { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`.
    func verify(_ password: String, hash: String) async -> Bool {
        await run { Bcrypt.verify(password, hash: hash) }
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        let lane = next.withLock { index in
            defer { index = (index + 1) % lanes.count }
            return lanes[index]
        }
        return await withCheckedContinuation { continuation in
            lane.async { continuation.resume(returning: work()) }
        }
    }
}

/// What a password must be: 8 characters at least, 72 bytes at most (bcrypt ignores anything past 72 bytes).
enum PasswordPolicy {
    static func check(_ password: String) throws {
        guard password.count >= 8, password.utf8.count <= 72 else { throw AuthError.weakPassword }
    }
}
