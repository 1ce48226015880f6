import Crypto
import DjobeaDomain
import Foundation
import Logging

/// A background job that must run once per deployment (the gateway's sending, reconciliation, offer expiry at
/// central), when several central processes share one database: each process asks for the job's PostgreSQL advisory
/// lock before each turn; one holds it and runs the job, the others skip the turn and ask again at the next.
///
/// The lock is session-level, on a connection of its own: it is held as long as that connection lives, so a process
/// that dies or loses its connection gives the job up at once, and another process takes it at its next turn. The key
/// is derived from the job's name (`djobea-job:<name>`, the first 8 bytes of its SHA-256), the same in every process.
public actor PostgresJobLock {
    public let job: String
    public let key: Int64
    private let database: PostgresDatabase
    private var held = false

    /// Opens the lock's own connection.
    public static func open(url: String, job: String, logger: Logger) async throws -> PostgresJobLock {
        PostgresJobLock(job: job, database: try await PostgresDatabase.connect(url: url, connections: 1, logger: logger))
    }

    private init(job: String, database: PostgresDatabase) {
        self.job = job
        self.key = Self.key(job: job)
        self.database = database
    }

    /// The advisory-lock key of a job.
    public static func key(job: String) -> Int64 {
        let digest = Array(SHA256.hash(data: Data("djobea-job:\(job)".utf8)))
        return digest.prefix(8).reduce(Int64(0)) { ($0 << 8) | Int64($1) }
    }

    /// Whether this process holds the job now: takes the lock if it is free, keeps it if this process held it already.
    /// False when another process holds it (or the database cannot be reached: better skip a turn than run twice).
    public func acquire() async -> Bool {
        let key = self.key
        let wasHeld = held
        do {
            held = try await database.session { session in
                let taken = try session.scalar("SELECT pg_try_advisory_lock($1)", [.integer(key)])?.integerValue == 1
                // Re-entrant: a second grant to this session is given back, so one release frees it.
                if taken && wasHeld { try session.execute("SELECT pg_advisory_unlock($1)", [.integer(key)]) }
                return taken
            }
        } catch {
            held = false
        }
        return held
    }

    /// Runs `body` if this process holds the job this turn; returns whether it ran.
    @discardableResult
    public func runIfHeld(_ body: @Sendable () async throws -> Void) async throws -> Bool {
        guard await acquire() else { return false }
        try await body()
        return true
    }

    /// Gives the job up (another process takes it at its next turn).
    public func release() async {
        guard held else { return }
        let key = self.key
        _ = try? await database.session { session in try session.execute("SELECT pg_advisory_unlock($1)", [.integer(key)]) }
        held = false
    }

    /// Closes the lock's connection, which gives the job up too.
    public func close() async {
        held = false
        await database.close()
    }
}
