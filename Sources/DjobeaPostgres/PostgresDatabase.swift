import DjobeaDomain
import Logging
import PostgresNIO

/// Central's PostgreSQL database: a small pool of connections and the threads that run synchronous transaction bodies.
///
/// The sync core is synchronous (it was written for SQLite): `transaction` hands its body a `PostgresSession` on a thread
/// of its own, so the body may run many queries one after the other without being async, while the caller awaits.
public final class PostgresDatabase: Sendable {
    public let url: PostgresURL
    private let pool: ConnectionPool
    private let threads: NIOThreadPool
    private let logger: Logger
    private let maximumConnections: Int

    private init(url: PostgresURL, pool: ConnectionPool, threads: NIOThreadPool, connections: Int, logger: Logger) {
        self.url = url
        self.maximumConnections = connections
        self.pool = pool
        self.threads = threads
        self.logger = logger
    }

    /// Opens a pool of at most `connections` connections to `url` and checks that the server answers.
    public static func connect(url: String, connections: Int = 8, logger: Logger) async throws -> PostgresDatabase {
        let url = try PostgresURL(url)
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: .disable)
        // The server notices a client that vanished without closing (power cut, network partition) in about 25 s, not
        // the kernel's two hours: its sessions end, and the advisory locks they held (a job's, `PostgresJobLock`) free.
        configuration.options.additionalStartupParameters = [
            ("tcp_keepalives_idle", "10"), ("tcp_keepalives_interval", "5"), ("tcp_keepalives_count", "3"),
        ]
        let count = max(1, connections)
        let pool = ConnectionPool(configuration: configuration, maximum: count, logger: logger)
        let threads = NIOThreadPool(numberOfThreads: count)
        threads.start()
        let database = PostgresDatabase(url: url, pool: pool, threads: threads, connections: count, logger: logger)
        do {
            _ = try await database.session { try $0.execute("SELECT 1") }
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// Runs `body` in a transaction (BEGIN … COMMIT, at READ COMMITTED) on one connection, on a dedicated thread. A
    /// throwing body rolls the transaction back and its error is rethrown; a failed COMMIT throws too.
    ///
    /// An idle connection the server ended (a restart) is found out at BEGIN, before the body runs: the transaction
    /// then starts again on another connection, up to one more time than the pool has connections.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await withConnection { session in
                    do {
                        try session.execute("BEGIN")
                    } catch PostgresDatabaseError.connection(let reason) {
                        throw StaleConnection(reason: reason)
                    }
                    let value: T
                    do {
                        value = try body(session)
                    } catch {
                        session.rollback()
                        throw error
                    }
                    try session.commit()
                    return value
                }
            } catch let stale as StaleConnection {
                if attempt > maximumConnections { throw PostgresDatabaseError.connection(stale.reason) }
            }
        }
    }

    /// Runs `body` on one connection with no surrounding transaction: each statement commits on its own (for the few
    /// statements PostgreSQL refuses inside one, such as CREATE DATABASE).
    public func session<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        try await withConnection(body)
    }

    /// Closes every connection; transactions still running finish first, later ones throw `.closed`. Call it before
    /// letting go of the database (postgres-nio asserts that a connection is closed before it is freed).
    public func close() async {
        await pool.close()
        try? await threads.shutdownGracefully()
    }

    private func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        let connection = try await pool.lease()
        let logger = self.logger
        let outcome: Result<T, any Error>
        let broken: Bool
        do {
            (outcome, broken) = try await threads.runIfActive {
                let session = PostgresSession(connection: connection, logger: logger)
                do {
                    return (.success(try body(session)), session.isBroken)
                } catch {
                    return (.failure(error), session.isBroken)
                }
            }
        } catch {
            // The pool is shut down, or the task was cancelled before the body started: the connection is untouched.
            (outcome, broken) = (.failure(error), false)
        }
        // A connection lost, or left in a transaction its ROLLBACK could not end, is not lent again.
        await pool.release(connection, broken: broken || connection.isClosed)
        return try outcome.get()
    }
}

/// BEGIN failed for want of a connection: nothing was done, the transaction may start again elsewhere.
private struct StaleConnection: Error {
    let reason: String
}
