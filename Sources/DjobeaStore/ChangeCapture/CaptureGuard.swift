import DjobeaDomain
import GRDB

/// Makes SQLite itself refuse any write to a synced table that does not come through `SyncedTransaction`.
///
/// Each writer connection gets a TEMP flag table and TEMP triggers on every synced table; a write while the flag
/// is off aborts with "bypasses the change log". `SyncedTransaction` raises the flag for the length of its
/// transaction (temp tables are transactional, so a rollback lowers it too). TEMP objects are per connection
/// and never stored in the file, so the schema stays portable.
enum CaptureGuard {
    static let message = "write bypasses the change log"

    static func install(_ db: Database) throws {
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS capture_state (active INTEGER NOT NULL)")
        if try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.capture_state") == 0 {
            try db.execute(sql: "INSERT INTO temp.capture_state (active) VALUES (0)")
        }
        for table in SyncedTable.allCases {
            for operation in ["INSERT", "UPDATE", "DELETE"] {
                let name = "capture_guard_\(table.rawValue)_\(operation.lowercased())"
                try db.execute(
                    sql: """
                        CREATE TEMP TRIGGER IF NOT EXISTS \(name) BEFORE \(operation) ON main.\(table.rawValue)
                        WHEN (SELECT active FROM temp.capture_state) IS NOT 1
                        BEGIN SELECT RAISE(ABORT, '\(table.rawValue): \(message)'); END
                        """)
            }
        }
    }

    static func open(_ db: Database) throws {
        try db.execute(sql: "UPDATE temp.capture_state SET active = 1")
    }

    static func close(_ db: Database) throws {
        try db.execute(sql: "UPDATE temp.capture_state SET active = 0")
    }
}
