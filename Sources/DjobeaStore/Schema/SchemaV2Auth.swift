/// Schema additions for provider authentication (migration "v2-auth"). All of it is hub-local, never synced.
///
/// - `notification_outbox`: the durable queue of outgoing WhatsApp messages. A message is enqueued in the same
///   transaction as the state it announces (an OTP challenge), so a hub cut off from the internet keeps it until a
///   driver can send it. The content (which may hold a code) is sealed with a key derived from the node's secret,
///   so no plain code ever sits in the database; it is erased once the message is sent.
/// - `totp_enrolments`: a TOTP secret shown to a provider and waiting for its first code before it is activated in
///   `provider_credentials`.
/// - `provider_sessions.user_agent`: the device a session was opened on, for a "my sessions" list.
enum SchemaV2Auth {
    static let sql = """
        CREATE TABLE notification_outbox (
            id TEXT PRIMARY KEY NOT NULL,
            channel TEXT NOT NULL DEFAULT 'whatsapp' CHECK (channel IN ('whatsapp')),
            recipient TEXT NOT NULL CHECK (recipient GLOB '+[1-9]*'),
            template TEXT NOT NULL CHECK (length(template) BETWEEN 1 AND 64),
            sealed_content TEXT,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'expired')),
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            created_at TEXT NOT NULL,
            expires_at TEXT,
            sent_at TEXT,
            CHECK (status <> 'pending' OR sealed_content IS NOT NULL)
        ) STRICT;
        CREATE INDEX notification_outbox_due ON notification_outbox(status, next_attempt_at);

        CREATE TABLE totp_enrolments (
            provider_id TEXT PRIMARY KEY NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            secret TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        ) STRICT;

        ALTER TABLE provider_sessions ADD COLUMN user_agent TEXT CHECK (user_agent IS NULL OR length(user_agent) <= 200);
        """
}
