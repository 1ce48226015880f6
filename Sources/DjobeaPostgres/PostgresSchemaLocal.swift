// The sync core's local tables that central needs, on PostgreSQL: same tables and columns as SQLite
// (SchemaV1.sync, SchemaV3Sync, SchemaV4Clocks, SchemaV4Ops, SchemaV5Gateway). They never travel.
extension PostgresSchema {
    static let local: [String] = [
        // This node's identity and role (one row).
        """
        CREATE TABLE node_identity (
            singleton BIGINT PRIMARY KEY NOT NULL CHECK (singleton = 1),
            node_id TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('hub', 'central')),
            created_at TEXT NOT NULL,
            is_gateway BIGINT NOT NULL DEFAULT 0)
        """,
        // Every change to a synced table, local or received, in the order this node applied it. `local_seq` is given
        // by `PostgresChangeLog.append` (not a sequence: see there why).
        """
        CREATE TABLE change_log (
            local_seq BIGINT PRIMARY KEY,
            origin_node TEXT NOT NULL,
            origin_seq BIGINT NOT NULL CHECK (origin_seq > 0),
            hlc BIGINT NOT NULL,
            table_name TEXT NOT NULL,
            row_key TEXT NOT NULL,
            op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
            columns TEXT NOT NULL CHECK (djobea_json_valid(columns)),
            recorded_at TEXT NOT NULL,
            quarantined BIGINT NOT NULL DEFAULT 0 CHECK (quarantined IN (0, 1)),
            held BIGINT NOT NULL DEFAULT 0 CHECK (held IN (0, 1)),
            UNIQUE (origin_node, origin_seq))
        """,
        "CREATE INDEX change_log_row ON change_log(table_name, row_key)",
        "CREATE INDEX change_log_origin_local ON change_log(origin_node, local_seq)",
        "CREATE INDEX change_log_held ON change_log(hlc) WHERE held = 1",
        // PostgreSQL only: the highest local_seq ever given, so that a number is never given twice even when the head
        // of the log is deleted (a held change re-logged), as SQLite's AUTOINCREMENT guarantees.
        """
        CREATE TABLE change_log_head (
            singleton BIGINT PRIMARY KEY NOT NULL CHECK (singleton = 1),
            local_seq BIGINT NOT NULL CHECK (local_seq >= 0))
        """,
        "INSERT INTO change_log_head (singleton, local_seq) VALUES (1, 0)",
        """
        CREATE TABLE tombstones (
            table_name TEXT NOT NULL,
            row_key TEXT NOT NULL,
            hlc BIGINT NOT NULL,
            origin_node TEXT NOT NULL,
            deleted_at TEXT NOT NULL,
            PRIMARY KEY (table_name, row_key))
        """,
        """
        CREATE TABLE peers (
            node_id TEXT PRIMARY KEY NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('hub', 'central')),
            name TEXT NOT NULL,
            last_sent_local_seq BIGINT NOT NULL DEFAULT 0,
            last_success_at TEXT,
            last_error TEXT,
            last_error_at TEXT,
            clock_offset_ms BIGINT,
            hub_id TEXT,
            pulled_through BIGINT NOT NULL DEFAULT 0,
            request_counter BIGINT NOT NULL DEFAULT 0,
            peer_vector TEXT NOT NULL DEFAULT '{}' CHECK (djobea_json_valid(peer_vector)),
            bytes_in BIGINT NOT NULL DEFAULT 0,
            bytes_out BIGINT NOT NULL DEFAULT 0,
            changes_in BIGINT NOT NULL DEFAULT 0,
            changes_out BIGINT NOT NULL DEFAULT 0,
            protocol_version BIGINT,
            schema_version BIGINT,
            last_seen_at TEXT,
            peer_cursor BIGINT NOT NULL DEFAULT 0,
            partition_fingerprint TEXT,
            pending_out BIGINT NOT NULL DEFAULT 0,
            oldest_pending_at TEXT,
            photo_backlog_bytes BIGINT NOT NULL DEFAULT 0,
            moves_seen BIGINT NOT NULL DEFAULT 0)
        """,
        """
        CREATE TABLE sync_conflicts (
            id TEXT PRIMARY KEY NOT NULL,
            table_name TEXT NOT NULL,
            row_key TEXT NOT NULL,
            kind TEXT NOT NULL,
            rule TEXT NOT NULL,
            winner TEXT CHECK (winner IS NULL OR djobea_json_valid(winner)),
            loser TEXT CHECK (loser IS NULL OR djobea_json_valid(loser)),
            detected_at TEXT NOT NULL,
            resolved_at TEXT,
            resolved_by TEXT)
        """,
        "CREATE INDEX sync_conflicts_open ON sync_conflicts(detected_at) WHERE resolved_at IS NULL",
        """
        CREATE TABLE hub_enrolments (
            token_sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(token_sha256) = 64),
            hub_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT,
            used_by_node TEXT)
        """,
        """
        CREATE TABLE hub_credentials (
            hub_id TEXT PRIMARY KEY NOT NULL,
            node_id TEXT NOT NULL UNIQUE,
            secret TEXT NOT NULL,
            enrolled_at TEXT NOT NULL,
            revoked_at TEXT,
            last_counter BIGINT NOT NULL DEFAULT 0)
        """,
        """
        CREATE TABLE partition_moves (
            seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            table_name TEXT NOT NULL,
            row_key TEXT NOT NULL)
        """,
        """
        CREATE TABLE partition_stakes (
            hub_id TEXT NOT NULL,
            request_id TEXT NOT NULL,
            reason TEXT NOT NULL CHECK (reason IN ('provider_moved', 'zone_moved')),
            created_at TEXT NOT NULL,
            PRIMARY KEY (hub_id, request_id))
        """,
        "CREATE INDEX partition_stakes_request ON partition_stakes(request_id)",
        // Derived from mission_events by the mission fold; never synced.
        """
        CREATE TABLE missions (
            request_id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT,
            status TEXT NOT NULL CHECK (status IN ('nouvelle', 'acceptee', 'arrive', 'diagnostic', 'reparation', 'terminee',
                'declinee', 'annulee', 'expiree')),
            accepted_at TEXT,
            arrived_at TEXT,
            diagnostic_at TEXT,
            repair_at TEXT,
            completed_at TEXT,
            cancelled_at TEXT,
            expired_at TEXT,
            last_event_hlc BIGINT,
            conflict_count BIGINT NOT NULL DEFAULT 0)
        """,
        "CREATE INDEX idx_requests_provider_status ON missions(provider_id, status) WHERE provider_id IS NOT NULL",
        "CREATE INDEX missions_provider_completed ON missions(provider_id, completed_at) WHERE completed_at IS NOT NULL",
        "CREATE INDEX missions_status ON missions(status)",
    ]
}
