import DjobeaDomain

/// Schema additions that guard provider logins (migration "v4-auth-guards"). Hub-local, never synced: they are
/// not in `SyncedTable`, so no write to them reaches the change log.
///
/// - `auth_failures`: consecutive wrong passwords or TOTP codes per account (`subject` is `provider:<id>`, or
///   `email:<sha256>` for an email that matches no provider, so that an unknown email locks the same way and the
///   answer does not tell who is registered), and the lock they caused.
/// - `totp_used_steps`: the last TOTP time step accepted for a provider; a code of that step or an earlier one is
///   refused, so a code seen over a shoulder or in a proxy cannot be played again.
enum SchemaV4AuthGuards {
    static let sql = """
        CREATE TABLE auth_failures (
            subject TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 100),
            factor TEXT NOT NULL CHECK (factor IN ('password', 'totp')),
            failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
            lockouts INTEGER NOT NULL DEFAULT 0 CHECK (lockouts >= 0),
            locked_until TEXT,
            last_failure_at TEXT NOT NULL,
            PRIMARY KEY (subject, factor)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX auth_failures_last ON auth_failures(last_failure_at);

        CREATE TABLE totp_used_steps (
            provider_id TEXT PRIMARY KEY NOT NULL,
            last_step INTEGER NOT NULL CHECK (last_step >= 0),
            used_at TEXT NOT NULL
        ) STRICT;
        """
}
