// Central's synced tables on PostgreSQL, continued: communication and finance (see PostgresSchemaSynced.swift for the
// rules of the translation; no foreign keys, on purpose).
extension PostgresSchema {
    static let syncedCommunicationAndFinance: [String] = [
        """
        CREATE TABLE message_templates (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('reply', 'question')),
            code TEXT NOT NULL,
            body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 500),
            sort_order BIGINT NOT NULL DEFAULT 0)
        """,
        "CREATE UNIQUE INDEX message_templates_code ON message_templates((coalesce(provider_id, '')), code)",
        """
        CREATE TABLE messages (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT,
            provider_id TEXT NOT NULL,
            client_id TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            channel TEXT NOT NULL DEFAULT 'whatsapp' CHECK (channel IN ('whatsapp', 'sms')),
            template_code TEXT,
            body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
            sent_at TEXT NOT NULL,
            delivery_status TEXT NOT NULL DEFAULT 'sent' CHECK (delivery_status IN ('queued', 'sent', 'delivered', 'read', 'failed')),
            gateway_node TEXT,
            template_name TEXT,
            template_params TEXT CHECK (template_params IS NULL OR djobea_json_valid(template_params)),
            essential BIGINT NOT NULL DEFAULT 1 CHECK (essential IN (0, 1)),
            external_id TEXT,
            status_reason TEXT CHECK (status_reason IS NULL OR length(status_reason) <= 500),
            status_at TEXT,
            intent TEXT)
        """,
        "CREATE INDEX messages_provider ON messages(provider_id, sent_at)",
        "CREATE INDEX messages_request ON messages(request_id, sent_at)",
        "CREATE INDEX messages_queued ON messages(sent_at) WHERE direction = 'out' AND delivery_status = 'queued'",
        "CREATE INDEX messages_external ON messages(external_id) WHERE external_id IS NOT NULL",
        "CREATE INDEX messages_client ON messages(client_id, direction, sent_at)",
        "CREATE INDEX messages_inbound ON messages(sent_at) WHERE direction = 'in'",
        """
        CREATE TABLE call_logs (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL,
            client_id TEXT NOT NULL,
            request_id TEXT,
            direction TEXT NOT NULL CHECK (direction IN ('out', 'in', 'missed')),
            started_at TEXT NOT NULL,
            duration_seconds BIGINT NOT NULL DEFAULT 0 CHECK (duration_seconds >= 0),
            note TEXT CHECK (note IS NULL OR length(note) <= 2000))
        """,
        "CREATE INDEX call_logs_provider ON call_logs(provider_id, started_at)",
        """
        CREATE TABLE notifications (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('new_request', 'urgent_request', 'offer_waiting', 'payment_received',
                'invoice_late', 'absence', 'system')),
            request_id TEXT,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            seen_at TEXT)
        """,
        "CREATE INDEX notifications_provider ON notifications(provider_id, created_at)",
        """
        CREATE TABLE quote_templates (
            id TEXT PRIMARY KEY NOT NULL,
            service_id TEXT NOT NULL,
            provider_id TEXT,
            title TEXT NOT NULL,
            lines TEXT NOT NULL CHECK (djobea_json_valid(lines)))
        """,
        """
        CREATE TABLE quotes (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL,
            provider_id TEXT NOT NULL,
            number TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'brouillon' CHECK (status IN ('brouillon', 'envoye', 'accepte', 'refuse')),
            total BIGINT NOT NULL CHECK (total >= 0),
            created_at TEXT NOT NULL,
            valid_until TEXT NOT NULL,
            UNIQUE (provider_id, number))
        """,
        "CREATE INDEX quotes_request ON quotes(request_id)",
        """
        CREATE TABLE quote_lines (
            id TEXT PRIMARY KEY NOT NULL,
            quote_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('main_oeuvre', 'materiel', 'deplacement')),
            label TEXT NOT NULL,
            quantity BIGINT NOT NULL CHECK (quantity > 0),
            unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
            line_order BIGINT NOT NULL DEFAULT 0)
        """,
        "CREATE INDEX quote_lines_quote ON quote_lines(quote_id)",
        """
        CREATE TABLE invoices (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL UNIQUE,
            provider_id TEXT NOT NULL,
            client_id TEXT NOT NULL,
            number TEXT NOT NULL,
            total BIGINT NOT NULL CHECK (total > 0),
            issued_at TEXT NOT NULL,
            due_at TEXT NOT NULL,
            sent_at TEXT,
            CHECK (due_at >= issued_at),
            UNIQUE (provider_id, number))
        """,
        "CREATE INDEX invoices_provider ON invoices(provider_id, issued_at)",
        """
        CREATE TABLE invoice_lines (
            id TEXT PRIMARY KEY NOT NULL,
            invoice_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('main_oeuvre', 'materiel', 'deplacement')),
            label TEXT NOT NULL,
            quantity BIGINT NOT NULL CHECK (quantity > 0),
            unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
            line_order BIGINT NOT NULL DEFAULT 0)
        """,
        "CREATE INDEX invoice_lines_invoice ON invoice_lines(invoice_id)",
        """
        CREATE TABLE ledger_entries (
            id TEXT PRIMARY KEY NOT NULL,
            request_id TEXT NOT NULL,
            provider_id TEXT NOT NULL,
            invoice_id TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('payment', 'commission', 'reversal')),
            method TEXT CHECK (method IS NULL OR method IN ('cash', 'mtn_momo', 'orange_money')),
            operator_ref TEXT CHECK (operator_ref IS NULL OR length(operator_ref) BETWEEN 1 AND 100),
            amount BIGINT NOT NULL CHECK (amount > 0),
            reverses_entry_id TEXT,
            rate_id TEXT,
            hlc BIGINT NOT NULL,
            origin_node TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_by_role TEXT NOT NULL CHECK (recorded_by_role IN ('provider', 'client', 'hub_operator', 'ops', 'system')),
            CHECK (kind <> 'payment' OR method IS NOT NULL),
            CHECK (kind <> 'payment' OR method = 'cash' OR operator_ref IS NOT NULL),
            CHECK (kind <> 'reversal' OR reverses_entry_id IS NOT NULL),
            CHECK (kind <> 'commission' OR rate_id IS NOT NULL))
        """,
        "CREATE INDEX ledger_entries_provider ON ledger_entries(provider_id, recorded_at)",
        "CREATE INDEX ledger_entries_request ON ledger_entries(request_id)",
        "CREATE INDEX ledger_entries_invoice ON ledger_entries(invoice_id) WHERE invoice_id IS NOT NULL",
        "CREATE INDEX ledger_entries_operator_ref ON ledger_entries(method, operator_ref) WHERE operator_ref IS NOT NULL",
        "CREATE INDEX ledger_payments_recorded ON ledger_entries(recorded_at) WHERE kind = 'payment'",
        """
        CREATE TABLE payment_reminders (
            id TEXT PRIMARY KEY NOT NULL,
            invoice_id TEXT NOT NULL,
            channel TEXT NOT NULL DEFAULT 'whatsapp' CHECK (channel IN ('whatsapp', 'sms')),
            sent_at TEXT NOT NULL,
            message_id TEXT)
        """,
        "CREATE INDEX payment_reminders_invoice ON payment_reminders(invoice_id)",
    ]
}
