import DjobeaDomain

/// Central's change log on PostgreSQL: appending in commit order.
///
/// **Commit-order rule.** A reader pulls `WHERE local_seq > cursor ORDER BY local_seq` and moves its cursor to the last
/// entry it saw, so an entry must never become visible after one with a higher `local_seq`. With concurrent writers a
/// plain sequence breaks this: transaction A takes 7, B takes 8, B commits first, a reader sees 8 and moves past 7,
/// which commits later and is never served. So `append` first takes the transaction-scoped advisory lock
/// `appendLockKey`, then gives the next number; the lock is held until the transaction commits or rolls back, so the
/// transaction that gives N+1 cannot start appending before the one that gave N has ended. Entries therefore become
/// visible in `local_seq` order, and a reader never skips one that commits late; a rolled-back transaction gives its
/// numbers back, so the log has no gaps either.
///
/// The number is the highest ever given plus one (`change_log_head`, updated with it), not `max(local_seq) + 1`: a
/// deleted head entry (a held change re-logged) must not have its number given again, as SQLite's AUTOINCREMENT
/// guarantees. Two statements are needed: under READ COMMITTED (the transaction's level) each statement sees what was
/// committed when it started, so the number is computed after the lock is granted.
///
/// The cost: transactions that append are serialized from their first append to their commit. Append late in the
/// transaction, after the work that may wait for something else.
public enum PostgresChangeLog {
    /// The advisory lock `append` holds until commit: "djobea" in ASCII, then 1.
    public static let appendLockKey: Int64 = 0x646A_6F62_6561_0001

    /// Appends `change` at the head of the log and returns its `local_seq`. Call it inside `PostgresDatabase.transaction`.
    @discardableResult
    public static func append(
        _ session: PostgresSession, _ change: RowChange, recordedAt: String, quarantined: Bool = false, held: Bool = false
    ) throws -> Int64 {
        try session.execute("SELECT pg_advisory_xact_lock($1)", [.integer(appendLockKey)])
        let rows = try session.query(
            """
            WITH head AS (
                UPDATE change_log_head
                SET local_seq = greatest(local_seq, (SELECT coalesce(max(local_seq), 0) FROM change_log)) + 1
                WHERE singleton = 1
                RETURNING local_seq)
            INSERT INTO change_log
                (local_seq, origin_node, origin_seq, hlc, table_name, row_key, op, columns, recorded_at, quarantined, held)
            SELECT head.local_seq, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM head
            RETURNING local_seq
            """,
            [
                .text(change.originNode), .integer(change.originSeq), .integer(change.hlc.packed), .text(change.table),
                .text(change.key), .text(change.operation.rawValue), .text(ColumnValuesJSON.encode(change.columns)),
                .text(recordedAt), .integer(quarantined ? 1 : 0), .integer(held ? 1 : 0),
            ])
        guard let seq = rows.first?.first?.integerValue else {
            throw PostgresDatabaseError.server(
                sqlState: "P0002", message: "change_log_head manque : la base n'est pas migrée", detail: nil, sql: "append")
        }
        return seq
    }
}
