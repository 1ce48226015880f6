extension PostgresSchema {
    /// Rows that changed partition (a request or client moved to another zone, a provider to another hub) are logged in
    /// `partition_moves`, whose head is part of every hub's partition fingerprint (CONFLICTS.md rule 14): the same
    /// triggers as SQLite's. Every write transaction at a PostgreSQL central holds the change log's append lock from its
    /// start (`PostgresReplicaStorage`), so the moves' identity values are taken in commit order too.
    static let partitionMoveTriggers: [String] = [
        """
        CREATE FUNCTION djobea_partition_move() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO partition_moves (table_name, row_key) VALUES (TG_TABLE_NAME, NEW.id);
            RETURN NEW;
        END $$
        """,
        """
        CREATE TRIGGER partition_move_request AFTER UPDATE OF zone_id ON service_requests
        FOR EACH ROW WHEN (OLD.zone_id IS DISTINCT FROM NEW.zone_id) EXECUTE FUNCTION djobea_partition_move()
        """,
        """
        CREATE TRIGGER partition_move_client AFTER UPDATE OF zone_id ON clients
        FOR EACH ROW WHEN (OLD.zone_id IS DISTINCT FROM NEW.zone_id) EXECUTE FUNCTION djobea_partition_move()
        """,
        """
        CREATE TRIGGER partition_move_provider AFTER UPDATE OF hub_id ON providers
        FOR EACH ROW WHEN (OLD.hub_id IS DISTINCT FROM NEW.hub_id) EXECUTE FUNCTION djobea_partition_move()
        """,
    ]
}
