// Migration 8: credit notes (avoirs), the same table and columns as SQLite's `SchemaV10CreditNotes`.
extension PostgresSchema {
    static let creditNotes: [String] = [
        """
        CREATE TABLE credit_notes (
            id TEXT PRIMARY KEY NOT NULL,
            invoice_id TEXT NOT NULL,
            request_id TEXT NOT NULL,
            provider_id TEXT NOT NULL,
            number TEXT NOT NULL CHECK (length(number) BETWEEN 1 AND 20),
            amount BIGINT NOT NULL CHECK (amount > 0),
            reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
            created_at TEXT NOT NULL)
        """,
        "CREATE INDEX credit_notes_invoice ON credit_notes(invoice_id)",
        "CREATE INDEX credit_notes_provider ON credit_notes(provider_id, number)",
    ]
}
