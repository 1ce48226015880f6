/// Mobile money collections (SPEC.md §4.9): the synced `collections` rows and the default gateway's local work table.
enum SchemaV8Collections {
    static let sql = """
        -- A request to the client's operator to pay an invoice. Made where it is started (the provider's hub, or the
        -- gateway for the client's link); only the gateway that talks to the operator updates it (status, code,
        -- transaction id, ledger entry). `reference` is derived from the invoice and the attempt number, so that two
        -- nodes starting the same attempt, or a gateway retrying after a crash, ask the operator once.
        CREATE TABLE collections (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            invoice_id TEXT NOT NULL REFERENCES invoices(id) DEFERRABLE INITIALLY DEFERRED,
            method TEXT NOT NULL CHECK (method IN ('mtn_momo', 'orange_money')),
            payer_phone TEXT NOT NULL CHECK (payer_phone GLOB '+237[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
            amount INTEGER NOT NULL CHECK (amount > 0),
            attempt INTEGER NOT NULL CHECK (attempt >= 1),
            reference TEXT NOT NULL CHECK (length(reference) = 36),
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'successful', 'failed')),
            failure_code TEXT CHECK (failure_code IS NULL OR length(failure_code) BETWEEN 1 AND 100),
            operator_transaction_id TEXT CHECK (operator_transaction_id IS NULL OR length(operator_transaction_id) BETWEEN 1 AND 100),
            ledger_entry_id TEXT,
            requested_by_role TEXT NOT NULL CHECK (requested_by_role IN ('provider', 'client')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX collections_invoice ON collections(invoice_id);
        CREATE INDEX collections_reference ON collections(reference);
        CREATE INDEX collections_pending ON collections(status) WHERE status = 'pending';

        -- The default gateway's dealings with the operator, per reference: the operator's handle (Orange's pay token),
        -- when the operator took the request, when to ask for its status next. Local: another gateway process
        -- resumes from it after a crash, and a retry never asks the client twice.
        CREATE TABLE collection_work (
            reference TEXT PRIMARY KEY NOT NULL,
            method TEXT NOT NULL,
            handle TEXT,
            requested_at TEXT,
            next_check_at TEXT NOT NULL,
            checks INTEGER NOT NULL DEFAULT 0,
            submit_attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            done_at TEXT
        ) STRICT;
        CREATE INDEX collection_work_due ON collection_work(next_check_at) WHERE done_at IS NULL;
        """
}
