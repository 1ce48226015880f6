/// The gateway (DESIGN.md "Gateways"): what a client message needs to leave the node that sends it, what comes back,
/// the browsers a provider gets pushes on, and the gateway's own bookkeeping.
enum SchemaV5Gateway {
    static let sql = """
        -- Who sends it (NULL: the deployment's default gateway, central), the template used when the client's 24-hour
        -- window is closed, and what the outside service said.
        ALTER TABLE messages ADD COLUMN gateway_node TEXT;
        ALTER TABLE messages ADD COLUMN template_name TEXT;
        ALTER TABLE messages ADD COLUMN template_params TEXT CHECK (template_params IS NULL OR json_valid(template_params));
        ALTER TABLE messages ADD COLUMN essential INTEGER NOT NULL DEFAULT 1 CHECK (essential IN (0, 1));
        ALTER TABLE messages ADD COLUMN external_id TEXT;
        ALTER TABLE messages ADD COLUMN status_reason TEXT CHECK (status_reason IS NULL OR length(status_reason) <= 500);
        ALTER TABLE messages ADD COLUMN status_at TEXT;
        -- What an inbound message means, read once by the gateway: text, slot_yes, slot_no, rating, stop, start.
        ALTER TABLE messages ADD COLUMN intent TEXT;
        CREATE INDEX messages_queued ON messages(sent_at) WHERE direction = 'out' AND delivery_status = 'queued';
        CREATE INDEX messages_external ON messages(external_id) WHERE external_id IS NOT NULL;
        CREATE INDEX messages_client ON messages(client_id, direction, sent_at);
        -- The push loop reads recent inbound messages and payments every second.
        CREATE INDEX messages_inbound ON messages(sent_at) WHERE direction = 'in';
        CREATE INDEX ledger_payments_recorded ON ledger_entries(recorded_at) WHERE kind = 'payment';

        -- STOP: no more non-essential messages. No WhatsApp account: essential messages go by SMS.
        ALTER TABLE clients ADD COLUMN opted_out_at TEXT;
        ALTER TABLE clients ADD COLUMN no_whatsapp_at TEXT;

        -- A provider's browsers (PushSubscription.toJSON()), one row per device.
        CREATE TABLE push_subscriptions (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            device_id TEXT NOT NULL CHECK (length(device_id) BETWEEN 8 AND 64),
            endpoint TEXT NOT NULL CHECK (length(endpoint) BETWEEN 10 AND 2048),
            p256dh TEXT NOT NULL CHECK (length(p256dh) BETWEEN 80 AND 100),
            auth TEXT NOT NULL CHECK (length(auth) BETWEEN 16 AND 32),
            -- The gateway whose VAPID key the browser subscribed with (NULL: central): only it can push here.
            gateway_node TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX push_subscriptions_provider ON push_subscriptions(provider_id, device_id);

        -- Each gateway's VAPID public key (base64url), for the hubs to hand to browsers. Public by nature.
        CREATE TABLE gateway_keys (
            id TEXT PRIMARY KEY NOT NULL,
            node_id TEXT NOT NULL,
            vapid_public_key TEXT NOT NULL CHECK (length(vapid_public_key) BETWEEN 80 AND 100),
            updated_at TEXT NOT NULL
        ) STRICT;

        -- Local to the gateway node: each piece of outside work (a message, a push) and its attempts. A row whose lease
        -- is in the future is being sent by this node; a sender that died leaves it to be taken again after the lease.
        CREATE TABLE gateway_work (
            kind TEXT NOT NULL CHECK (kind IN ('message', 'push', 'summary')),
            work_key TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            lease_until TEXT,
            next_attempt_at TEXT,
            last_error TEXT,
            done_at TEXT,
            outcome TEXT,
            PRIMARY KEY (kind, work_key)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX gateway_work_open ON gateway_work(kind, next_attempt_at) WHERE done_at IS NULL;

        -- Local to the gateway node: inbound webhook messages by the service's id (a replayed webhook does nothing).
        CREATE TABLE gateway_inbound (
            external_id TEXT PRIMARY KEY NOT NULL,
            from_phone TEXT NOT NULL,
            channel TEXT NOT NULL,
            received_at TEXT NOT NULL,
            message_id TEXT,
            outcome TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;

        -- Local: whether this node is its deployment's gateway (set at each start).
        ALTER TABLE node_identity ADD COLUMN is_gateway INTEGER NOT NULL DEFAULT 0;
        """
}
