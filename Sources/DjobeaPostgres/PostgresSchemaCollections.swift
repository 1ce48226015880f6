// Migration 6: mobile money collections, the same tables and columns as SQLite's `SchemaV8Collections`.
extension PostgresSchema {
    static let collections: [String] = [
        """
        CREATE TABLE collections (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL,
            provider_id TEXT NOT NULL,
            invoice_id TEXT NOT NULL,
            method TEXT NOT NULL CHECK (method IN ('mtn_momo', 'orange_money')),
            payer_phone TEXT NOT NULL CHECK (payer_phone ~ \(phone)),
            amount BIGINT NOT NULL CHECK (amount > 0),
            attempt BIGINT NOT NULL CHECK (attempt >= 1),
            reference TEXT NOT NULL CHECK (length(reference) = 36),
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'successful', 'failed')),
            failure_code TEXT CHECK (failure_code IS NULL OR length(failure_code) BETWEEN 1 AND 100),
            operator_transaction_id TEXT CHECK (operator_transaction_id IS NULL OR length(operator_transaction_id) BETWEEN 1 AND 100),
            ledger_entry_id TEXT,
            requested_by_role TEXT NOT NULL CHECK (requested_by_role IN ('provider', 'client')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)
        """,
        "CREATE INDEX collections_invoice ON collections(invoice_id)",
        "CREATE INDEX collections_reference ON collections(reference)",
        "CREATE INDEX collections_pending ON collections(status) WHERE status = 'pending'",
        """
        CREATE TABLE collection_work (
            reference TEXT PRIMARY KEY NOT NULL,
            method TEXT NOT NULL,
            handle TEXT,
            requested_at TEXT,
            next_check_at TEXT NOT NULL,
            checks BIGINT NOT NULL DEFAULT 0,
            submit_attempts BIGINT NOT NULL DEFAULT 0,
            last_error TEXT,
            done_at TEXT)
        """,
        "CREATE INDEX collection_work_due ON collection_work(next_check_at) WHERE done_at IS NULL",
    ]
}
