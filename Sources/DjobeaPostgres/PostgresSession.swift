import DjobeaDomain
import Foundation
import Logging
import PostgresNIO

/// One connection, lent to a synchronous body for the length of a transaction (`PostgresDatabase.transaction`). Each
/// call blocks the body's thread until the server answers; the body runs on a dedicated thread, never on an event loop
/// or Swift's cooperative pool, so blocking is safe there. Use it only inside the body it was given to.
///
/// Placeholders are `$1`, `$2`…; binds are the sync values (`ColumnValue`): integers travel as int8, text as text,
/// NULL untyped. Rows come back as `ColumnValue`s: int2/int4/int8 and bool as `.integer`, text/varchar/name as `.text`,
/// NULL (and void) as `.null`; any other type is refused (`PostgresDatabaseError.unsupportedType`).
public final class PostgresSession {
    let connection: PostgresConnection
    let logger: Logger
    /// Set when the connection may be lost or stuck in a transaction: the pool drops it.
    private(set) var isBroken = false

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Runs a statement and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ binds: [ColumnValue] = []) throws -> [[ColumnValue]] {
        try run(sql, binds).rows.map { row in try row.map(Self.value) }
    }

    /// Runs a statement and returns the number of rows it inserted, updated, deleted or selected (0 for others).
    @discardableResult
    public func execute(_ sql: String, _ binds: [ColumnValue] = []) throws -> Int {
        try run(sql, binds).metadata.rows ?? 0
    }

    /// The first column of the first row, or nil without a row.
    public func scalar(_ sql: String, _ binds: [ColumnValue] = []) throws -> ColumnValue? {
        try query(sql, binds).first?.first
    }

    func run(_ sql: String, _ binds: [ColumnValue]) throws -> PostgresQueryResult {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            switch bind {
            case .null: bindings.appendNull()
            case .integer(let value): bindings.append(value)
            case .text(let value): bindings.append(value)
            }
        }
        do {
            return try wait(for: connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger))
        } catch let error as PSQLError {
            let translated = Self.translate(error, sql: sql)
            if case PostgresDatabaseError.connection = translated { isBroken = true }
            throw translated
        }
    }

    /// Blocks this thread until `future` completes. postgres-nio drops a query written to a connection that has just
    /// closed (the server restarted or ended it) without ever completing its future, so the wait checks the connection
    /// twice a second and gives up once it is closed.
    private func wait(for future: EventLoopFuture<PostgresQueryResult>) throws -> PostgresQueryResult {
        let outcome = Outcome()
        future.whenComplete { outcome.complete($0) }
        while outcome.done.wait(timeout: .now() + .milliseconds(500)) == .timedOut {
            guard connection.isClosed else { continue }
            // A query that was in flight is failed by postgres-nio itself: leave it a moment to say so.
            if outcome.done.wait(timeout: .now() + .milliseconds(200)) == .success { break }
            isBroken = true
            throw PostgresDatabaseError.connection("connexion fermée pendant la requête")
        }
        return try outcome.result().get()
    }

    /// Commits; a transaction that had failed (a statement errored and the body went on) is rolled back by COMMIT
    /// without an error from the server, which this turns into one.
    func commit() throws {
        let tag = try run("COMMIT", []).metadata.command
        if tag == "ROLLBACK" {
            throw PostgresDatabaseError.server(
                sqlState: "25P02", message: "la transaction avait échoué : COMMIT l'a annulée", detail: nil, sql: "COMMIT")
        }
    }

    /// Ends a failed transaction; when even that fails, the connection is marked broken instead of throwing, so that
    /// the body's own error is the one reported.
    func rollback() {
        do { try execute("ROLLBACK") } catch { isBroken = true }
    }

    static func value(_ cell: PostgresCell) throws -> ColumnValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .text, .varchar, .name, .bpchar: return .text(try cell.decode(String.self))
        case .void: return .null
        default: throw PostgresDatabaseError.unsupportedType(column: cell.columnName, type: "\(cell.dataType)")
        }
    }

    /// Constraint violations become `PostgresConstraintViolation`, other server errors `PostgresDatabaseError.server`,
    /// the rest (a lost connection) `PostgresDatabaseError.connection`.
    static func translate(_ error: PSQLError, sql: String) -> any Error {
        guard error.code == .server, let info = error.serverInfo, let state = info[.sqlState] else {
            return PostgresDatabaseError.connection(ConnectionPool.reason(error))
        }
        let message = info[.message] ?? "?"
        // The server ending the session (an administrator, a shutdown, a crash of another backend) loses the
        // connection, not the statement: say so, so that the pool drops it and BEGIN starts again elsewhere.
        if ["57P01", "57P02", "57P03"].contains(state) { return PostgresDatabaseError.connection("\(state) \(message)") }
        if ["23505", "23514", "23502"].contains(state) {
            return PostgresConstraintViolation(message: message, sqlState: state, constraint: info[.constraintName])
        }
        return PostgresDatabaseError.server(sqlState: state, message: message, detail: info[.detail], sql: sql)
    }
}

/// The result of a query, handed from the event loop to the waiting thread.
private final class Outcome: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var value: Result<PostgresQueryResult, any Error>?

    func complete(_ result: Result<PostgresQueryResult, any Error>) {
        lock.withLock { value = result }
        done.signal()
    }

    func result() -> Result<PostgresQueryResult, any Error> {
        lock.withLock { value } ?? .failure(PostgresDatabaseError.connection("pas de réponse"))
    }
}
