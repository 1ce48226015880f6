import DjobeaDomain
import Foundation
import GRDB

/// The node's SQLite database: migrations at open, change-logged writes, reads.
///
/// One value wraps `any DatabaseWriter`: a `DatabasePool` on disk (WAL, concurrent reads), an in-memory
/// `DatabaseQueue` in tests.
///
/// Durability (DESIGN.md: ledger writes must survive a process kill):
/// - The journal is WAL. A commit is in the WAL before `COMMIT` returns, so a killed process never loses an
///   acknowledged transaction, whatever `synchronous` is; the next open replays the WAL.
/// - `synchronous=NORMAL` for routine writes: the WAL is fsynced only at checkpoints, so a power cut or kernel
///   crash may lose the transactions committed since the last checkpoint (at most ~1000 pages of WAL), never
///   corrupt the file. FULL would fsync every commit and costs about 50× the commit rate on this hardware.
/// - Money and mission progress are written with `Durability.critical`: `synchronous=FULL` for that
///   transaction, so its commit (and every commit before it, the WAL being sequential) survives a power cut.
public final class NodeDatabase: Sendable {
    public let writer: any DatabaseWriter
    public let nodeId: String
    public let role: NodeRole
    let schema: SchemaCatalog
    let clock: LockedValue<HybridLogicalClock>
    /// Hub: how far to move this node's wall clock to agree with central's, in milliseconds (0 on central, and while
    /// the two agree within `clockCorrectionThreshold`). Set from each pull's measured offset (SPEC.md §2.2).
    let clockCorrectionMs: LockedValue<Int64>
    private let commits: CommitCounter
    /// Whether storage refuses writes (disk full, read-only, I/O errors), since when and why; cleared by the next
    /// committed transaction. Failed writes through `write` record themselves; the HTTP layer records the others.
    public let storage: StorageHealth

    /// Hub: its own hub id (from its enrolment), once known; offer routing skips zones ops moved to another hub.
    public var homeHubId: String? {
        get { home.withLock { $0 } }
        set { home.withLock { $0 = newValue } }
    }
    private let home = LockedValue<String?>(nil)

    /// Offsets to central smaller than this are network noise and not corrected.
    public static let clockCorrectionThreshold: TimeInterval = 60

    /// A number that grows with every committed write transaction on this node, whatever wrote it (change-logged
    /// writes, auth tables, sync). Read it *before* a read: if it is unchanged later, nothing committed since, so
    /// an answer computed from that read is still current. Response caches key on it.
    public var commitGeneration: UInt64 { commits.value }

    /// Opens (creating if needed) the database file at `path` as a `DatabasePool`.
    public static func open(path: String, role: NodeRole, newNodeId: String? = nil) throws -> NodeDatabase {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        return try NodeDatabase(writer: pool, role: role, newNodeId: newNodeId)
    }

    /// An in-memory database for tests.
    public static func inMemory(role: NodeRole = .hub, newNodeId: String? = nil) throws -> NodeDatabase {
        try NodeDatabase(writer: DatabaseQueue(), role: role, newNodeId: newNodeId)
    }

    /// - Parameters:
    ///   - newNodeId: the node id to take if the database is new (a fresh UUIDv7 otherwise); ignored on an existing one.
    init(writer: any DatabaseWriter, role: NodeRole, newNodeId: String? = nil) throws {
        self.writer = writer
        let storage = StorageHealth()
        self.storage = storage
        self.commits = CommitCounter(storage: storage)
        try Migrations.migrator.migrate(writer)
        let (nodeId, schema, lastHLC) = try writer.write { db -> (String, SchemaCatalog, Int64) in
            try CaptureGuard.install(db)
            let nodeId: String
            if let row = try Row.fetchOne(db, sql: "SELECT node_id, role FROM node_identity") {
                let found: String = row["role"]
                guard found == role.rawValue else { throw StoreError.roleMismatch(expected: role.rawValue, found: found) }
                nodeId = row["node_id"]
            } else {
                nodeId = newNodeId ?? DjobeaID.v7()
                try db.execute(
                    sql: "INSERT INTO node_identity (singleton, node_id, role, created_at) VALUES (1, ?, ?, ?)",
                    arguments: [nodeId, role.rawValue, UTCTimestamp.format(Date())])
            }
            // Held changes (far in the future, SPEC.md §2.2) never move the clock.
            let lastHLC = try Int64.fetchOne(db, sql: "SELECT max(hlc) FROM change_log WHERE held = 0") ?? 0
            return (nodeId, try SchemaCatalog(db), lastHLC)
        }
        let centralOffset =
            role == .hub
            ? try writer.read { db in try Int64.fetchOne(db, sql: "SELECT clock_offset_ms FROM peers WHERE role = \(NodeRole.central.sqlLiteral)") }
            : nil
        self.clockCorrectionMs = LockedValue(Self.correction(forOffset: centralOffset))
        self.nodeId = nodeId
        self.role = role
        self.schema = schema
        self.clock = LockedValue(HybridLogicalClock(last: HLC(packed: lastHLC)))
        writer.add(transactionObserver: commits, extent: .databaseLifetime)
    }

    /// Runs `body` in one write transaction in which synced-table writes are change-logged.
    public func write<T: Sendable>(
        durability: Durability = .standard, now: Date = Date(), _ body: @Sendable (SyncedTransaction) throws -> T
    ) async throws -> T {
        do {
            return try await writer.writeWithoutTransaction { db in try self.captured(db, durability: durability, now: now, body) }
        } catch {
            storage.record(ifStorageFailure: error)
            throw error
        }
    }

    /// `write` that completes even when the calling task is being cancelled (GRDB's async writes give up on a cancelled
    /// task): for recording what the outside world already did. A message sent but not marked would be sent again.
    public func writeOutcome<T: Sendable>(
        durability: Durability = .critical, _ body: @escaping @Sendable (SyncedTransaction) throws -> T
    ) async throws -> T {
        try await Task { try await self.write(durability: durability, body) }.value
    }

    /// The blocking form of `write`, for command-line tools and generators that run off the event loop.
    public func writeBlocking<T>(durability: Durability = .standard, now: Date = Date(), _ body: (SyncedTransaction) throws -> T) throws -> T {
        do {
            return try writer.writeWithoutTransaction { db in try captured(db, durability: durability, now: now, body) }
        } catch {
            storage.record(ifStorageFailure: error)
            throw error
        }
    }

    public func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await writer.read(body)
    }

    public func readBlocking<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.read(body)
    }

    /// The number of applied migrations.
    public func schemaVersion() throws -> Int {
        try writer.read { try schemaVersion($0) }
    }

    public func schemaVersion(_ db: Database) throws -> Int {
        try Migrations.schemaVersion(db)
    }

    public static var latestSchemaVersion: Int { Migrations.latestSchemaVersion }

    /// Schema version and row counts in one read, for `GET /healthz`.
    public func healthSnapshot() async throws -> (schemaVersion: Int, rowCounts: [String: Int]) {
        try await writer.read { db in (try Migrations.schemaVersion(db), try self.rowCounts(db)) }
    }

    /// Row counts of the synced tables, the missions projection and the change log, for health checks.
    public func rowCounts() throws -> [String: Int] {
        try writer.read { try rowCounts($0) }
    }

    public func rowCounts(_ db: Database) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in healthCountedTables {
            counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
        }
        return counts
    }

    /// `now` as central's clock would read it: this node's wall clock moved by the measured offset to central when that
    /// offset is beyond noise (hub only). Local stamps and the bound on received stamps use it, so a hub whose clock is
    /// wrong neither stamps its work in the future nor refuses central's changes as too far ahead.
    public func correctedNow(_ now: Date) -> Date {
        let correction = clockCorrectionMs.withLock { $0 }
        return correction == 0 ? now : now.addingTimeInterval(TimeInterval(correction) / 1000)
    }

    /// Hub: takes the offset to central measured by a pull (central's time minus this node's, in milliseconds).
    public func noteCentralClockOffset(_ offsetMs: Int64?) {
        guard role == .hub, let offsetMs else { return }
        clockCorrectionMs.withLock { $0 = Self.correction(forOffset: offsetMs) }
    }

    static func correction(forOffset offsetMs: Int64?) -> Int64 {
        guard let offsetMs, abs(offsetMs) > Int64(clockCorrectionThreshold * 1000) else { return 0 }
        return offsetMs
    }

    private func captured<T>(_ db: Database, durability: Durability, now: Date, _ body: (SyncedTransaction) throws -> T) throws -> T {
        if durability == .critical { try db.execute(sql: "PRAGMA synchronous = FULL") }
        defer { if durability == .critical { try? db.execute(sql: "PRAGMA synchronous = NORMAL") } }
        var result: T?
        try db.inTransaction(.immediate) {
            try CaptureGuard.open(db)
            let transaction = SyncedTransaction(db: db, origin: nodeId, schema: schema, clock: clock, now: correctedNow(now))
            result = try body(transaction)
            try CaptureGuard.close(db)
            return .commit
        }
        guard let result else { throw StoreError.invalid("transaction produced no result") }
        return result
    }
}

/// Counts commits on the writer connection, and takes each as proof that storage works again. It observes no row
/// event (no per-row cost); GRDB notifies every observer of every commit regardless.
private final class CommitCounter: TransactionObserver, @unchecked Sendable {
    private let count = LockedValue<UInt64>(0)
    let storage: StorageHealth

    init(storage: StorageHealth) {
        self.storage = storage
    }

    var value: UInt64 { count.withLock { $0 } }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) {
        count.withLock { $0 &+= 1 }
        storage.clear()
    }
    func databaseDidRollback(_ db: Database) {}
}
