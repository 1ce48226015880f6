import DjobeaDomain

/// Central's schema on PostgreSQL, as versioned migrations. `schema_migrations` records each one applied (its version,
/// name and time); `migrate` applies the missing ones in order, in one transaction under a transaction-scoped advisory
/// lock (`migrationLockKey`), so two central processes starting together do not race: the second waits, then finds
/// everything applied. A shipped migration is never edited: change the schema with a new one.
public struct PostgresSchema: Sendable {
    /// One step of the schema: statements run in order, in the migration's transaction.
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let statements: [String]
    }

    /// The advisory lock `migrate` holds (transaction-scoped): "djobea" in ASCII, then 2.
    public static let migrationLockKey: Int64 = 0x646A_6F62_6561_0002

    public static let migrations: [Migration] = [
        Migration(
            version: 1, name: "v1-central",
            statements: [jsonValid] + synced + syncedCommunicationAndFinance + local + triggers),
        Migration(version: 2, name: "v2-idempotency-keys", statements: idempotencyKeys),
        Migration(version: 3, name: "v3-gateway", statements: gateway),
        // As SQLite's v7: a zone's move also tells the old hub about the clients it held only through the zone's requests.
        Migration(
            version: 4, name: "v4-zone-move-clients",
            statements: [
                """
                CREATE OR REPLACE FUNCTION djobea_partition_move_zone() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO partition_moves (table_name, row_key)
                        SELECT 'service_requests', id FROM service_requests WHERE zone_id = NEW.id ORDER BY id;
                    INSERT INTO partition_moves (table_name, row_key)
                        SELECT 'clients', id FROM clients WHERE zone_id = NEW.id
                        UNION SELECT 'clients', client_id FROM service_requests WHERE zone_id = NEW.id ORDER BY 2;
                    INSERT INTO partition_moves (table_name, row_key)
                        SELECT DISTINCT 'providers', provider_id FROM provider_zones WHERE zone_id = NEW.id ORDER BY 2;
                    RETURN NULL;
                END
                $$
                """
            ]),
        // Central's processes share one database: what must be the same in each of them (the VAPID key pushes are signed
        // with, whose public half the hubs hand to browsers) is kept here, never in a synced table.
        Migration(
            version: 5, name: "v5-central-secrets",
            statements: [
                """
                CREATE TABLE central_secrets (
                    name TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL,
                    created_at TEXT NOT NULL)
                """
            ]),
        // As SQLite's v8: mobile money collections (synced) and the gateway's work with the operators (local).
        Migration(version: 6, name: "v6-collections", statements: collections),
        // As SQLite's v9-commission-ops: the ops kinds of commission rate versions and provider levels. The kinds are
        // added to whatever `ops_actions`' kind check allows now (kept as an OR), so kinds another migration added stay.
        Migration(version: 7, name: "v7-commission-ops", statements: [commissionOpsKinds]),
        // As SQLite's v10-credit-notes: credit notes (avoirs) on sent invoices (synced).
        Migration(version: 8, name: "v8-credit-notes", statements: creditNotes),
        // As SQLite's v11: what quotes need to be accepted by the client on their page.
        Migration(
            version: 9, name: "v9-quotes",
            statements: [
                "ALTER TABLE quotes ADD COLUMN sent_at TEXT",
                "ALTER TABLE quotes ADD COLUMN decided_at TEXT",
                "ALTER TABLE quotes ADD COLUMN decided_by_name TEXT CHECK (decided_by_name IS NULL OR length(decided_by_name) BETWEEN 2 AND 80)",
                "ALTER TABLE quotes ADD COLUMN public_token TEXT CHECK (public_token IS NULL OR length(public_token) BETWEEN 22 AND 64)",
                "ALTER TABLE quotes ADD COLUMN invoice_id TEXT",
                "CREATE INDEX quotes_public_token ON quotes(public_token) WHERE public_token IS NOT NULL",
            ]),
        // As SQLite's v12: every invoice has a client page.
        Migration(
            version: 10, name: "v10-invoice-pages",
            statements: [
                "ALTER TABLE invoices ADD COLUMN public_token TEXT CHECK (public_token IS NULL OR length(public_token) BETWEEN 22 AND 64)",
                "CREATE INDEX invoices_public_token ON invoices(public_token) WHERE public_token IS NOT NULL",
            ]),
        // As SQLite's v13: the numbering handover after a provider moves hub.
        Migration(
            version: 11, name: "v11-numbering-handover",
            statements: [
                "ALTER TABLE providers ADD COLUMN numbering_hub_id TEXT",
                "CREATE INDEX providers_numbering_hub ON providers(numbering_hub_id) WHERE numbering_hub_id IS NOT NULL",
            ]),
    ]

    /// Widens `ops_actions`' kind check by the commission and level kinds, once (a check that has them is left alone).
    static let commissionOpsKinds = """
        DO $$
        DECLARE
            check_name TEXT;
            definition TEXT;
        BEGIN
            SELECT conname, pg_get_constraintdef(oid) INTO check_name, definition FROM pg_constraint
            WHERE conrelid = 'ops_actions'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%cancel_request%';
            IF check_name IS NOT NULL AND definition NOT LIKE '%add_commission_rate%' THEN
                EXECUTE format('ALTER TABLE ops_actions DROP CONSTRAINT %I', check_name);
                EXECUTE format(
                    'ALTER TABLE ops_actions ADD CONSTRAINT %I CHECK (kind IN (''add_commission_rate'', ''recompute_levels'', '
                        || '''set_provider_level'', ''override_provider_level'') OR %s)',
                    check_name, substr(definition, 7));
            END IF;
        END
        $$
        """

    /// The index of conflicts by row, ops' actions, and the first answer of each (caller, idempotency key) of a write that creates a row (a payment recorded by the
    /// platform or ops at central), replayed when the key comes back: SQLite's `provider_request_commands`.
    static let idempotencyKeys = [
        """
        CREATE TABLE provider_request_commands (
            provider_id TEXT NOT NULL,
            idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 100),
            command TEXT NOT NULL,
            request_id TEXT NOT NULL,
            result TEXT NOT NULL CHECK (djobea_json_valid(result)),
            created_at TEXT NOT NULL,
            PRIMARY KEY (provider_id, idempotency_key))
        """,
        "CREATE INDEX provider_request_commands_created ON provider_request_commands(created_at)",
        // A rule's open conflicts are replaced each time it decides again (`ConflictLog.replace`): found by row.
        "CREATE INDEX sync_conflicts_row ON sync_conflicts(table_name, row_key)",
        // Ops' actions at central, one line each, with its idempotency key and answer (SQLite's `ops_actions`).
        """
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
            result TEXT NOT NULL CHECK (djobea_json_valid(result)),
            created_at TEXT NOT NULL)
        """,
        "CREATE INDEX ops_actions_created ON ops_actions(created_at)",
    ]

    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    public let database: PostgresDatabase

    public init(database: PostgresDatabase) {
        self.database = database
    }

    /// Applies the migrations not yet applied; returns the versions it applied (none when the schema is current).
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await database.transaction { session in
            try session.execute("SELECT pg_advisory_xact_lock($1)", [.integer(Self.migrationLockKey)])
            try session.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL UNIQUE,
                    applied_at TEXT NOT NULL)
                """)
            let applied = Set(try session.query("SELECT version FROM schema_migrations").compactMap { $0.first?.integerValue })
            var done: [Int] = []
            for migration in Self.migrations where !applied.contains(Int64(migration.version)) {
                for statement in migration.statements {
                    try session.execute(statement)
                }
                try session.execute(
                    """
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES ($1, $2, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                    """, [.integer(Int64(migration.version)), .text(migration.name)])
                done.append(migration.version)
            }
            return done
        }
    }

    /// The highest migration version applied (0 on an empty database).
    public func appliedVersion() async throws -> Int {
        try await database.transaction { session in
            let exists = try session.scalar("SELECT to_regclass('schema_migrations') IS NOT NULL")
            guard exists == .integer(1) else { return 0 }
            return Int(try session.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations")?.integerValue ?? 0)
        }
    }
}
