/// A walk-in request (typed by the provider for a client standing in front of them) gets a client row of its own,
/// even when the phone is already a client's: the provider must see only what they typed, and the other client's
/// history must not change. `clients.phone` is therefore no longer unique, with a plain index for the lookups by
/// phone.
///
/// SQLite drops a constraint only by remaking the table. The rows go through a scratch copy and the table is made
/// again under its own name (no `RENAME`, which would re-check the triggers of other tables that name `clients`);
/// its own trigger goes with it and is made again.
enum SchemaV4WalkInClients {
    static let sql = """
        CREATE TEMP TABLE clients_copy AS SELECT id, phone, name, zone_id, address, created_at FROM main.clients;
        DROP TABLE main.clients;
        CREATE TABLE main.clients (
            id TEXT PRIMARY KEY NOT NULL,
            phone TEXT NOT NULL CHECK (phone GLOB '+237[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
            zone_id TEXT REFERENCES zones(id) DEFERRABLE INITIALLY DEFERRED,
            address TEXT,
            created_at TEXT NOT NULL
        ) STRICT;
        INSERT INTO main.clients (id, phone, name, zone_id, address, created_at)
            SELECT id, phone, name, zone_id, address, created_at FROM temp.clients_copy;
        DROP TABLE temp.clients_copy;
        CREATE INDEX main.clients_phone ON clients(phone);
        CREATE TRIGGER main.partition_move_client AFTER UPDATE OF zone_id ON clients WHEN old.zone_id IS NOT new.zone_id
        BEGIN INSERT INTO partition_moves (table_name, row_key) VALUES ('clients', new.id); END;
        """
}
