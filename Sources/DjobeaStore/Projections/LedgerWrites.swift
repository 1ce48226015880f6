import DjobeaDomain
import DjobeaReplication
import Foundation
import GRDB

extension ChangeLoggedWrites {
    /// Appends a validated, immutable ledger entry (on any storage). Open the transaction as critical.
    @discardableResult
    public func appendLedgerEntry(
        requestId: String, providerId: String, invoiceId: String?, kind: LedgerEntryKind, method: PaymentMethod?,
        operatorRef: String?, amount: XAF, reversesEntryId: String? = nil, rateId: String? = nil, recordedBy: ActorRole,
        id: String? = nil
    ) throws -> LedgerEntry {
        let entry = LedgerEntry(
            id: id ?? DjobeaID.v7(now: now), requestId: requestId, providerId: providerId, invoiceId: invoiceId, kind: kind,
            method: method, operatorRef: operatorRef, amount: amount, reversesEntryId: reversesEntryId, hlc: stamp(),
            originNode: origin)
        if let problem = PaymentLedger.validationError(entry) { throw StoreError.invalid(problem.messageFR) }
        try insert(
            LedgerEntryRecord(
                id: entry.id, requestId: requestId, providerId: providerId, invoiceId: invoiceId, kind: kind, method: method,
                operatorRef: operatorRef, amount: Int64(amount.francs), reversesEntryId: reversesEntryId, rateId: rateId, hlc: entry.hlc.packed,
                originNode: origin, recordedAt: UTCTimestamp.format(now), recordedByRole: recordedBy))
        return entry
    }

    /// Derives Djobea's commission for a completed, invoiced request, once (CONFLICTS.md rule 10; the sync core's
    /// `ReplicaFolds.deriveCommission`, the same derivation as for received changes).
    @discardableResult
    public func deriveCommission(requestId: String) throws -> LedgerEntry? {
        try ReplicaFolds.deriveCommission(requestId: requestId, now: now, in: connection)
    }
}

/// Reads of the versioned commission rate table.
public enum CommissionRates {
    public static func table(in db: Database) throws -> CommissionRateTable {
        try ReplicaFolds.commissionRates(in: SQLiteReplicaConnection(db: db))
    }
}

/// Reads of the ledger as domain entries, for folding.
public enum LedgerReads {
    public static func entries(sql whereClause: String, arguments: StatementArguments, in db: Database) throws -> [LedgerEntry] {
        try LedgerEntryRecord.fetchAll(db, sql: "SELECT * FROM ledger_entries WHERE \(whereClause)", arguments: arguments).map(entry(from:))
    }

    /// The domain entry of a stored row.
    static func entry(from record: LedgerEntryRecord) -> LedgerEntry {
        LedgerEntry(
            id: record.id, requestId: record.requestId, providerId: record.providerId, invoiceId: record.invoiceId, kind: record.kind,
            method: record.method, operatorRef: record.operatorRef, amount: XAF(Int(record.amount)), reversesEntryId: record.reversesEntryId,
            hlc: HLC(packed: record.hlc), originNode: record.originNode)
    }

    public static func entry(from row: Row) throws -> LedgerEntry {
        let kindText: String = row["kind"]
        guard let kind = LedgerEntryKind(rawValue: kindText) else { throw StoreError.invalid("ledger_entries: unknown kind \(kindText)") }
        let method: String? = row["method"]
        return LedgerEntry(
            id: row["id"], requestId: row["request_id"], providerId: row["provider_id"], invoiceId: row["invoice_id"], kind: kind,
            method: method.flatMap(PaymentMethod.init(rawValue:)), operatorRef: row["operator_ref"], amount: XAF(row["amount"]),
            reversesEntryId: row["reverses_entry_id"], hlc: HLC(packed: row["hlc"]), originNode: row["origin_node"])
    }
}
