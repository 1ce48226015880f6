// The whole data model, version 1. Shipped migrations are never edited: change the schema with a new one.
//
// Conventions (DESIGN.md, "Data"):
// - ids are UUIDv7 text made on the creating node; no autoincrement crosses nodes;
// - money is INTEGER francs CFA; times are UTC text `YYYY-MM-DDTHH:MM:SS.mmmZ`; HLCs are packed INTEGERs;
// - foreign keys are DEFERRABLE INITIALLY DEFERRED so that a sync batch may arrive in any order inside
//   one transaction and is checked at commit;
// - tables are STRICT: SQLite refuses a value of the wrong type instead of storing it.
enum SchemaV1 {
    static let reference = """
        CREATE TABLE hubs (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 80),
            created_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE zones (
            id TEXT PRIMARY KEY NOT NULL,
            code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 2 AND 60),
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
            hub_id TEXT REFERENCES hubs(id) DEFERRABLE INITIALLY DEFERRED,
            created_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE services (
            id TEXT PRIMARY KEY NOT NULL,
            code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 2 AND 40),
            name_fr TEXT NOT NULL CHECK (length(name_fr) BETWEEN 1 AND 80),
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            sort_order INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        -- Versioned: a rate version is never edited once in force (trigger below); a new version supersedes it.
        CREATE TABLE commission_rates (
            id TEXT PRIMARY KEY NOT NULL,
            level TEXT CHECK (level IN ('bronze', 'argent', 'or', 'platine')),
            basis_points INTEGER NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
            effective_from TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (level, effective_from)
        ) STRICT;
        CREATE TRIGGER commission_rates_immutable BEFORE UPDATE ON commission_rates
        BEGIN SELECT RAISE(ABORT, 'commission rate versions are immutable'); END;
        """

    static let providers = """
        CREATE TABLE providers (
            id TEXT PRIMARY KEY NOT NULL,
            phone TEXT NOT NULL UNIQUE CHECK (phone GLOB '+237[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
            email TEXT UNIQUE CHECK (email IS NULL OR email LIKE '%_@_%'),
            bio TEXT CHECK (bio IS NULL OR length(bio) <= 2000),
            photo_sha256 TEXT CHECK (photo_sha256 IS NULL OR length(photo_sha256) = 64),
            level TEXT NOT NULL DEFAULT 'bronze' CHECK (level IN ('bronze', 'argent', 'or', 'platine')),
            account_status TEXT NOT NULL DEFAULT 'active' CHECK (account_status IN ('active', 'suspended')),
            away_mode INTEGER NOT NULL DEFAULT 0 CHECK (away_mode IN (0, 1)),
            away_until TEXT,
            away_message TEXT,
            home_zone_id TEXT REFERENCES zones(id) DEFERRABLE INITIALLY DEFERRED,
            hub_id TEXT REFERENCES hubs(id) DEFERRABLE INITIALLY DEFERRED,
            joined_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;

        -- Synced so that a provider can log in with a password at any hub of their zones.
        CREATE TABLE provider_credentials (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL UNIQUE REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            password_hash TEXT,
            totp_secret TEXT,
            updated_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE provider_zones (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            zone_id TEXT NOT NULL REFERENCES zones(id) DEFERRABLE INITIALLY DEFERRED,
            UNIQUE (provider_id, zone_id)
        ) STRICT;
        CREATE INDEX provider_zones_zone ON provider_zones(zone_id);

        CREATE TABLE provider_services (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            service_id TEXT NOT NULL REFERENCES services(id) DEFERRABLE INITIALLY DEFERRED,
            rate_min INTEGER CHECK (rate_min IS NULL OR rate_min >= 0),
            rate_max INTEGER CHECK (rate_max IS NULL OR rate_max >= coalesce(rate_min, 0)),
            UNIQUE (provider_id, service_id)
        ) STRICT;
        CREATE INDEX provider_services_service ON provider_services(service_id);

        CREATE TABLE provider_certifications (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
            issuer TEXT,
            obtained_on TEXT
        ) STRICT;
        CREATE INDEX provider_certifications_provider ON provider_certifications(provider_id);

        -- Seed table. working_hours: {"start": "08:00", "end": "18:00", "days": [1,2,3,4,5]} (1 = Monday).
        CREATE TABLE provider_settings (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL UNIQUE REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            notifications_enabled INTEGER NOT NULL DEFAULT 1 CHECK (notifications_enabled IN (0, 1)),
            auto_accept_familiar_clients INTEGER NOT NULL DEFAULT 0 CHECK (auto_accept_familiar_clients IN (0, 1)),
            working_hours TEXT NOT NULL CHECK (json_valid(working_hours)),
            notification_sound INTEGER NOT NULL DEFAULT 1 CHECK (notification_sound IN (0, 1)),
            summary_frequency TEXT NOT NULL DEFAULT 'weekly' CHECK (summary_frequency IN ('daily', 'weekly', 'monthly', 'never')),
            request_types TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(request_types)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE absences (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            reason TEXT CHECK (reason IS NULL OR length(reason) <= 200),
            notify_clients INTEGER NOT NULL DEFAULT 1 CHECK (notify_clients IN (0, 1)),
            created_at TEXT NOT NULL,
            CHECK (ends_at > starts_at)
        ) STRICT;
        CREATE INDEX absences_provider_period ON absences(provider_id, starts_at, ends_at);

        CREATE TABLE goals (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            month TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
            target_revenue INTEGER NOT NULL CHECK (target_revenue >= 0),
            target_missions INTEGER NOT NULL DEFAULT 0 CHECK (target_missions >= 0),
            UNIQUE (provider_id, month)
        ) STRICT;

        CREATE TABLE badges (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            code TEXT NOT NULL CHECK (code IN ('reponse_eclair', 'client_satisfait', 'pro_du_mois', 'cent_missions')),
            period TEXT NOT NULL,
            awarded_at TEXT NOT NULL,
            UNIQUE (provider_id, code, period)
        ) STRICT;

        -- Hub-local (never synced): authentication state stays where the provider logged in.
        CREATE TABLE provider_sessions (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            session_token TEXT NOT NULL UNIQUE,
            family_id TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_activity TEXT NOT NULL,
            revoked_at TEXT,
            replaced_by TEXT
        ) STRICT;
        -- Seed: idx_provider_sessions_active. SQLite forbids CURRENT_TIMESTAMP in a partial index, so it is
        -- a plain composite index; queries add `expires_at > ?`.
        CREATE INDEX idx_provider_sessions_active ON provider_sessions(provider_id, expires_at);
        CREATE INDEX provider_sessions_family ON provider_sessions(family_id);

        CREATE TABLE otp_challenges (
            id TEXT PRIMARY KEY NOT NULL,
            phone TEXT NOT NULL,
            purpose TEXT NOT NULL CHECK (purpose IN ('login', 'password_reset')),
            code_hash TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            expires_at TEXT NOT NULL,
            consumed_at TEXT,
            created_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX otp_challenges_phone ON otp_challenges(phone, created_at);

        -- Seed table: a recomputable cache (never synced). One row per provider and period.
        CREATE TABLE provider_stats_cache (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            total_requests INTEGER NOT NULL DEFAULT 0,
            completed_requests INTEGER NOT NULL DEFAULT 0,
            cancelled_requests INTEGER NOT NULL DEFAULT 0,
            total_earnings INTEGER NOT NULL DEFAULT 0,
            average_rating REAL NOT NULL DEFAULT 0,
            response_time_avg INTEGER NOT NULL DEFAULT 0,
            calculated_at TEXT NOT NULL,
            CHECK (period_end >= period_start)
        ) STRICT;
        CREATE UNIQUE INDEX idx_provider_stats_period ON provider_stats_cache(provider_id, period_start, period_end);
        """

    static let requests = """
        CREATE TABLE clients (
            id TEXT PRIMARY KEY NOT NULL,
            phone TEXT NOT NULL UNIQUE CHECK (phone GLOB '+237[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
            zone_id TEXT REFERENCES zones(id) DEFERRABLE INITIALLY DEFERRED,
            address TEXT,
            created_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE service_requests (
            id TEXT PRIMARY KEY NOT NULL,
            client_id TEXT NOT NULL REFERENCES clients(id) DEFERRABLE INITIALLY DEFERRED,
            service_id TEXT NOT NULL REFERENCES services(id) DEFERRABLE INITIALLY DEFERRED,
            zone_id TEXT NOT NULL REFERENCES zones(id) DEFERRABLE INITIALLY DEFERRED,
            urgency TEXT NOT NULL CHECK (urgency IN ('urgent', 'aujourd_hui', 'cette_semaine', 'planifie')),
            title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 160),
            description TEXT NOT NULL CHECK (length(description) <= 4000),
            address TEXT NOT NULL CHECK (length(address) <= 300),
            budget_min INTEGER CHECK (budget_min IS NULL OR budget_min >= 0),
            budget_max INTEGER CHECK (budget_max IS NULL OR budget_max >= coalesce(budget_min, 0)),
            wished_time_label TEXT,
            wished_at TEXT,
            channel TEXT NOT NULL DEFAULT 'platform' CHECK (channel IN ('platform', 'walk_in')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;
        -- Seed: idx_requests_created_desc; the seed's GIST location index becomes a zone index (hubs route by zone).
        CREATE INDEX idx_requests_created_desc ON service_requests(created_at DESC);
        CREATE INDEX idx_requests_zone_created ON service_requests(zone_id, created_at);
        CREATE INDEX service_requests_client ON service_requests(client_id, created_at);

        -- Offers are decided by the hub that owns the zone, in the order it receives answers.
        CREATE TABLE request_offers (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            rank INTEGER NOT NULL DEFAULT 1 CHECK (rank >= 1),
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
            UNIQUE (request_id, provider_id)
        ) STRICT;
        CREATE INDEX request_offers_provider ON request_offers(provider_id, offered_at);

        -- Append-only: the lifecycle of a request. Status is never stored here; it is folded (MissionStatusFold).
        CREATE TABLE mission_events (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            kind TEXT NOT NULL CHECK (kind IN ('accepted', 'declined', 'reoffered', 'reassigned', 'arrived', 'diagnosed',
                'repairing', 'completed', 'cancelled', 'expired', 'reopened')),
            actor_role TEXT NOT NULL CHECK (actor_role IN ('provider', 'client', 'hub_operator', 'ops', 'system')),
            actor_id TEXT,
            provider_id TEXT REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            hlc INTEGER NOT NULL,
            origin_node TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            reopen_to TEXT CHECK (reopen_to IS NULL OR reopen_to IN ('nouvelle', 'acceptee', 'arrive', 'diagnostic', 'reparation')),
            reason_code TEXT,
            note TEXT CHECK (note IS NULL OR length(note) <= 1000),
            CHECK (kind <> 'reopened' OR reopen_to IS NOT NULL)
        ) STRICT;
        CREATE INDEX mission_events_request ON mission_events(request_id, hlc);
        CREATE TRIGGER mission_events_no_update BEFORE UPDATE ON mission_events
        BEGIN SELECT RAISE(ABORT, 'mission events are append-only'); END;
        CREATE TRIGGER mission_events_no_delete BEFORE DELETE ON mission_events
        BEGIN SELECT RAISE(ABORT, 'mission events are append-only'); END;

        -- Derived, never synced, never edited by hand: one row per request, recomputed from mission_events by
        -- MissionStatusFold after every append (DESIGN.md, sync principle 4). It exists for queries.
        CREATE TABLE missions (
            request_id TEXT PRIMARY KEY NOT NULL REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            provider_id TEXT REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            status TEXT NOT NULL CHECK (status IN ('nouvelle', 'acceptee', 'arrive', 'diagnostic', 'reparation', 'terminee',
                'declinee', 'annulee', 'expiree')),
            accepted_at TEXT,
            arrived_at TEXT,
            diagnostic_at TEXT,
            repair_at TEXT,
            completed_at TEXT,
            cancelled_at TEXT,
            expired_at TEXT,
            last_event_hlc INTEGER,
            conflict_count INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        -- Seed: idx_requests_provider_status, on the derived status.
        CREATE INDEX idx_requests_provider_status ON missions(provider_id, status) WHERE provider_id IS NOT NULL;
        CREATE INDEX missions_provider_completed ON missions(provider_id, completed_at) WHERE completed_at IS NOT NULL;
        CREATE INDEX missions_status ON missions(status);

        CREATE TABLE mission_materials (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 160),
            quantity INTEGER NOT NULL CHECK (quantity > 0),
            unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
            recorded_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX mission_materials_request ON mission_materials(request_id);

        -- The mission timer: work sessions, so that it survives reloads and pauses.
        CREATE TABLE mission_work_sessions (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            started_at TEXT NOT NULL,
            stopped_at TEXT,
            CHECK (stopped_at IS NULL OR stopped_at >= started_at)
        ) STRICT;
        CREATE INDEX mission_work_sessions_request ON mission_work_sessions(request_id);

        -- Photo metadata; the bytes live in the content-addressed blob store under the data dir.
        CREATE TABLE photos (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            provider_id TEXT REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            kind TEXT NOT NULL CHECK (kind IN ('before', 'after', 'profile', 'other')),
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
            thumb_sha256 TEXT CHECK (thumb_sha256 IS NULL OR length(thumb_sha256) = 64),
            mime TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'image/webp')),
            bytes INTEGER NOT NULL CHECK (bytes > 0),
            width INTEGER NOT NULL CHECK (width > 0),
            height INTEGER NOT NULL CHECK (height > 0),
            taken_at TEXT NOT NULL,
            created_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX photos_request ON photos(request_id, kind);
        CREATE INDEX photos_sha ON photos(sha256);

        CREATE TABLE ratings (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL UNIQUE REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            client_id TEXT NOT NULL REFERENCES clients(id) DEFERRABLE INITIALLY DEFERRED,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
            comment TEXT CHECK (comment IS NULL OR length(comment) <= 1000),
            created_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX ratings_provider ON ratings(provider_id, created_at);
        CREATE INDEX ratings_client ON ratings(client_id);
        """

    static let communication = """
        CREATE TABLE message_templates (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            kind TEXT NOT NULL CHECK (kind IN ('reply', 'question')),
            code TEXT NOT NULL,
            body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 500),
            sort_order INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE UNIQUE INDEX message_templates_code ON message_templates(coalesce(provider_id, ''), code);

        CREATE TABLE messages (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            client_id TEXT NOT NULL REFERENCES clients(id) DEFERRABLE INITIALLY DEFERRED,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            channel TEXT NOT NULL DEFAULT 'whatsapp' CHECK (channel IN ('whatsapp', 'sms')),
            template_code TEXT,
            body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
            sent_at TEXT NOT NULL,
            delivery_status TEXT NOT NULL DEFAULT 'sent' CHECK (delivery_status IN ('queued', 'sent', 'delivered', 'read', 'failed'))
        ) STRICT;
        CREATE INDEX messages_provider ON messages(provider_id, sent_at);
        CREATE INDEX messages_request ON messages(request_id, sent_at);

        CREATE TABLE call_logs (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            client_id TEXT NOT NULL REFERENCES clients(id) DEFERRABLE INITIALLY DEFERRED,
            request_id TEXT REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            direction TEXT NOT NULL CHECK (direction IN ('out', 'in', 'missed')),
            started_at TEXT NOT NULL,
            duration_seconds INTEGER NOT NULL DEFAULT 0 CHECK (duration_seconds >= 0),
            note TEXT CHECK (note IS NULL OR length(note) <= 2000)
        ) STRICT;
        CREATE INDEX call_logs_provider ON call_logs(provider_id, started_at);

        CREATE TABLE notifications (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            kind TEXT NOT NULL CHECK (kind IN ('new_request', 'urgent_request', 'offer_waiting', 'payment_received',
                'invoice_late', 'absence', 'system')),
            request_id TEXT REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            seen_at TEXT
        ) STRICT;
        CREATE INDEX notifications_provider ON notifications(provider_id, created_at);
        """

    static let finance = """
        CREATE TABLE quote_templates (
            id TEXT PRIMARY KEY NOT NULL,
            service_id TEXT NOT NULL REFERENCES services(id) DEFERRABLE INITIALLY DEFERRED,
            provider_id TEXT REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            title TEXT NOT NULL,
            lines TEXT NOT NULL CHECK (json_valid(lines))
        ) STRICT;

        CREATE TABLE quotes (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            number TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'brouillon' CHECK (status IN ('brouillon', 'envoye', 'accepte', 'refuse')),
            total INTEGER NOT NULL CHECK (total >= 0),
            created_at TEXT NOT NULL,
            valid_until TEXT NOT NULL,
            UNIQUE (provider_id, number)
        ) STRICT;
        CREATE INDEX quotes_request ON quotes(request_id);

        CREATE TABLE quote_lines (
            id TEXT PRIMARY KEY NOT NULL,
            quote_id TEXT NOT NULL REFERENCES quotes(id) DEFERRABLE INITIALLY DEFERRED,
            kind TEXT NOT NULL CHECK (kind IN ('main_oeuvre', 'materiel', 'deplacement')),
            label TEXT NOT NULL,
            quantity INTEGER NOT NULL CHECK (quantity > 0),
            unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
            line_order INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX quote_lines_quote ON quote_lines(quote_id);

        -- Status (envoyée / payée / partielle / en retard / surpayée) is derived from the ledger, never stored.
        CREATE TABLE invoices (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL UNIQUE REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            client_id TEXT NOT NULL REFERENCES clients(id) DEFERRABLE INITIALLY DEFERRED,
            number TEXT NOT NULL,
            total INTEGER NOT NULL CHECK (total > 0),
            issued_at TEXT NOT NULL,
            due_at TEXT NOT NULL,
            sent_at TEXT,
            CHECK (due_at >= issued_at),
            UNIQUE (provider_id, number)
        ) STRICT;
        CREATE INDEX invoices_provider ON invoices(provider_id, issued_at);

        CREATE TABLE invoice_lines (
            id TEXT PRIMARY KEY NOT NULL,
            invoice_id TEXT NOT NULL REFERENCES invoices(id) DEFERRABLE INITIALLY DEFERRED,
            kind TEXT NOT NULL CHECK (kind IN ('main_oeuvre', 'materiel', 'deplacement')),
            label TEXT NOT NULL,
            quantity INTEGER NOT NULL CHECK (quantity > 0),
            unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
            line_order INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX invoice_lines_invoice ON invoice_lines(invoice_id);

        -- The payment ledger: append-only (triggers below). A correction is a reversal naming its original;
        -- reverses_entry_id has no foreign key because a reversal may arrive before its original.
        CREATE TABLE ledger_entries (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL REFERENCES service_requests(id) DEFERRABLE INITIALLY DEFERRED,
            provider_id TEXT NOT NULL REFERENCES providers(id) DEFERRABLE INITIALLY DEFERRED,
            invoice_id TEXT REFERENCES invoices(id) DEFERRABLE INITIALLY DEFERRED,
            kind TEXT NOT NULL CHECK (kind IN ('payment', 'commission', 'reversal')),
            method TEXT CHECK (method IS NULL OR method IN ('cash', 'mtn_momo', 'orange_money')),
            operator_ref TEXT CHECK (operator_ref IS NULL OR length(operator_ref) BETWEEN 1 AND 100),
            amount INTEGER NOT NULL CHECK (amount > 0),
            reverses_entry_id TEXT,
            rate_id TEXT REFERENCES commission_rates(id) DEFERRABLE INITIALLY DEFERRED,
            hlc INTEGER NOT NULL,
            origin_node TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_by_role TEXT NOT NULL CHECK (recorded_by_role IN ('provider', 'client', 'hub_operator', 'ops', 'system')),
            CHECK (kind <> 'payment' OR method IS NOT NULL),
            CHECK (kind <> 'payment' OR method = 'cash' OR operator_ref IS NOT NULL),
            CHECK (kind <> 'reversal' OR reverses_entry_id IS NOT NULL),
            CHECK (kind <> 'commission' OR rate_id IS NOT NULL)
        ) STRICT;
        CREATE INDEX ledger_entries_provider ON ledger_entries(provider_id, recorded_at);
        CREATE INDEX ledger_entries_request ON ledger_entries(request_id);
        CREATE INDEX ledger_entries_invoice ON ledger_entries(invoice_id) WHERE invoice_id IS NOT NULL;
        CREATE INDEX ledger_entries_operator_ref ON ledger_entries(method, operator_ref) WHERE operator_ref IS NOT NULL;
        CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
        BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable: record a reversal'); END;
        CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
        BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable: record a reversal'); END;

        CREATE TABLE payment_reminders (
            id TEXT PRIMARY KEY NOT NULL,
            invoice_id TEXT NOT NULL REFERENCES invoices(id) DEFERRABLE INITIALLY DEFERRED,
            channel TEXT NOT NULL DEFAULT 'whatsapp' CHECK (channel IN ('whatsapp', 'sms')),
            sent_at TEXT NOT NULL,
            message_id TEXT REFERENCES messages(id) DEFERRABLE INITIALLY DEFERRED
        ) STRICT;
        CREATE INDEX payment_reminders_invoice ON payment_reminders(invoice_id);
        """

    static let sync = """
        -- This node's identity (one row).
        CREATE TABLE node_identity (
            singleton INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
            node_id TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('hub', 'central')),
            created_at TEXT NOT NULL
        ) STRICT;

        -- Every change to a synced table, local or received, in the order this node applied it.
        CREATE TABLE change_log (
            local_seq INTEGER PRIMARY KEY AUTOINCREMENT,
            origin_node TEXT NOT NULL,
            origin_seq INTEGER NOT NULL CHECK (origin_seq > 0),
            hlc INTEGER NOT NULL,
            table_name TEXT NOT NULL,
            row_key TEXT NOT NULL,
            op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
            columns TEXT NOT NULL CHECK (json_valid(columns)),
            recorded_at TEXT NOT NULL,
            UNIQUE (origin_node, origin_seq)
        ) STRICT;
        CREATE INDEX change_log_row ON change_log(table_name, row_key);

        -- Deletes win over concurrent updates (CONFLICTS.md rule 13); kept for the retention stated in SPEC.md.
        CREATE TABLE tombstones (
            table_name TEXT NOT NULL,
            row_key TEXT NOT NULL,
            hlc INTEGER NOT NULL,
            origin_node TEXT NOT NULL,
            deleted_at TEXT NOT NULL,
            PRIMARY KEY (table_name, row_key)
        ) STRICT;

        -- Sync peers and what was exchanged with each (cursors, health).
        CREATE TABLE peers (
            node_id TEXT PRIMARY KEY NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('hub', 'central')),
            name TEXT NOT NULL,
            last_sent_local_seq INTEGER NOT NULL DEFAULT 0,
            last_success_at TEXT,
            last_error TEXT,
            last_error_at TEXT,
            clock_offset_ms INTEGER
        ) STRICT;

        CREATE TABLE sync_conflicts (
            id TEXT PRIMARY KEY NOT NULL,
            table_name TEXT NOT NULL,
            row_key TEXT NOT NULL,
            kind TEXT NOT NULL,
            rule TEXT NOT NULL,
            winner TEXT CHECK (winner IS NULL OR json_valid(winner)),
            loser TEXT CHECK (loser IS NULL OR json_valid(loser)),
            detected_at TEXT NOT NULL,
            resolved_at TEXT,
            resolved_by TEXT
        ) STRICT;
        CREATE INDEX sync_conflicts_open ON sync_conflicts(detected_at) WHERE resolved_at IS NULL;

        -- Which photo bytes this node holds (the rows travel by sync; bytes on their own lane).
        CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(sha256) = 64),
            bytes INTEGER NOT NULL CHECK (bytes >= 0),
            mime TEXT NOT NULL,
            stored_at TEXT NOT NULL
        ) STRICT;
        """
}
