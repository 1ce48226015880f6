/// Every invoice gets a client page (SPEC.md §4.9): the random token of its link.
enum SchemaV12InvoicePages {
    static let sql = """
        ALTER TABLE invoices ADD COLUMN public_token TEXT CHECK (public_token IS NULL OR length(public_token) BETWEEN 22 AND 64);
        CREATE INDEX invoices_public_token ON invoices(public_token) WHERE public_token IS NOT NULL;
        """

    /// v13: after a provider moves hub, the old hub keeps numbering their documents until it has handed over (SPEC.md 4.8).
    /// Central looks for the providers a hub still numbers on every pull of that hub: a partial index keeps it cheap.
    static let numberingHandover = """
        ALTER TABLE providers ADD COLUMN numbering_hub_id TEXT;
        CREATE INDEX providers_numbering_hub ON providers(numbering_hub_id) WHERE numbering_hub_id IS NOT NULL;
        """
}
