import DjobeaDomain

/// Schema additions of the provider requests area (migration "v2-provider-requests" in `Migrations`).
///
/// Both tables are hub-local for now (not in `SyncedTable`): the facts they lead to travel anyway, as the
/// `messages` row sent to the client and the mission events. `slot_proposals` follows the synced conventions
/// (UUIDv7 id, UTC text, deferrable foreign keys) so that it can join `SyncedTable` later without a rewrite.
enum SchemaV2ProviderRequests {
    static let sql = """
        -- "Reporter : proposer un nouveau créneau". A newer proposal for the same request supersedes the older one.
        CREATE TABLE slot_proposals (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            proposed_start TEXT NOT NULL,
            proposed_end TEXT NOT NULL,
            note TEXT CHECK (note IS NULL OR length(note) <= 500),
            message_id TEXT REFERENCES messages(id) DEFERRABLE INITIALLY DEFERRED,
            state TEXT NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'superseded', 'accepted', 'refused')),
            created_at TEXT NOT NULL,
            CHECK (proposed_end > proposed_start)
        ) STRICT;
        CREATE INDEX slot_proposals_request ON slot_proposals(request_id, provider_id, created_at);

        -- Replays of a phone's outbox: the first result of a command, by the key the phone chose for it.
        CREATE TABLE provider_request_commands (
            provider_id TEXT NOT NULL,
            idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 100),
            command TEXT NOT NULL,
            request_id TEXT NOT NULL,
            result TEXT NOT NULL CHECK (json_valid(result)),
            created_at TEXT NOT NULL,
            PRIMARY KEY (provider_id, idempotency_key)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX provider_request_commands_created ON provider_request_commands(created_at);
        """
}
