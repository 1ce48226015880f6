/// Bounded clocks (SPEC.md §2.2, CONFLICTS.md rule 6): a received change whose HLC runs more than the maximum offset
/// ahead of this node's wall clock is kept in the change log but held: not merged, not served, not moving the clock,
/// until this node's wall clock comes within the bound.
enum SchemaV4Clocks {
    static let sql = """
        ALTER TABLE change_log ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1));
        CREATE INDEX change_log_held ON change_log(hlc) WHERE held = 1;
        """
}
