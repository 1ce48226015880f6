import DjobeaDomain
import DjobeaReplication
import Foundation

/// A collection the default gateway is dealing with the operator about, as `CollectionWork.due` reads it.
public struct CollectionWorkItem: Sendable, Equatable {
    public var reference: String
    public var method: CollectionMethod
    /// The operator's handle once prepared (Orange's pay token; the reference for MTN).
    public var handle: String?
    /// When the operator took the request; nil until then.
    public var requestedAt: Date?
    public var checks: Int
    public var submitAttempts: Int
    public var payerPhone: String
    public var amount: Int
    public var invoiceNumber: String?
    /// When the first collection row of this reference was made.
    public var createdAt: Date
    /// Whether its rows already show `failed` (given up waiting, still checked now and then in case the money came).
    public var shownFailed: Bool
}

/// The default gateway's bookkeeping of collections (`collection_work`, local) and the outcomes it writes to the synced
/// `collections` rows and the ledger. Every function runs on the storage seam (SQLite or PostgreSQL).
///
/// One piece of work per operator reference. Rows of the same reference (two nodes that started the same attempt)
/// share it: the oldest row's method, number and amount are what the operator is asked; all of them get the outcome.
public enum CollectionWork {
    /// The oldest row of each reference (portable SQL: no window functions needed).
    static let oldestOfReference = """
        NOT EXISTS (SELECT 1 FROM collections o WHERE o.reference = c.reference
            AND (o.created_at < c.created_at OR (o.created_at = c.created_at AND o.id < c.id)))
        """

    /// Takes on the pending collections not yet known here; returns how many.
    @discardableResult
    public static func enqueue(now: Date, in db: any ReplicaConnection) throws -> Int {
        try db.execute(
            """
            INSERT INTO collection_work (reference, method, next_check_at)
            SELECT c.reference, c.method, ? FROM collections c
            WHERE c.status = \(CollectionStatus.pending.sqlLiteral)
                AND NOT EXISTS (SELECT 1 FROM collection_work w WHERE w.reference = c.reference) AND \(oldestOfReference)
            """, [ColumnValue(now)])
    }

    /// The work due now, oldest first.
    public static func due(now: Date, limit: Int, in db: any ReplicaConnection) throws -> [CollectionWorkItem] {
        try db.query(
            """
            SELECT w.reference, w.method, w.handle, w.requested_at, w.checks, w.submit_attempts, c.payer_phone, c.amount, c.created_at,
                i.number, CASE WHEN c.status = \(CollectionStatus.failed.sqlLiteral) THEN 1 ELSE 0 END AS shown_failed
            FROM collection_work w
            JOIN collections c ON c.reference = w.reference AND \(oldestOfReference)
            LEFT JOIN invoices i ON i.id = c.invoice_id
            WHERE w.done_at IS NULL AND w.next_check_at <= ?
            ORDER BY w.next_check_at, w.reference LIMIT ?
            """, [ColumnValue(now), .integer(Int64(limit))]
        ).compactMap { row in
            guard let reference = row["reference"].textValue, let method = row["method"].textValue.flatMap(CollectionMethod.init(rawValue:))
            else { return nil }
            return CollectionWorkItem(
                reference: reference, method: method, handle: row["handle"].textValue,
                requestedAt: row["requested_at"].textValue.flatMap(UTCTimestamp.parse), checks: Int(row["checks"].integerValue ?? 0),
                submitAttempts: Int(row["submit_attempts"].integerValue ?? 0), payerPhone: row["payer_phone"].textValue ?? "",
                amount: Int(row["amount"].integerValue ?? 0), invoiceNumber: row["number"].textValue.map(InvoiceDrafts.shownNumber),
                createdAt: row["created_at"].textValue.flatMap(UTCTimestamp.parse) ?? now, shownFailed: row["shown_failed"].isTrue)
        }
    }

    /// Keeps the operator's handle before the request is made (a crash then never prepares twice).
    public static func setHandle(_ handle: String, reference: String, in db: any ReplicaConnection) throws {
        _ = try db.execute("UPDATE collection_work SET handle = ? WHERE reference = ?", [.text(handle), .text(reference)])
    }

    /// The operator took the request: ask for its status at `nextCheck`.
    public static func markRequested(reference: String, now: Date, nextCheck: Date, in db: any ReplicaConnection) throws {
        _ = try db.execute(
            "UPDATE collection_work SET requested_at = coalesce(requested_at, ?), submit_attempts = submit_attempts + 1, next_check_at = ?, last_error = NULL WHERE reference = ?",
            [ColumnValue(now), ColumnValue(nextCheck), .text(reference)])
    }

    /// Nothing decided yet (or a transient failure): try again at `next`.
    public static func reschedule(
        reference: String, next: Date, error: String?, checked: Bool, submitted: Bool = false, in db: any ReplicaConnection
    ) throws {
        _ = try db.execute(
            """
            UPDATE collection_work SET next_check_at = ?, last_error = ?, checks = checks + ?, submit_attempts = submit_attempts + ?
            WHERE reference = ?
            """,
            [
                ColumnValue(next), error.map { .text(String($0.prefix(500))) } ?? .null, .integer(checked ? 1 : 0), .integer(submitted ? 1 : 0),
                .text(reference),
            ])
    }

    /// A callback named `reference`: ask the operator now (the callback itself is never trusted). False if unknown.
    public static func wake(reference: String, now: Date, in db: any ReplicaConnection) throws -> Bool {
        try db.execute(
            "UPDATE collection_work SET next_check_at = ? WHERE reference = ? AND done_at IS NULL", [ColumnValue(now), .text(reference)]) > 0
    }

    /// Orange's callbacks name the pay token, not our reference.
    public static func reference(forHandle handle: String, in db: any ReplicaConnection) throws -> String? {
        try db.scalar("SELECT reference FROM collection_work WHERE handle = ?", [.text(handle)])?.textValue
    }

    /// The operator confirmed the payment: one ledger payment (its id derived from the reference, so a repeat or a
    /// second process finds it already there), and every row of the reference `successful`. Returns whether the
    /// payment was recorded now (false: it already was).
    @discardableResult
    public static func succeed(reference: String, transactionId: String, amount: Int, in tx: any ChangeLoggedWrites) throws -> Bool {
        let rows = try tx.connection.records(
            CollectionRecord.self, "SELECT * FROM collections WHERE reference = ? ORDER BY created_at, id", [.text(reference)])
        guard let first = rows.first else { return false }
        let entryId = CollectionReference.paymentEntryId(reference: reference)
        var recorded = false
        if try !tx.exists(.ledgerEntries, key: entryId) {
            try tx.appendLedgerEntry(
                requestId: first.requestId, providerId: first.providerId, invoiceId: first.invoiceId, kind: .payment,
                method: first.method.paymentMethod, operatorRef: transactionId, amount: XAF(amount), recordedBy: .system, id: entryId)
            recorded = true
        }
        for var row in rows where row.status != .successful {
            row.status = .successful
            row.failureCode = nil
            row.operatorTransactionId = transactionId
            row.ledgerEntryId = entryId
            row.updatedAt = UTCTimestamp.format(tx.now)
            try tx.update(row, columns: [.status, .failureCode, .operatorTransactionId, .ledgerEntryId, .updatedAt])
        }
        try finish(reference: reference, outcome: "successful", in: tx)
        if recorded {
            try notify(
                first, kind: .paymentReceived, title: "Paiement reçu",
                body: "\(first.method.labelFR) : \(XAF(amount).formatted) reçus (transaction \(transactionId)).", in: tx)
        }
        return recorded
    }

    /// The provider hears of the outcome at once: the notification reaches their hub by sync, and the app's live stream
    /// tells the phone, which refreshes the mission.
    static func notify(_ row: CollectionRecord, kind: NotificationKind, title: String, body: String, in tx: any ChangeLoggedWrites) throws {
        try tx.insert(
            NotificationRecord(
                id: DjobeaID.v7(now: tx.now), providerId: row.providerId, kind: kind, requestId: row.requestId, title: title, body: body,
                createdAt: UTCTimestamp.format(tx.now)))
    }

    /// The collection will not be paid (`code`: the operator's reason, `timeout` or `refused`). `final`: the work ends;
    /// otherwise (a timeout) the gateway still checks now and then, in case the money comes after all.
    public static func fail(reference: String, code: String, final: Bool, in tx: any ChangeLoggedWrites) throws {
        let rows = try tx.connection.records(
            CollectionRecord.self, "SELECT * FROM collections WHERE reference = ? AND status = ?",
            [.text(reference), .text(CollectionStatus.pending.rawValue)])
        for var row in rows {
            row.status = .failed
            row.failureCode = String(code.prefix(100))
            row.updatedAt = UTCTimestamp.format(tx.now)
            try tx.update(row, columns: [.status, .failureCode, .updatedAt])
        }
        if let first = rows.first {
            try notify(
                first, kind: .system, title: "Paiement \(first.method.labelFR) échoué",
                body: "\(XAF(Int(first.amount)).formatted) non encaissés : \(CollectionFailure.labelFR(code)).", in: tx)
        }
        if final { try finish(reference: reference, outcome: code, in: tx) }
    }

    static func finish(reference: String, outcome: String, in tx: any ChangeLoggedWrites) throws {
        _ = try tx.connection.execute(
            "UPDATE collection_work SET done_at = ?, last_error = ? WHERE reference = ?",
            [ColumnValue(tx.now), .text("done: \(outcome)"), .text(reference)])
    }
}
