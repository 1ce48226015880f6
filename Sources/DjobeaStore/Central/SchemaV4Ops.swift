/// Central operations (SPEC.md §5.1): the ops action log and the partition stakes that keep a hub fed with requests
/// it no longer owns by zone but still has a part in (a provider who moved to it, a zone that left it).
enum SchemaV4Ops {
    static let sql = """
        -- Every ops action (cancel, reassign, reverse, provider change, suspension, zone move), with its actor and the
        -- answer given, for the ops page and for Idempotency-Key replays. Local to the node that performed it; the rows
        -- the action wrote are change-logged and travel as usual.
        CREATE TABLE ops_actions (
            id TEXT PRIMARY KEY NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('cancel_request', 'reassign_request', 'reverse_payment', 'update_provider',
                'suspend_provider', 'reinstate_provider', 'move_zone')),
            actor TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 120),
            target TEXT NOT NULL,
            reason TEXT CHECK (reason IS NULL OR length(reason) <= 500),
            summary_fr TEXT NOT NULL,
            idempotency_key TEXT UNIQUE CHECK (idempotency_key IS NULL OR length(idempotency_key) BETWEEN 1 AND 200),
            body_hash TEXT,
            result TEXT NOT NULL CHECK (json_valid(result)),
            created_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX ops_actions_created ON ops_actions(created_at);

        -- Central: requests a hub receives beyond its zones (SPEC.md §5.1). A provider who moves to a hub brings every
        -- request assigned to them; a zone that moves away leaves its old hub a stake in the zone's open requests, so
        -- that the old hub's late writes are decided by the rules and the decision reaches it. Stakes are never removed.
        CREATE TABLE partition_stakes (
            hub_id TEXT NOT NULL,
            request_id TEXT NOT NULL,
            reason TEXT NOT NULL CHECK (reason IN ('provider_moved', 'zone_moved')),
            created_at TEXT NOT NULL,
            PRIMARY KEY (hub_id, request_id)
        ) STRICT;
        CREATE INDEX partition_stakes_request ON partition_stakes(request_id);

        -- A request moved to another zone may take its client out of the old hub's partition: tell it too.
        CREATE TRIGGER partition_move_request_client AFTER UPDATE OF zone_id ON service_requests WHEN old.zone_id IS NOT new.zone_id
        BEGIN INSERT INTO partition_moves (table_name, row_key) VALUES ('clients', new.client_id); END;

        -- Hub side: where a provider who left this hub's partition went (the name of their new hub, from central).
        ALTER TABLE partition_left ADD COLUMN moved_to TEXT;

        -- A zone attached to another hub moves its requests and clients (the old hub is told they left, except those it
        -- keeps a stake in).
        CREATE TRIGGER partition_move_zone AFTER UPDATE OF hub_id ON zones WHEN old.hub_id IS NOT new.hub_id
        BEGIN
            INSERT INTO partition_moves (table_name, row_key) SELECT 'service_requests', id FROM service_requests WHERE zone_id = new.id;
            INSERT INTO partition_moves (table_name, row_key) SELECT 'clients', id FROM clients WHERE zone_id = new.id;
            INSERT INTO partition_moves (table_name, row_key) SELECT DISTINCT 'providers', provider_id FROM provider_zones WHERE zone_id = new.id;
        END;
        """

    /// v7: a zone that moves also takes out of the old hub's partition the clients who are there only through a request
    /// of that zone (their own `zone_id` is another zone's): the old hub is told they left too, so it does not keep a
    /// client central no longer feeds it (found by the property test, busy hubs and ops actions, 1 schedule in 300).
    static let zoneMoveClients = """
        DROP TRIGGER partition_move_zone;
        CREATE TRIGGER partition_move_zone AFTER UPDATE OF hub_id ON zones WHEN old.hub_id IS NOT new.hub_id
        BEGIN
            INSERT INTO partition_moves (table_name, row_key) SELECT 'service_requests', id FROM service_requests WHERE zone_id = new.id;
            INSERT INTO partition_moves (table_name, row_key)
                SELECT 'clients', id FROM clients WHERE zone_id = new.id
                UNION SELECT 'clients', client_id FROM service_requests WHERE zone_id = new.id;
            INSERT INTO partition_moves (table_name, row_key) SELECT DISTINCT 'providers', provider_id FROM provider_zones WHERE zone_id = new.id;
        END;
        """
}
