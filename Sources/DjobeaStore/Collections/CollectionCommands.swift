import DjobeaDomain
import Foundation
import GRDB

/// A collection as the provider's app shows it.
public struct CollectionView: Codable, Sendable, Hashable {
    public var id: String
    public var requestId: String
    public var invoiceId: String
    /// mtn_momo or orange_money.
    public var method: String
    public var methodLabel: String
    /// E.164.
    public var payerPhone: String
    public var amount: Int
    public var amountLabel: String
    /// pending, successful or failed.
    public var status: String
    public var statusLabel: String
    /// The operator's or the gateway's code when failed (`APPROVAL_REJECTED`, `timeout`…).
    public var failureCode: String?
    /// Why it failed, in French.
    public var failureLabel: String?
    /// The operator's transaction id once paid: the ledger payment carries it.
    public var operatorTransactionId: String?
    public var ledgerEntryId: String?
    public var attempt: Int
    public var createdAt: String
    public var updatedAt: String

    public init(_ record: CollectionRecord) {
        id = record.id
        requestId = record.requestId
        invoiceId = record.invoiceId
        method = record.method.rawValue
        methodLabel = record.method.labelFR
        payerPhone = record.payerPhone
        amount = Int(record.amount)
        amountLabel = XAF(Int(record.amount)).formatted
        status = record.status.rawValue
        statusLabel = record.status.labelFR
        failureCode = record.failureCode
        failureLabel = record.status == .failed ? CollectionFailure.labelFR(record.failureCode) : nil
        operatorTransactionId = record.operatorTransactionId
        ledgerEntryId = record.ledgerEntryId
        attempt = Int(record.attempt)
        createdAt = record.createdAt
        updatedAt = record.updatedAt
    }
}

/// The answer to `POST /provider/requests/{id}/collections`.
public struct CollectionStartResult: Codable, Sendable, Hashable, MissionWorkAnswer {
    public var command: String
    public var requestId: String
    public var collection: CollectionView
    public var replayed: Bool
}

extension ProviderRequestCommands {
    /// Starts a mobile money collection of the request's invoice: the client's operator will ask them to approve it.
    ///
    /// Needs the invoice (the payment request made it; else `no_invoice`) with something left to pay (else
    /// `nothing_due`) and no collection of it still pending (else `collection_pending`). `amount` defaults to what is
    /// left to pay and may not exceed it; `payerPhone` defaults to the client's number. The row is written here, offline
    /// if need be; the default gateway (central) asks the operator once it has it, and the outcome comes back by sync.
    public func startCollection(
        providerId: String, requestId: String, method: CollectionMethod, payerPhone: String?, amount: Int?, idempotencyKey: String? = nil,
        now: Date = Date()
    ) async throws -> CollectionStartResult {
        var phone: String?
        if let payerPhone {
            guard let normalized = PhoneNumber.normalizeCameroon(payerPhone), normalized.hasPrefix("+2376") else {
                throw ProviderRequestError.invalid("payer_phone", "Numéro mobile camerounais attendu (payer_phone), par ex. 6 99 12 34 56")
            }
            phone = normalized
        }
        if let amount, !(1...Self.labourMax).contains(amount) {
            throw ProviderRequestError.invalid("amount", "Montant (amount) : entier de 1 à 10 000 000 FCFA")
        }
        let given = phone
        return try await work("collection", providerId, requestId, idempotencyKey, .critical, now) { tx, context in
            guard
                let invoice = try InvoiceRecord.fetchOne(
                    tx.db, sql: "SELECT * FROM invoices WHERE request_id = ? AND provider_id = ?", arguments: [requestId, providerId])
            else {
                throw ProviderRequestError(
                    code: "no_invoice", messageFR: "Pas encore de facture : faites d'abord la demande de paiement", kind: .conflict)
            }
            if InvoiceDrafts.isDraft(invoice) { throw InvoiceDrafts.notSentYet("d'encaisser par mobile money") }
            let paid = try ProviderLedgerFold.load(providerId: providerId, in: tx.db).paidByRequest()[requestId] ?? .zero
            let due = Int(invoice.total) - (try InvoiceReminders.credited(invoiceId: invoice.id, in: tx.db)).francs - paid.francs
            guard due > 0 else {
                throw ProviderRequestError(code: "nothing_due", messageFR: "La facture \(invoice.number) est déjà payée", kind: .conflict)
            }
            if let amount, amount > due {
                throw ProviderRequestError.invalid("amount", "Montant supérieur au reste à payer (\(XAF(due).formatted))")
            }
            if try Bool.fetchOne(
                tx.db, sql: "SELECT EXISTS (SELECT 1 FROM collections WHERE invoice_id = ? AND status = ?)",
                arguments: [invoice.id, CollectionStatus.pending.rawValue]) ?? false
            {
                throw ProviderRequestError(
                    code: "collection_pending",
                    messageFR: "Un paiement mobile est déjà en attente pour cette facture : attendez sa réponse avant d'en lancer un autre",
                    kind: .conflict)
            }
            guard let payer = given ?? PhoneNumber.normalizeCameroon(context.clientPhone), payer.hasPrefix("+2376") else {
                throw ProviderRequestError.invalid("payer_phone", "Le client n'a pas de numéro mobile : indiquez payer_phone")
            }
            let attempt =
                (try Int.fetchOne(tx.db, sql: "SELECT count(*) FROM collections WHERE invoice_id = ?", arguments: [invoice.id]) ?? 0) + 1
            let stamp = UTCTimestamp.format(tx.now)
            let record = CollectionRecord(
                id: DjobeaID.v7(now: tx.now), requestId: requestId, providerId: providerId, invoiceId: invoice.id, method: method,
                payerPhone: payer, amount: Int64(amount ?? due), attempt: Int64(attempt),
                reference: CollectionReference.derive(invoiceId: invoice.id, attempt: attempt), requestedByRole: .provider,
                createdAt: stamp, updatedAt: stamp)
            try tx.insert(record)
            return CollectionStartResult(command: "collection", requestId: requestId, collection: CollectionView(record), replayed: false)
        }
    }

    /// One of the provider's collections; `not_found` for any other.
    public func collection(providerId: String, id: String) async throws -> CollectionView {
        guard DjobeaID.isValid(id) else { throw ProviderRequestError.notFound }
        return try await database.read { db in
            guard
                let record = try CollectionRecord.fetchOne(
                    db, sql: "SELECT * FROM collections WHERE id = ? AND provider_id = ?", arguments: [id, providerId])
            else { throw ProviderRequestError.notFound }
            return CollectionView(record)
        }
    }

    /// The collections of a request, newest first (the mission screen's payment block).
    public static func collections(providerId: String, requestId: String, in db: Database) throws -> [CollectionView] {
        try CollectionRecord.fetchAll(
            db, sql: "SELECT * FROM collections WHERE request_id = ? AND provider_id = ? ORDER BY created_at DESC, id DESC",
            arguments: [requestId, providerId]
        ).map(CollectionView.init)
    }
}
