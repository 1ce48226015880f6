// Central's synced tables on PostgreSQL: the final state of the SQLite schema (Sources/DjobeaStore/Schema and the
// migrations that alter these tables), with the same table and column names, NOT NULL, defaults, CHECKs and UNIQUE
// constraints. INTEGER is BIGINT and TEXT is TEXT: synced tables hold only integers, text and NULL.
//
// No foreign keys. A received row may arrive before its parent, or keep a parent this node refused (a merge rule, a
// uniqueness conflict recorded as `constraint_violation`): SQLite applies received batches with foreign keys off for
// that reason (SPEC §3.3), and central must not make every retry of a batch fail on a missing parent.
//
// SQLite's GLOB patterns become anchored regular expressions, `json_valid` becomes `djobea_json_valid` (below); the
// database's collation should be "C" so that text compares byte by byte as in SQLite (scripts/pg-cluster.sh makes it so).
extension PostgresSchema {
    /// `json_valid` of SQLite: whether a text parses as JSON (NULL stays NULL, so a CHECK lets it pass).
    static let jsonValid = """
        CREATE FUNCTION djobea_json_valid(value text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT AS $$
        BEGIN
            PERFORM value::json;
            RETURN true;
        EXCEPTION WHEN others THEN
            RETURN false;
        END
        $$
        """

    static let phone = "'^[+]237[0-9]{9}$'"

    static let synced: [String] = [
        """
        CREATE TABLE hubs (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 80),
            created_at TEXT NOT NULL)
        """,
        """
        CREATE TABLE zones (
            id TEXT PRIMARY KEY NOT NULL,
            code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 2 AND 60),
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
            hub_id TEXT,
            created_at TEXT NOT NULL)
        """,
        """
        CREATE TABLE services (
            id TEXT PRIMARY KEY NOT NULL,
            code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 2 AND 40),
            name_fr TEXT NOT NULL CHECK (length(name_fr) BETWEEN 1 AND 80),
            active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            sort_order BIGINT NOT NULL DEFAULT 0)
        """,
        """
        CREATE TABLE commission_rates (
            id TEXT PRIMARY KEY NOT NULL,
            level TEXT CHECK (level IN ('bronze', 'argent', 'or', 'platine')),
            basis_points BIGINT NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
            effective_from TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (level, effective_from))
        """,
        """
        CREATE TABLE gateway_keys (
            id TEXT PRIMARY KEY NOT NULL,
            node_id TEXT NOT NULL,
            vapid_public_key TEXT NOT NULL CHECK (length(vapid_public_key) BETWEEN 80 AND 100),
            updated_at TEXT NOT NULL)
        """,
        """
        CREATE TABLE providers (
            id TEXT PRIMARY KEY NOT NULL,
            phone TEXT NOT NULL UNIQUE CHECK (phone ~ \(phone)),
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
            email TEXT UNIQUE CHECK (email IS NULL OR email LIKE '%_@_%'),
            bio TEXT CHECK (bio IS NULL OR length(bio) <= 2000),
            photo_sha256 TEXT CHECK (photo_sha256 IS NULL OR length(photo_sha256) = 64),
            level TEXT NOT NULL DEFAULT 'bronze' CHECK (level IN ('bronze', 'argent', 'or', 'platine')),
            account_status TEXT NOT NULL DEFAULT 'active' CHECK (account_status IN ('active', 'suspended')),
            away_mode BIGINT NOT NULL DEFAULT 0 CHECK (away_mode IN (0, 1)),
            away_until TEXT,
            away_message TEXT,
            home_zone_id TEXT,
            hub_id TEXT,
            joined_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)
        """,
        """
        CREATE TABLE provider_credentials (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL UNIQUE,
            password_hash TEXT,
            totp_secret TEXT,
            updated_at TEXT NOT NULL)
        """,
        """
        CREATE TABLE provider_zones (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL,
            zone_id TEXT NOT NULL,
            UNIQUE (provider_id, zone_id))
        """,
        "CREATE INDEX provider_zones_zone ON provider_zones(zone_id)",
        """
        CREATE TABLE provider_services (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL,
            service_id TEXT NOT NULL,
            rate_min BIGINT CHECK (rate_min IS NULL OR rate_min >= 0),
            rate_max BIGINT CHECK (rate_max IS NULL OR rate_max >= coalesce(rate_min, 0)),
            UNIQUE (provider_id, service_id))
        """,
        "CREATE INDEX provider_services_service ON provider_services(service_id)",
        """
        CREATE TABLE provider_certifications (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL,
            title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
            issuer TEXT,
            obtained_on TEXT)
        """,
        "CREATE INDEX provider_certifications_provider ON provider_certifications(provider_id)",
        """
        CREATE TABLE provider_settings (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL UNIQUE,
            notifications_enabled BIGINT NOT NULL DEFAULT 1 CHECK (notifications_enabled IN (0, 1)),
            auto_accept_familiar_clients BIGINT NOT NULL DEFAULT 0 CHECK (auto_accept_familiar_clients IN (0, 1)),
            working_hours TEXT NOT NULL CHECK (djobea_json_valid(working_hours)),
            notification_sound BIGINT NOT NULL DEFAULT 1 CHECK (notification_sound IN (0, 1)),
            summary_frequency TEXT NOT NULL DEFAULT 'weekly' CHECK (summary_frequency IN ('daily', 'weekly', 'monthly', 'never')),
            request_types TEXT NOT NULL DEFAULT '[]' CHECK (djobea_json_valid(request_types)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)
        """,
        """
        CREATE TABLE push_subscriptions (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL,
            device_id TEXT NOT NULL CHECK (length(device_id) BETWEEN 8 AND 64),
            endpoint TEXT NOT NULL CHECK (length(endpoint) BETWEEN 10 AND 2048),
            p256dh TEXT NOT NULL CHECK (length(p256dh) BETWEEN 80 AND 100),
            auth TEXT NOT NULL CHECK (length(auth) BETWEEN 16 AND 32),
            gateway_node TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)
        """,
        "CREATE INDEX push_subscriptions_provider ON push_subscriptions(provider_id, device_id)",
        """
        CREATE TABLE absences (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            reason TEXT CHECK (reason IS NULL OR length(reason) <= 200),
            notify_clients BIGINT NOT NULL DEFAULT 1 CHECK (notify_clients IN (0, 1)),
            created_at TEXT NOT NULL,
            CHECK (ends_at > starts_at))
        """,
        "CREATE INDEX absences_provider_period ON absences(provider_id, starts_at, ends_at)",
        """
        CREATE TABLE goals (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL,
            month TEXT NOT NULL CHECK (month ~ '^[0-9]{4}-[0-1][0-9]$'),
            target_revenue BIGINT NOT NULL CHECK (target_revenue >= 0),
            target_missions BIGINT NOT NULL DEFAULT 0 CHECK (target_missions >= 0),
            UNIQUE (provider_id, month))
        """,
        """
        CREATE TABLE badges (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL,
            code TEXT NOT NULL CHECK (code IN ('reponse_eclair', 'client_satisfait', 'pro_du_mois', 'cent_missions')),
            period TEXT NOT NULL,
            awarded_at TEXT NOT NULL,
            UNIQUE (provider_id, code, period))
        """,
        // Not unique by phone: a walk-in request gets a client row of its own (SchemaV4WalkInClients).
        """
        CREATE TABLE clients (
            id TEXT PRIMARY KEY NOT NULL,
            phone TEXT NOT NULL CHECK (phone ~ \(phone)),
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
            zone_id TEXT,
            address TEXT,
            created_at TEXT NOT NULL,
            opted_out_at TEXT,
            no_whatsapp_at TEXT)
        """,
        "CREATE INDEX clients_phone ON clients(phone)",
        """
        CREATE TABLE service_requests (
            id TEXT PRIMARY KEY NOT NULL,
            client_id TEXT NOT NULL,
            service_id TEXT NOT NULL,
            zone_id TEXT NOT NULL,
            urgency TEXT NOT NULL CHECK (urgency IN ('urgent', 'aujourd_hui', 'cette_semaine', 'planifie')),
            title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 160),
            description TEXT NOT NULL CHECK (length(description) <= 4000),
            address TEXT NOT NULL CHECK (length(address) <= 300),
            budget_min BIGINT CHECK (budget_min IS NULL OR budget_min >= 0),
            budget_max BIGINT CHECK (budget_max IS NULL OR budget_max >= coalesce(budget_min, 0)),
            wished_time_label TEXT,
            wished_at TEXT,
            channel TEXT NOT NULL DEFAULT 'platform' CHECK (channel IN ('platform', 'walk_in')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)
        """,
        "CREATE INDEX idx_requests_created_desc ON service_requests(created_at DESC)",
        "CREATE INDEX idx_requests_zone_created ON service_requests(zone_id, created_at)",
        "CREATE INDEX service_requests_client ON service_requests(client_id, created_at)",
        """
        CREATE TABLE request_offers (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL,
            provider_id TEXT NOT NULL,
            rank BIGINT NOT NULL DEFAULT 1 CHECK (rank >= 1),
            offered_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')),
            answered_at TEXT,
            seen_at TEXT,
            decline_reason TEXT CHECK (decline_reason IS NULL OR decline_reason IN
                ('agenda_plein', 'hors_zone', 'hors_competence', 'budget_insuffisant', 'indisponible', 'distance_trop_grande', 'autre')),
            decline_note TEXT CHECK (decline_note IS NULL OR length(decline_note) <= 500),
            CHECK (expires_at > offered_at),
            CHECK (state = 'pending' OR state = 'withdrawn' OR state = 'expired' OR answered_at IS NOT NULL),
            UNIQUE (request_id, provider_id))
        """,
        "CREATE INDEX request_offers_provider ON request_offers(provider_id, offered_at)",
        "CREATE INDEX request_offers_pending ON request_offers(request_id, expires_at) WHERE state = 'pending'",
        """
        CREATE TABLE mission_events (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('accepted', 'declined', 'reoffered', 'reassigned', 'arrived', 'diagnosed',
                'repairing', 'completed', 'cancelled', 'expired', 'reopened')),
            actor_role TEXT NOT NULL CHECK (actor_role IN ('provider', 'client', 'hub_operator', 'ops', 'system')),
            actor_id TEXT,
            provider_id TEXT,
            hlc BIGINT NOT NULL,
            origin_node TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            reopen_to TEXT CHECK (reopen_to IS NULL OR reopen_to IN ('nouvelle', 'acceptee', 'arrive', 'diagnostic', 'reparation')),
            reason_code TEXT,
            note TEXT CHECK (note IS NULL OR length(note) <= 1000),
            CHECK (kind <> 'reopened' OR reopen_to IS NOT NULL))
        """,
        "CREATE INDEX mission_events_request ON mission_events(request_id, hlc)",
        """
        CREATE TABLE mission_materials (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL,
            provider_id TEXT NOT NULL,
            label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 160),
            quantity BIGINT NOT NULL CHECK (quantity > 0),
            unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
            recorded_at TEXT NOT NULL)
        """,
        "CREATE INDEX mission_materials_request ON mission_materials(request_id)",
        """
        CREATE TABLE mission_work_sessions (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL,
            provider_id TEXT NOT NULL,
            started_at TEXT NOT NULL,
            stopped_at TEXT,
            CHECK (stopped_at IS NULL OR stopped_at >= started_at))
        """,
        "CREATE INDEX mission_work_sessions_request ON mission_work_sessions(request_id)",
        """
        CREATE TABLE photos (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT,
            provider_id TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('before', 'after', 'profile', 'other')),
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
            thumb_sha256 TEXT CHECK (thumb_sha256 IS NULL OR length(thumb_sha256) = 64),
            mime TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'image/webp')),
            bytes BIGINT NOT NULL CHECK (bytes > 0),
            width BIGINT NOT NULL CHECK (width > 0),
            height BIGINT NOT NULL CHECK (height > 0),
            taken_at TEXT NOT NULL,
            created_at TEXT NOT NULL)
        """,
        "CREATE INDEX photos_request ON photos(request_id, kind)",
        "CREATE INDEX photos_sha ON photos(sha256)",
        """
        CREATE TABLE ratings (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL,
            provider_id TEXT NOT NULL,
            stars BIGINT NOT NULL CHECK (stars BETWEEN 1 AND 5),
            comment TEXT CHECK (comment IS NULL OR length(comment) <= 1000),
            created_at TEXT NOT NULL)
        """,
        "CREATE INDEX ratings_provider ON ratings(provider_id, created_at)",
        "CREATE INDEX ratings_client ON ratings(client_id)",
    ]
}
