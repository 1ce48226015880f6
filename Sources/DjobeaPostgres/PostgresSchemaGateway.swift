// Migration 3: what the gateway needs to run on central's PostgreSQL, the same tables and columns as SQLite's
// (SchemaV5Gateway, SchemaV2ProviderRequests). They are local to the node and never travel. The synced side
// (`messages` gateway columns, `push_subscriptions`, `gateway_keys`, `clients.opted_out_at`, `node_identity.is_gateway`)
// is in migration 1 already.
extension PostgresSchema {
    static let gateway: [String] = [
        // Each piece of outside work (a client message, a push, an activity summary) and its attempts. A row whose
        // lease is in the future is being sent by this node; a sender that died leaves it to be taken again after the
        // lease. Summaries are recorded here too ('summary', '<provider>:<period>'): once per period.
        """
        CREATE TABLE gateway_work (
            kind TEXT NOT NULL CHECK (kind IN ('message', 'push', 'summary')),
            work_key TEXT NOT NULL,
            attempts BIGINT NOT NULL DEFAULT 0,
            lease_until TEXT,
            next_attempt_at TEXT,
            last_error TEXT,
            done_at TEXT,
            outcome TEXT,
            PRIMARY KEY (kind, work_key))
        """,
        "CREATE INDEX gateway_work_open ON gateway_work(kind, next_attempt_at) WHERE done_at IS NULL",
        // Inbound webhook messages by the service's id: a replayed webhook does nothing.
        """
        CREATE TABLE gateway_inbound (
            external_id TEXT PRIMARY KEY NOT NULL,
            from_phone TEXT NOT NULL,
            channel TEXT NOT NULL,
            received_at TEXT NOT NULL,
            message_id TEXT,
            outcome TEXT NOT NULL)
        """,
        // Slot proposals live on the hubs; an inbound "1"/"2" recorded by the gateway answers those this node holds
        // (none at central: the table is read, and stays empty). No foreign keys, as for every table here.
        """
        CREATE TABLE slot_proposals (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL,
            provider_id TEXT NOT NULL,
            proposed_start TEXT NOT NULL,
            proposed_end TEXT NOT NULL,
            note TEXT CHECK (note IS NULL OR length(note) <= 500),
            message_id TEXT,
            state TEXT NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'superseded', 'accepted', 'refused')),
            created_at TEXT NOT NULL,
            CHECK (proposed_end > proposed_start))
        """,
        "CREATE INDEX slot_proposals_request ON slot_proposals(request_id, provider_id, created_at)",
        // SQLite's `julianday` of a stored UTC timestamp ('2026-12-07T08:00:00.000Z'), so that the gateway's SQL reads
        // the same on both: the pushes compare an offer's lifetime with it.
        """
        CREATE FUNCTION julianday(value text) RETURNS double precision LANGUAGE sql STABLE STRICT AS $$
            SELECT (extract(epoch FROM value::timestamptz) / 86400.0 + 2440587.5)::double precision
        $$
        """,
    ]
}
