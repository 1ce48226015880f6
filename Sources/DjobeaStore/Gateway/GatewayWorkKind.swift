import DjobeaDomain
import DjobeaReplication
import Foundation

/// What a row of the gateway's local `gateway_work` table is about (`gateway_work.kind`; raw values are the schema's
/// CHECK strings). The table is not synced, so it has no record: its SQL names the kind through this enum.
public enum GatewayWorkKind: String, CaseIterable, Sendable {
    /// A client message (`messages` row) to send; the work key is the message id.
    case message
    /// A push to a provider's browsers; the work key is `PushWork.key`.
    case push
    /// A provider's activity summary; the work key is `ActivitySummaries.workKey`.
    case summary
}

/// The `gateway_work` writes shared by the kinds: leases, retries, outcomes. Local to the gateway node, never logged.
enum GatewayWork {
    /// Takes the work for `lease` seconds; false when another sender holds it or it is done.
    static func claim(_ kind: GatewayWorkKind, key: String, now: Date, lease: TimeInterval, in db: any ReplicaConnection) throws -> Bool {
        let until = ColumnValue(now.addingTimeInterval(lease))
        return try db.execute(
            """
            INSERT INTO gateway_work (kind, work_key, attempts, lease_until) VALUES (?, ?, 1, ?)
            ON CONFLICT (kind, work_key) DO UPDATE SET attempts = gateway_work.attempts + 1, lease_until = ?
                WHERE gateway_work.done_at IS NULL AND (gateway_work.lease_until IS NULL OR gateway_work.lease_until <= ?)
            """, [.text(kind.rawValue), .text(key), until, until, ColumnValue(now)]) > 0
    }

    /// A transient failure: the lease is given back and the work waits until `retryAt`.
    static func retryLater(_ kind: GatewayWorkKind, key: String, at retryAt: Date, error: String, in db: any ReplicaConnection) throws {
        try db.execute(
            "UPDATE gateway_work SET lease_until = NULL, next_attempt_at = ?, last_error = ? WHERE kind = ? AND work_key = ?",
            [ColumnValue(retryAt), .text(String(error.prefix(500))), .text(kind.rawValue), .text(key)])
    }
}
