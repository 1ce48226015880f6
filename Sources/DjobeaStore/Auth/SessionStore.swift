import DjobeaDomain
import Foundation
import GRDB

/// Provider sessions (`provider_sessions`, hub-local): refresh-token rotation, logout, the live session behind an
/// access token. A login starts a family; each refresh revokes the current row and adds its replacement to the family.
public struct SessionStore: Sendable {
    public let database: NodeDatabase

    public init(_ database: NodeDatabase) {
        self.database = database
    }

    /// In one transaction: finds the row of a refresh token (by its stored hash); a token already rotated revokes its
    /// whole family (theft); a live one is rotated into the session `open` makes for its account, unless `open`
    /// refuses the account (nil).
    public func refresh(
        tokenHash: String, now: Date, open: @escaping @Sendable (AuthAccount, StoredSession) throws -> NewSession?
    ) async throws -> SessionRefresh {
        try await database.writer.write { db in
            guard let current = try SessionRecords.find(tokenHash: tokenHash, in: db) else { return .invalid }
            if current.revoked {
                guard current.replaced else { return .invalid }
                try SessionRecords.revokeFamily(current.familyId, now: now, in: db)
                return .reused
            }
            guard current.expiresAt > now else { return .invalid }
            guard let account = try AuthAccounts.find(id: current.providerId, in: db) else { return .invalid }
            guard let next = try open(account, current) else { return .refused(account) }
            try SessionRecords.open(next, now: now, in: db)
            try SessionRecords.rotate(id: current.id, replacement: next.id, now: now, in: db)
            return .rotated(next)
        }
    }

    /// Revokes the whole family of session `sessionId`; an unknown session is ignored.
    public func logout(sessionId: String, now: Date) async throws {
        try await database.writer.write { db in
            guard let session = try SessionRecords.find(id: sessionId, in: db) else { return }
            try SessionRecords.revokeFamily(session.familyId, now: now, in: db)
        }
    }

    /// The live row of the family of session `sessionId` (see `SessionRecords.live`).
    public func live(sessionId: String, providerId: String, now: Date) async throws -> LiveSession? {
        try await database.read { db in try SessionRecords.live(sessionId: sessionId, providerId: providerId, now: now, in: db) }
    }

    /// Slides a session's `last_activity` to `now`.
    public func touch(sessionId: String, now: Date) async throws {
        try await database.writer.write { db in try SessionRecords.touch(id: sessionId, now: now, in: db) }
    }

    /// A new watch of the session and provider tables, observing this database for its lifetime.
    public func watchTables() -> SessionTablesWatch {
        let watch = SessionTablesWatch()
        database.writer.add(transactionObserver: watch, extent: .databaseLifetime)
        return watch
    }
}

/// Counts commits that touched the session or provider tables (observes only those tables' row events).
public final class SessionTablesWatch: TransactionObserver, @unchecked Sendable {
    /// `partition_left`: central told this hub a provider moved away (rule 14); their tokens stop here at once.
    static let tables: Set<String> = ["provider_sessions", "providers", "provider_credentials", "partition_left"]
    private let count = LockedValue<UInt64>(0)
    private let touched = LockedValue(false)

    /// Changes at each commit that touched the tables.
    public var generation: UInt64 { count.withLock { $0 } }

    public func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { Self.tables.contains(eventKind.tableName) }
    public func databaseDidChange(with event: DatabaseEvent) { touched.withLock { $0 = true } }
    public func databaseDidCommit(_ db: Database) {
        guard
            touched.withLock({ value in
                defer { value = false }; return value
            })
        else { return }
        count.withLock { $0 &+= 1 }
    }
    public func databaseDidRollback(_ db: Database) { touched.withLock { $0 = false } }
}
