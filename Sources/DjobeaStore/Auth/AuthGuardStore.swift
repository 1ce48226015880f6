import Foundation
import GRDB

/// Wrong answers counted per account and factor (`auth_failures`, hub-local, never synced): the I/O side of the
/// lockout policy, whose rules live in DjobeaAuth.
public struct AuthGuardStore: Sendable {
    public let database: NodeDatabase

    public init(_ database: NodeDatabase) {
        self.database = database
    }

    public func state(subject: String, factor: AuthFactor) async throws -> AuthFailureState {
        try await database.read { db in try AuthFailureRecords.state(subject: subject, factor: factor, in: db) }
    }

    /// In one transaction: counts one wrong answer, the new state being what `next` makes of the current one, and
    /// forgets unlocked rows whose last failure is older than `forgetBefore`. Returns the new state.
    @discardableResult
    public func recordFailure(
        subject: String, factor: AuthFactor, now: Date, forgetBefore: Date,
        next: @escaping @Sendable (AuthFailureState) -> AuthFailureState
    ) async throws -> AuthFailureState {
        try await database.writer.write { db in
            try AuthFailureRecords.recordFailure(subject: subject, factor: factor, now: now, forgetBefore: forgetBefore, next: next, in: db)
        }
    }
}
