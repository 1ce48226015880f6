/// Credit notes (avoirs, SPEC.md §4.8): a sent invoice is never edited; what the provider takes off it is a credit
/// note, numbered "A-2026-0001" per provider and Douala year by the provider's hub.
enum SchemaV10CreditNotes {
    static let sql = """
        CREATE TABLE credit_notes (
            id TEXT PRIMARY KEY NOT NULL,
            invoice_id TEXT NOT NULL REFERENCES invoices(id) DEFERRABLE INITIALLY DEFERRED,
            request_id TEXT NOT NULL REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            number TEXT NOT NULL CHECK (length(number) BETWEEN 1 AND 20),
            amount INTEGER NOT NULL CHECK (amount > 0),
            reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
            created_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX credit_notes_invoice ON credit_notes(invoice_id);
        CREATE INDEX credit_notes_provider ON credit_notes(provider_id, number);
        """
}
