import Logging
import PostgresNIO

/// At most `maximum` connections, opened on demand and kept idle between transactions. A lease waits (in order) when
/// all are lent; a connection returned closed or broken is dropped and its place goes to the next waiter, who opens a
/// new one, so a restarted server is reconnected to on the next transaction.
actor ConnectionPool {
    private let configuration: PostgresConnection.Configuration
    private let maximum: Int
    private let logger: Logger
    private var idle: [PostgresConnection] = []
    /// Connections open or being opened, lent or idle.
    private var open = 0
    /// Waiters get a connection, or nil: a place was freed for them to open one.
    private var waiters: [CheckedContinuation<PostgresConnection?, any Error>] = []
    private var nextID = 0
    private var closed = false

    init(configuration: PostgresConnection.Configuration, maximum: Int, logger: Logger) {
        self.configuration = configuration
        self.maximum = max(1, maximum)
        self.logger = logger
    }

    func lease() async throws -> PostgresConnection {
        guard !closed else { throw PostgresDatabaseError.closed }
        while let connection = idle.popLast() {
            if !connection.isClosed { return connection }
            open -= 1
        }
        if open >= maximum {
            if let connection = try await withCheckedThrowingContinuation({ waiters.append($0) }) {
                return connection
            }
        } else {
            open += 1
        }
        // This lease holds a place in `open`: make the connection, or give the place back.
        nextID += 1
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: nextID, logger: logger)
        } catch {
            freePlace()
            throw PostgresDatabaseError.connection("\(configuration.host ?? "?"):\(configuration.port ?? 0) — \(Self.reason(error))")
        }
    }

    /// Gives a connection back; `broken` (or a closed connection) drops it.
    func release(_ connection: PostgresConnection, broken: Bool) {
        guard !broken, !connection.isClosed, !closed else {
            Task { try? await connection.close() }
            freePlace()
            return
        }
        if waiters.isEmpty {
            idle.append(connection)
        } else {
            waiters.removeFirst().resume(returning: connection)
        }
    }

    func close() async {
        closed = true
        for waiter in waiters { waiter.resume(throwing: PostgresDatabaseError.closed) }
        waiters = []
        let connections = idle
        idle = []
        open -= connections.count
        for connection in connections { try? await connection.close() }
    }

    /// What went wrong, readably: the server's message (a refused login, a missing database), else the socket's error.
    static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let message = error.serverInfo?[.message] {
            return "\(message) (\(error.serverInfo?[.sqlState] ?? "?"))"
        }
        return error.underlying.map { String(describing: $0) } ?? String(describing: error.code)
    }

    private func freePlace() {
        if waiters.isEmpty || closed {
            open -= 1
        } else {
            waiters.removeFirst().resume(returning: nil)
        }
    }
}
