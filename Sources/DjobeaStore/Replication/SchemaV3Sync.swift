/// Sync bookkeeping (issue 4): hub enrolment and credentials at central, per-peer link state on both sides.
///
/// All tables here are local: they never travel. The synced `hubs` and `zones` rows say which zones a hub owns;
/// these say who may speak for it.
enum SchemaV3Sync {
    static let sql = """
        -- One-time enrolment tokens made by `djobea central enroll-hub` (central). Only the token's SHA-256 is kept.
        CREATE TABLE hub_enrolments (
            token_sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(token_sha256) = 64),
            hub_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT,
            used_by_node TEXT
        ) STRICT;

        -- The long-lived credential of each enrolled hub (central). `secret` is the HMAC key both sides hold.
        CREATE TABLE hub_credentials (
            hub_id TEXT PRIMARY KEY NOT NULL,
            node_id TEXT NOT NULL UNIQUE,
            secret TEXT NOT NULL,
            enrolled_at TEXT NOT NULL,
            revoked_at TEXT,
            last_counter INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        -- Link state per peer, on both sides. At a hub, the one row is central; at central, one row per hub.
        ALTER TABLE peers ADD COLUMN hub_id TEXT;
        -- Hub side: the peer's change-log position this node has applied up to (the pull cursor).
        ALTER TABLE peers ADD COLUMN pulled_through INTEGER NOT NULL DEFAULT 0;
        -- Hub side: the signing counter of the last request sent (strictly increasing, replay guard).
        ALTER TABLE peers ADD COLUMN request_counter INTEGER NOT NULL DEFAULT 0;
        -- The peer's version vector as last reported (JSON object origin -> seq).
        ALTER TABLE peers ADD COLUMN peer_vector TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(peer_vector));
        ALTER TABLE peers ADD COLUMN bytes_in INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE peers ADD COLUMN bytes_out INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE peers ADD COLUMN changes_in INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE peers ADD COLUMN changes_out INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE peers ADD COLUMN protocol_version INTEGER;
        ALTER TABLE peers ADD COLUMN schema_version INTEGER;
        ALTER TABLE peers ADD COLUMN last_seen_at TEXT;
        -- Central side: the peer's cursor into central's change log as the hub last reported it (for ops backlog).
        ALTER TABLE peers ADD COLUMN peer_cursor INTEGER NOT NULL DEFAULT 0;
        -- A digest of the hub's zones and providers (hub side: the one its cursor was built under); when central's differs,
        -- the hub is fed again from the start (CONFLICTS.md rule 14).
        ALTER TABLE peers ADD COLUMN partition_fingerprint TEXT;
        -- Central side: the hub's own backlog as it last reported it (changes not yet acknowledged, oldest, photo bytes).
        ALTER TABLE peers ADD COLUMN pending_out INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE peers ADD COLUMN oldest_pending_at TEXT;
        ALTER TABLE peers ADD COLUMN photo_backlog_bytes INTEGER NOT NULL DEFAULT 0;

        CREATE INDEX change_log_origin_local ON change_log(origin_node, local_seq);
        -- Central side: a hub's change to a row outside its partition is kept (the hub's sequence stays gapless and
        -- its link never wedges) but quarantined: never merged into a row, never served to another hub.
        ALTER TABLE change_log ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0 CHECK (quarantined IN (0, 1));

        -- Rows that changed partition (a request or client moved to another zone, a provider to another hub): each
        -- move bumps this log, and its head is part of every hub's partition fingerprint, so the hubs are fed again
        -- and the new owner receives the row and what hangs from it (CONFLICTS.md rule 14). Moves are rare.
        CREATE TABLE partition_moves (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            table_name TEXT NOT NULL,
            row_key TEXT NOT NULL
        ) STRICT;
        CREATE TRIGGER partition_move_request AFTER UPDATE OF zone_id ON service_requests WHEN old.zone_id IS NOT new.zone_id
        BEGIN INSERT INTO partition_moves (table_name, row_key) VALUES ('service_requests', new.id); END;
        CREATE TRIGGER partition_move_client AFTER UPDATE OF zone_id ON clients WHEN old.zone_id IS NOT new.zone_id
        BEGIN INSERT INTO partition_moves (table_name, row_key) VALUES ('clients', new.id); END;
        CREATE TRIGGER partition_move_provider AFTER UPDATE OF hub_id ON providers WHEN old.hub_id IS NOT new.hub_id
        BEGIN INSERT INTO partition_moves (table_name, row_key) VALUES ('providers', new.id); END;
        """

    /// Hub side of CONFLICTS.md rule 14: rows central said left this hub's partition. They stay (no history is lost)
    /// but receive no further changes; the provider API and ops can tell them apart.
    static let left = """
        CREATE TABLE partition_left (
            table_name TEXT NOT NULL,
            row_key TEXT NOT NULL,
            left_at TEXT NOT NULL,
            PRIMARY KEY (table_name, row_key)
        ) STRICT;
        -- Hub side: the head of central's partition_moves log this hub has been told about.
        ALTER TABLE peers ADD COLUMN moves_seen INTEGER NOT NULL DEFAULT 0;
        """
}
