import DjobeaDomain
import Foundation
import GRDB

extension SyncedTransaction {
    /// Appends a validated, immutable ledger entry. Open the transaction with `Durability.critical`.
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

    /// Derives Djobea's commission for a completed, invoiced request: the rate version in force at completion (its HLC
    /// time, SPEC.md §4.4.4), on the invoice total, under a deterministic id so that every node derives the same single
    /// entry (CONFLICTS.md rule 10). Does nothing if the entry exists or the request is not complete and invoiced.
    /// Called whichever comes last: the completion, the invoice, or either arriving by sync.
    @discardableResult
    public func deriveCommission(requestId: String) throws -> LedgerEntry? {
        let entryId = CommissionRateTable.commissionEntryId(requestId: requestId)
        if try exists(.ledgerEntries, key: entryId) { return nil }
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT m.provider_id, i.id AS invoice_id, i.total, p.level
                    FROM missions m JOIN invoices i ON i.request_id = m.request_id JOIN providers p ON p.id = m.provider_id
                    WHERE m.request_id = ? AND m.status = \(RequestStatus.terminee.sqlLiteral)
                    """, arguments: [requestId]),
            case let state = MissionStatusFold.fold(try MissionProjection.events(requestId: requestId, in: db)),
            let completion = state.completedAt, let completedShown = state.wallTime(of: .terminee),
            let level = ProviderLevel(rawValue: row["level"])
        else { return nil }
        let table = try CommissionRates.table(in: db)
        guard let (amount, rate) = table.commission(on: XAF(row["total"]), completedAt: completion.date, level: level), amount > .zero else {
            return nil
        }
        // Every column is a function of replicated rows (the completion event, the invoice, the rate table), so two
        // nodes deriving the entry concurrently write the same row under the same id (SPEC.md §4.4.4): whichever insert
        // a node keeps, the row is identical.
        let entry = LedgerEntry(
            id: entryId, requestId: requestId, providerId: row["provider_id"], invoiceId: row["invoice_id"], kind: .commission, method: nil,
            operatorRef: nil, amount: amount, reversesEntryId: nil, hlc: completion, originNode: Self.derivedOrigin)
        if let problem = PaymentLedger.validationError(entry) { throw StoreError.invalid(problem.messageFR) }
        try insert(
            LedgerEntryRecord(
                id: entryId, requestId: requestId, providerId: entry.providerId, invoiceId: entry.invoiceId, kind: .commission, method: nil,
                operatorRef: nil, amount: Int64(amount.francs), reversesEntryId: nil, rateId: rate.id, hlc: completion.packed,
                originNode: Self.derivedOrigin, recordedAt: UTCTimestamp.format(completedShown), recordedByRole: .system))
        return entry
    }

    /// The `origin_node` column of derived entries: no node made them, every node derives them.
    public static let derivedOrigin = "derived"
}

/// Reads of the versioned commission rate table.
public enum CommissionRates {
    public static func table(in db: Database) throws -> CommissionRateTable {
        let rates = try CommissionRateRecord.fetchAll(db, sql: "SELECT * FROM commission_rates").compactMap { rate -> CommissionRate? in
            guard let from = UTCTimestamp.parse(rate.effectiveFrom) else { return nil }
            return CommissionRate(id: rate.id, level: rate.level, basisPoints: Int(rate.basisPoints), effectiveFrom: from)
        }
        return CommissionRateTable(rates)
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
