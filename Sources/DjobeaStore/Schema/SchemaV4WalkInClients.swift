/// A walk-in request (typed by the provider for a client standing in front of them) gets a client row of its own,
/// even when the phone is already a client's: the provider must see only what they typed, and the other client's
/// history must not change. `clients.phone` is therefore no longer unique (rebuilt without the constraint, as SQLite
/// requires), with a plain index for the lookups by phone.
enum SchemaV4WalkInClients {
    static let sql = """
        CREATE TABLE clients_rebuilt (
            id TEXT PRIMARY KEY NOT NULL,
            phone TEXT NOT NULL CHECK (phone GLOB '+237[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
            zone_id TEXT REFERENCES zones(id) DEFERRABLE INITIALLY DEFERRED,
            address TEXT,
            created_at TEXT NOT NULL
        ) STRICT;
        INSERT INTO clients_rebuilt (id, phone, name, zone_id, address, created_at)
            SELECT id, phone, name, zone_id, address, created_at FROM clients;
        DROP TABLE clients;
        ALTER TABLE clients_rebuilt RENAME TO clients;
        CREATE INDEX clients_phone ON clients(phone);
        CREATE TRIGGER partition_move_client AFTER UPDATE OF zone_id ON clients WHEN old.zone_id IS NOT new.zone_id
        BEGIN INSERT INTO partition_moves (table_name, row_key) VALUES ('clients', new.id); END;
        """
}
