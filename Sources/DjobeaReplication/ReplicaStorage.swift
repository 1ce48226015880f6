import DjobeaDomain
import Foundation

/// The narrow storage interface of the sync core (DESIGN.md "Central at scale").
///
/// The sync core (applying changes with the conflict rules, the partition filter, the hub feed, version vectors,
/// peer bookkeeping, quarantine and conflicts) is written once, in this module, against this protocol. It speaks
/// portable SQL over generic values (`ColumnValue`: integer, text, null) with `?` placeholders, and never a
/// driver's types. Two adapters implement it: SQLite (GRDB, hubs and the embedded central) and PostgreSQL
/// (postgres-nio, central at scale).
public protocol ReplicaStorage: Sendable {
    /// This node's id: the origin of the changes it makes.
    var nodeId: String { get }
    /// Hub or central.
    var role: NodeRole { get }
    /// The version of this storage's schema (its migrations applied), as a pull reports it.
    func replicaSchemaVersion() throws -> Int
    /// This node's hybrid logical clock, shared with its local writes.
    var replicaClock: LockedValue<HybridLogicalClock> { get }
    /// The columns this node's schema has for each synced table: a received column it lacks stays in the change log
    /// (a newer peer's) but is not written to the row.
    var syncedColumns: [SyncedTable: Set<String>] { get }
    /// The wall clock this node stamps with (a hub corrects its own by central's, SPEC.md §2.2).
    func correctedNow(_ now: Date) -> Date
    /// Hub: takes the offset to central measured by a pull.
    func noteCentralClockOffset(_ offsetMs: Int64?)
    /// Runs `body` on a consistent snapshot.
    func replicaRead<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T
    /// Runs `body` in one write transaction of this node's local bookkeeping only (peers, hub credentials, enrolment
    /// tokens): no synced table, no change log, so no wait behind the writers of the log.
    func bookkeepingWrite<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T
    /// Runs `body` in one write transaction in which received changes are applied: synced tables may be written
    /// directly (the changes are already logged), and foreign keys are not enforced (a row may arrive before its
    /// parent, or keep a parent this node refused; SPEC.md §4.6).
    func replicaWrite<T: Sendable>(_ body: @escaping @Sendable (any ReplicaConnection) throws -> T) async throws -> T
    /// Runs `body` in one write transaction of this node's own (an intake, an ops action, an enrolment): its synced
    /// writes are change-logged. On SQLite foreign keys hold; the PostgreSQL schema has none (a received row may arrive
    /// before its parent), so the stores check the rows they point to themselves. `critical`: money and mission progress, whose commit must survive a
    /// power cut (SQLite: `synchronous=FULL` for this transaction; PostgreSQL commits are durable anyway).
    func localWrite<T: Sendable>(critical: Bool, now: Date, _ body: @escaping @Sendable (any ChangeLoggedWrites) throws -> T) async throws -> T
}

/// One transaction's connection: portable SQL with `?` placeholders, generic values in and out.
public protocol ReplicaConnection {
    /// Runs a query and returns its rows.
    func query(_ sql: String, _ arguments: [ColumnValue]) throws -> [ReplicaRow]
    /// Runs a statement and returns how many rows it changed. A uniqueness, check or not-null rule that refuses the
    /// write throws `ReplicaConstraintViolation`.
    @discardableResult
    func execute(_ sql: String, _ arguments: [ColumnValue]) throws -> Int
    /// Runs `body` in a savepoint: if it throws, its writes are undone and the transaction goes on.
    @discardableResult
    func savepoint<T>(_ body: () throws -> T) throws -> T
    /// Appends a change to the change log at its head (a new local sequence number), following the commit-order rule
    /// (SPEC.md §2.4): a reader pulling by local sequence never skips an entry that becomes visible late.
    func appendLog(_ change: RowChange, recordedAt: String, quarantined: Bool, held: Bool) throws
    /// Replaces the stored row of an append-only table by the merge's winner (SPEC.md §4.2): the one write to such a
    /// table that is not an insert, which the storage's own append-only guard (SQLite triggers) must let through.
    func replaceAppendOnly(_ table: SyncedTable, columns: [String], values: [ColumnValue]) throws
    /// A synced insert made by this node itself (its origin, its next sequence number, logged): a derived row such as
    /// the commission entry (CONFLICTS.md rule 10). `now` is the transaction's wall time.
    func insertOwn(_ table: SyncedTable, _ values: ColumnValues, now: Date) throws
}

/// One row of a query: its columns by name and position.
public struct ReplicaRow: Sendable {
    public let names: [String]
    public let values: [ColumnValue]

    public init(names: [String], values: [ColumnValue]) {
        self.names = names
        self.values = values
    }

    public subscript(_ index: Int) -> ColumnValue { values[index] }

    /// The named column, or `.null` if the row has none of that name.
    public subscript(_ name: String) -> ColumnValue {
        guard let index = names.firstIndex(of: name) else { return .null }
        return values[index]
    }

    /// Every column, by name.
    public var columns: ColumnValues {
        var result: ColumnValues = [:]
        for (name, value) in zip(names, values) { result[name] = value }
        return result
    }
}

/// A write a uniqueness, check or not-null rule refused; nothing of it was written.
public struct ReplicaConstraintViolation: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(message: String) { self.message = message }

    public var description: String { message }
}

/// What the sync core refuses, each with a stable code.
public enum ReplicaError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A hub sent a change made by another node, or one outside its partition (SPEC.md §5).
    case outOfPartition(table: String, key: String)
    /// A hub's own changes did not follow on from what central holds (SPEC.md §3).
    case sequenceGap(expected: Int64, got: Int64)
    /// A stored value the sync core cannot read (an unknown operation, a malformed row).
    case corrupt(String)

    public var code: String {
        switch self {
        case .outOfPartition: "out_of_partition"
        case .sequenceGap: "sequence_gap"
        case .corrupt: "corrupt"
        }
    }

    public var description: String {
        switch self {
        case .outOfPartition(let table, let key): "\(table) \(key) is outside this hub's partition"
        case .sequenceGap(let expected, let got): "expected origin sequence \(expected), got \(got)"
        case .corrupt(let reason): reason
        }
    }
}

/// A change as this node's log holds it: the change, and where and how it is kept.
public struct LoggedChange: Sendable {
    public var change: RowChange
    public var localSeq: Int64
    public var recordedAt: String
    /// Kept but never merged nor served: a hub's change outside its partition (SPEC.md §5).
    public var quarantined: Bool
    /// Kept, not yet merged nor served: stamped too far ahead of this node's clock (SPEC.md §2.2).
    public var held: Bool
}

extension ColumnValue {
    /// A flag stored as 0/1.
    public var isTrue: Bool { integerValue.map { $0 != 0 } ?? false }
}

extension ReplicaConnection {
    /// The first column of the first row, if any and not null.
    public func scalar(_ sql: String, _ arguments: [ColumnValue] = []) throws -> ColumnValue? {
        guard let value = try query(sql, arguments).first?.values.first, value != .null else { return nil }
        return value
    }

    public func integer(_ sql: String, _ arguments: [ColumnValue] = []) throws -> Int64? {
        try scalar(sql, arguments)?.integerValue
    }

    public func exists(_ sql: String, _ arguments: [ColumnValue] = []) throws -> Bool {
        try scalar("SELECT EXISTS (\(sql))", arguments)?.isTrue ?? false
    }
}

/// Helpers for the sync core's SQL text and batching.
public enum ReplicaSQL {
    /// `?, ?, …` for `count` arguments.
    public static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}
