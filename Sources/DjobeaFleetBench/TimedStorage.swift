import DjobeaDomain
import DjobeaReplication
import Foundation

/// Time spent in central's storage transactions, split into the wait before the body runs (SQLite: the writer queue;
/// PostgreSQL: a pooled connection, BEGIN and the change log's append lock) and the body itself.
struct StorageTimes: Sendable {
    var reads = 0
    var readWaitSeconds = 0.0
    var readBodySeconds = 0.0
    var writes = 0
    var writeWaitSeconds = 0.0
    var writeBodySeconds = 0.0
    var writeCommitSeconds = 0.0
    /// SQL statements run in the sync core's transactions (reads and applies), and their total time.
    var statements = 0
    var statementSeconds = 0.0

    static func - (lhs: StorageTimes, rhs: StorageTimes) -> StorageTimes {
        StorageTimes(
            reads: lhs.reads - rhs.reads, readWaitSeconds: lhs.readWaitSeconds - rhs.readWaitSeconds,
            readBodySeconds: lhs.readBodySeconds - rhs.readBodySeconds, writes: lhs.writes - rhs.writes,
            writeWaitSeconds: lhs.writeWaitSeconds - rhs.writeWaitSeconds, writeBodySeconds: lhs.writeBodySeconds - rhs.writeBodySeconds,
            writeCommitSeconds: lhs.writeCommitSeconds - rhs.writeCommitSeconds, statements: lhs.statements - rhs.statements,
            statementSeconds: lhs.statementSeconds - rhs.statementSeconds)
    }
}

/// Central's storage with every transaction timed: it forwards each requirement of `ReplicaStorage` to the real adapter,
/// so the sync core (its protocol extensions) runs unchanged on top.
final class TimedStorage: ReplicaStorage {
    let inner: any ReplicaStorage
    let times = LockedValue(StorageTimes())

    init(_ inner: any ReplicaStorage) {
        self.inner = inner
    }

    var nodeId: String { inner.nodeId }
    var role: NodeRole { inner.role }
    func replicaSchemaVersion() throws -> Int { try inner.replicaSchemaVersion() }
    var replicaClock: LockedValue<HybridLogicalClock> { inner.replicaClock }
    var syncedColumns: [SyncedTable: Set<String>] { inner.syncedColumns }
    func correctedNow(_ now: Date) -> Date { inner.correctedNow(now) }
    func noteCentralClockOffset(_ offsetMs: Int64?) { inner.noteCentralClockOffset(offsetMs) }

    func replicaRead<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T {
        let start = ContinuousClock.now
        let times = self.times
        let (value, began, ended) = try await inner.replicaRead { connection in
            let began = ContinuousClock.now
            let value = try body(CountingConnection(connection, times: times))
            return (value, began, ContinuousClock.now)
        }
        times.withLock {
            $0.reads += 1
            $0.readWaitSeconds += (began - start).seconds
            $0.readBodySeconds += (ended - began).seconds
        }
        return value
    }

    func replicaWrite<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T {
        let start = ContinuousClock.now
        let times = self.times
        let (value, began, ended) = try await inner.replicaWrite { connection in
            let began = ContinuousClock.now
            let value = try body(CountingConnection(connection, times: times))
            return (value, began, ContinuousClock.now)
        }
        record(start: start, began: began, ended: ended)
        return value
    }

    func bookkeepingWrite<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T {
        let start = ContinuousClock.now
        let times = self.times
        let (value, began, ended) = try await inner.bookkeepingWrite { connection in
            let began = ContinuousClock.now
            let value = try body(CountingConnection(connection, times: times))
            return (value, began, ContinuousClock.now)
        }
        record(start: start, began: began, ended: ended)
        return value
    }

    func localWrite<T: Sendable>(critical: Bool, now: Date, _ body: @escaping @Sendable (any ChangeLoggedWrites) throws -> T) async throws -> T {
        let start = ContinuousClock.now
        let (value, began, ended) = try await inner.localWrite(critical: critical, now: now) { tx in
            let began = ContinuousClock.now
            let value = try body(tx)
            return (value, began, ContinuousClock.now)
        }
        record(start: start, began: began, ended: ended)
        return value
    }

    private func record(start: ContinuousClock.Instant, began: ContinuousClock.Instant, ended: ContinuousClock.Instant) {
        let end = ContinuousClock.now
        times.withLock {
            $0.writes += 1
            $0.writeWaitSeconds += (began - start).seconds
            $0.writeBodySeconds += (ended - began).seconds
            $0.writeCommitSeconds += (end - ended).seconds
        }
    }
}

/// A transaction's connection with its statements counted and timed.
final class CountingConnection: ReplicaConnection {
    let inner: any ReplicaConnection
    let times: LockedValue<StorageTimes>

    init(_ inner: any ReplicaConnection, times: LockedValue<StorageTimes>) {
        self.inner = inner
        self.times = times
    }

    private func timed<T>(_ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        defer {
            let elapsed = (ContinuousClock.now - start).seconds
            times.withLock {
                $0.statements += 1
                $0.statementSeconds += elapsed
            }
        }
        return try body()
    }

    func query(_ sql: String, _ arguments: [ColumnValue]) throws -> [ReplicaRow] { try timed { try inner.query(sql, arguments) } }

    @discardableResult
    func execute(_ sql: String, _ arguments: [ColumnValue]) throws -> Int { try timed { try inner.execute(sql, arguments) } }

    @discardableResult
    func savepoint<T>(_ body: () throws -> T) throws -> T { try inner.savepoint(body) }

    func appendLog(_ change: RowChange, recordedAt: String, quarantined: Bool, held: Bool) throws {
        try timed { try inner.appendLog(change, recordedAt: recordedAt, quarantined: quarantined, held: held) }
    }

    func replaceAppendOnly(_ table: SyncedTable, columns: [String], values: [ColumnValue]) throws {
        try timed { try inner.replaceAppendOnly(table, columns: columns, values: values) }
    }

    func insertOwn(_ table: SyncedTable, _ values: ColumnValues, now: Date) throws { try timed { try inner.insertOwn(table, values, now: now) } }
}

extension Duration {
    /// The duration in seconds, as a double.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
