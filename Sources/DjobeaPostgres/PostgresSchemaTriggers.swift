// SQLite's triggers on central's tables, on PostgreSQL, with the same names: the append-only rules of SPEC §4.2
// (commission rate versions, mission events, ledger entries) and the partition moves of CONFLICTS.md rule 14.
//
// The one exception: the sync core replacing a stored append-only row by the merge's winner sets
// `djobea.replace_append_only` around that statement (`PostgresReplicaConnection.replaceAppendOnly`).
//
// A refused write raises SQLSTATE 23514 (check_violation) with SQLite's message: SQLite reports its RAISE(ABORT) as a
// constraint error, and `PostgresSession` turns 23514 into `PostgresConstraintViolation`.
extension PostgresSchema {
    static let triggers: [String] = [
        """
        CREATE FUNCTION djobea_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- The sync core replacing an append-only row by the merge's first insert (SPEC §4.2), for this statement only.
            IF TG_OP = 'UPDATE' AND current_setting('djobea.replace_append_only', true) = 'on' THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'check_violation';
        END
        $$
        """,
        """
        CREATE TRIGGER commission_rates_immutable BEFORE UPDATE ON commission_rates
        FOR EACH ROW EXECUTE FUNCTION djobea_refuse('commission rate versions are immutable')
        """,
        """
        CREATE TRIGGER mission_events_no_update BEFORE UPDATE ON mission_events
        FOR EACH ROW EXECUTE FUNCTION djobea_refuse('mission events are append-only')
        """,
        """
        CREATE TRIGGER mission_events_no_delete BEFORE DELETE ON mission_events
        FOR EACH ROW EXECUTE FUNCTION djobea_refuse('mission events are append-only')
        """,
        """
        CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
        FOR EACH ROW EXECUTE FUNCTION djobea_refuse('ledger entries are immutable: record a reversal')
        """,
        """
        CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
        FOR EACH ROW EXECUTE FUNCTION djobea_refuse('ledger entries are immutable: record a reversal')
        """,
        // One row of partition_moves: (TG_ARGV[0], the new row's column TG_ARGV[1]).
        """
        CREATE FUNCTION djobea_partition_move() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO partition_moves (table_name, row_key) VALUES (TG_ARGV[0], to_jsonb(NEW) ->> TG_ARGV[1]);
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER partition_move_request AFTER UPDATE OF zone_id ON service_requests
        FOR EACH ROW WHEN (OLD.zone_id IS DISTINCT FROM NEW.zone_id)
        EXECUTE FUNCTION djobea_partition_move('service_requests', 'id')
        """,
        // A request moved to another zone may take its client out of the old hub's partition: tell it too.
        """
        CREATE TRIGGER partition_move_request_client AFTER UPDATE OF zone_id ON service_requests
        FOR EACH ROW WHEN (OLD.zone_id IS DISTINCT FROM NEW.zone_id)
        EXECUTE FUNCTION djobea_partition_move('clients', 'client_id')
        """,
        """
        CREATE TRIGGER partition_move_client AFTER UPDATE OF zone_id ON clients
        FOR EACH ROW WHEN (OLD.zone_id IS DISTINCT FROM NEW.zone_id)
        EXECUTE FUNCTION djobea_partition_move('clients', 'id')
        """,
        """
        CREATE TRIGGER partition_move_provider AFTER UPDATE OF hub_id ON providers
        FOR EACH ROW WHEN (OLD.hub_id IS DISTINCT FROM NEW.hub_id)
        EXECUTE FUNCTION djobea_partition_move('providers', 'id')
        """,
        // A zone attached to another hub moves its requests, its clients and the providers who serve it.
        """
        CREATE FUNCTION djobea_partition_move_zone() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO partition_moves (table_name, row_key)
                SELECT 'service_requests', id FROM service_requests WHERE zone_id = NEW.id ORDER BY id;
            INSERT INTO partition_moves (table_name, row_key)
                SELECT 'clients', id FROM clients WHERE zone_id = NEW.id ORDER BY id;
            INSERT INTO partition_moves (table_name, row_key)
                SELECT DISTINCT 'providers', provider_id FROM provider_zones WHERE zone_id = NEW.id ORDER BY 2;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER partition_move_zone AFTER UPDATE OF hub_id ON zones
        FOR EACH ROW WHEN (OLD.hub_id IS DISTINCT FROM NEW.hub_id)
        EXECUTE FUNCTION djobea_partition_move_zone()
        """,
    ]
}
