import DjobeaDomain
import DjobeaPostgres
import DjobeaReplication
import DjobeaStore
import DjobeaTestSupport
import Foundation
import Testing

/// Change-logged writes over the seam (`ReplicaTransaction`) and typed records read back through it
/// (`ColumnValuesDecoder`), the same on SQLite and PostgreSQL: the rows, the change log and the HLC order.
@Suite("Change-logged writes through the storage seam")
struct ReplicaTransactionTests {
    static let now = Date(timeIntervalSince1970: 1_767_225_600)

    @Test func sqlite() async throws {
        try await Self.exercise(try NodeDatabase.inMemory(role: .central))
    }

    @Test(.enabled(if: PostgresTestDatabase.isAvailable))
    func postgres() async throws {
        try await PostgresTestDatabase.with { test in
            try await Self.exercise(try await PostgresReplicaStorage.open(database: test.database, role: .central))
        }
    }

    @Test func sqliteStampsFromTheWriteTime() async throws {
        try await Self.stampsFromTheWriteTime(try NodeDatabase.inMemory(role: .central))
    }

    /// Found by the property test with central on PostgreSQL: every write transaction merged the log's last stamp into
    /// the clock with the machine's wall clock, so a central given its time (tests, replays) stamped its second write at
    /// the machine's time; hubs held those changes as too far ahead (SPEC.md §2.2) and never applied them.
    @Test(.enabled(if: PostgresTestDatabase.isAvailable))
    func postgresStampsFromTheWriteTime() async throws {
        try await PostgresTestDatabase.with { test in
            try await Self.stampsFromTheWriteTime(try await PostgresReplicaStorage.open(database: test.database, role: .central))
        }
    }

    /// Writes at a given time stamp at that time, the second one too (its stamp follows the first's).
    static func stampsFromTheWriteTime(_ storage: any ReplicaStorage) async throws {
        var stamps: [HLC] = []
        for (index, name) in ["Hub Un", "Hub Deux"].enumerated() {
            let at = now.addingTimeInterval(Double(index))
            stamps += try await storage.localWrite(critical: false, now: at) { tx -> [HLC] in
                try tx.insert(HubRecord(id: DjobeaID.derived(namespace: "hub", name: name), name: name, createdAt: UTCTimestamp.format(at)))
                return try tx.connection.originChanges(origin: storage.nodeId, after: Int64(index)).map(\.hlc)
            }
        }
        #expect(stamps.map(\.wallMillis) == [now.unixMillis, now.addingTimeInterval(1).unixMillis], "each write stamps at its own time")
    }

    static func exercise(_ storage: any ReplicaStorage) async throws {
        let hubId = DjobeaID.derived(namespace: "hub", name: "Hub Test")
        let zone = ZoneRecord(
            id: DjobeaID.derived(namespace: "zone", name: "zone-test"), code: "zone-test", name: "Zone Test", hubId: hubId,
            createdAt: UTCTimestamp.format(now))
        let written = try await storage.localWrite(critical: false, now: now) { tx -> [RowChange] in
            try tx.insert(HubRecord(id: hubId, name: "Hub Test", createdAt: UTCTimestamp.format(now)))
            try tx.insert(zone)
            var renamed = zone
            renamed.name = "Zone Renommée"
            #expect(try tx.update(renamed, columns: [.name]))
            #expect(try !tx.update(renamed, columns: [.name]), "an unchanged value is neither written nor logged")
            return try tx.connection.originChanges(origin: storage.nodeId, after: 0)
        }
        #expect(written.map(\.operation) == [.insert, .insert, .update])
        #expect(written.map(\.originSeq) == [1, 2, 3], "gapless sequence numbers of this node")
        #expect(zip(written, written.dropFirst()).allSatisfy { $0.hlc < $1.hlc }, "stamps increase")
        #expect(written[2].columns == ["name": .text("Zone Renommée")], "an update logs only what changed")

        let (stored, logged, vector) = try await storage.replicaRead { connection in
            (
                try connection.record(ZoneRecord.self, "SELECT * FROM zones WHERE id = ?", [.text(zone.id)]),
                try connection.rowChanges(table: "zones", key: zone.id), try connection.versionVector()
            )
        }
        var expected = zone
        expected.name = "Zone Renommée"
        #expect(stored == expected, "the record reads back as written")
        #expect(logged == Array(written.dropFirst()), "the change log holds the row's changes")
        #expect(vector == [storage.nodeId: 3])

        // A refused write leaves nothing: neither the row nor its change.
        await #expect(throws: (any Error).self) {
            try await storage.localWrite(critical: false, now: now) { tx in
                try tx.insert(HubRecord(id: DjobeaID.derived(namespace: "hub", name: "Autre"), name: "Autre", createdAt: UTCTimestamp.format(now)))
                try tx.insert(zone)  // the same id again
            }
        }
        #expect(try await storage.versionVector() == [storage.nodeId: 3])
    }
}
