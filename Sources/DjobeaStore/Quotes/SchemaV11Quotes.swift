/// Quotes a client can accept (SPEC.md §4.9): what a quote needs beyond its v1 columns.
enum SchemaV11Quotes {
    static let sql = """
        -- When the provider sent it; when and by whom (the name typed as a signature) the client accepted or refused it;
        -- the random token of its client page (a capability: whoever holds the link sees the quote, nothing else); the
        -- invoice it became.
        ALTER TABLE quotes ADD COLUMN sent_at TEXT;
        ALTER TABLE quotes ADD COLUMN decided_at TEXT;
        ALTER TABLE quotes ADD COLUMN decided_by_name TEXT CHECK (decided_by_name IS NULL OR length(decided_by_name) BETWEEN 2 AND 80);
        ALTER TABLE quotes ADD COLUMN public_token TEXT CHECK (public_token IS NULL OR length(public_token) BETWEEN 22 AND 64);
        ALTER TABLE quotes ADD COLUMN invoice_id TEXT REFERENCES invoices(id) DEFERRABLE INITIALLY DEFERRED;
        CREATE INDEX quotes_public_token ON quotes(public_token) WHERE public_token IS NOT NULL;
        """
}
