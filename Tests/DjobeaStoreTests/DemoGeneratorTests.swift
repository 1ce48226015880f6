import DjobeaDemo
import DjobeaDomain
import DjobeaStore
import Foundation
import GRDB
import Testing

@Suite("Demo generator")
struct DemoGeneratorTests {
    /// A Saturday afternoon in Douala (15:30 local).
    static let now = Date(timeIntervalSince1970: 1_773_498_600)
    static let nodeId = "01968a3c-0000-7000-8000-000000000001"

    private func generate(seed: UInt64 = 2026, days: Int = 7, photos: Bool = false) throws -> (NodeDatabase, DemoSummary) {
        let database = try NodeDatabase.inMemory(role: .hub, newNodeId: Self.nodeId)
        var library: PhotoLibrary?
        if photos {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("demo-photos-\(UUID().uuidString)")
            library = PhotoLibrary(blobs: try BlobStore(root: root))
        }
        let generator = DemoGenerator(seed: seed, days: days, scale: 1, now: Self.now)
        let summary = try generator.generate(into: database, photos: library, progress: { _ in })
        return (database, summary)
    }

    /// Every synced table and the missions projection, row by row, in id order.
    private func dump(_ database: NodeDatabase) throws -> [String: [String]] {
        try database.readBlocking { db in
            var tables: [String: [String]] = [:]
            for table in SyncedTable.allCases.map(\.rawValue) + ["missions", "change_log"] {
                let order = table == "missions" ? "request_id" : table == "change_log" ? "local_seq" : "id"
                tables[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(order)").map(\.description)
            }
            return tables
        }
    }

    @Test("same seed, same now: identical rows, ids included")
    func deterministic() throws {
        let (first, firstSummary) = try generate()
        let (second, secondSummary) = try generate()
        let a = try dump(first)
        let b = try dump(second)
        for table in a.keys.sorted() {
            #expect(a[table] == b[table], "table \(table) differs")
        }
        #expect(firstSummary.requests == secondSummary.requests)
        #expect(firstSummary.demoProviders == secondSummary.demoProviders)

        let (other, _) = try generate(seed: 7)
        let ids = try other.readBlocking { db in try String.fetchAll(db, sql: "SELECT id FROM service_requests ORDER BY id") }
        let firstIds = try first.readBlocking { db in try String.fetchAll(db, sql: "SELECT id FROM service_requests ORDER BY id") }
        #expect(ids != firstIds)
    }

    @Test("a hub's worth of people, requests over every requested day")
    func populationAndSpan() throws {
        let days = 7
        let (database, summary) = try generate(days: days)
        #expect(summary.providers >= 20)
        #expect(summary.clients >= 300)
        #expect(summary.demoProviders.count == 3)
        #expect(summary.demoProviders.allSatisfy { $0.phone.hasPrefix("+2376") && $0.phone.count == 13 })

        let created = try database.readBlocking { db in try String.fetchAll(db, sql: "SELECT created_at FROM service_requests") }
        let dates = created.compactMap(UTCTimestamp.parse)
        #expect(dates.count == created.count)
        let calendar = DoualaCalendar()
        let firstDay = calendar.startOfDay(Self.now).addingTimeInterval(-Double(days - 1) * 86_400)
        #expect(dates.allSatisfy { $0 >= firstDay && $0 <= Self.now })
        #expect(Set(dates.map(calendar.dayKey)).count == days)
    }

    @Test("every status group occurs, and the dashboard has something for today")
    func statusesAndToday() throws {
        let (database, summary) = try generate(days: 14)
        let groups = Set(summary.statusCounts.keys.compactMap { RequestStatus(rawValue: $0)?.group })
        for group in StatusGroup.allCases {
            #expect(groups.contains(group), "no request in \(group.rawValue)")
        }
        try database.readBlocking { db in
            let today = UTCTimestamp.format(DoualaCalendar().startOfDay(Self.now))
            let completedToday = try Int.fetchOne(db, sql: "SELECT count(*) FROM missions WHERE completed_at >= ?", arguments: [today]) ?? 0
            #expect(completedToday >= 3)
            let pendingOffers = try Int.fetchOne(db, sql: "SELECT count(*) FROM request_offers WHERE state = 'pending' AND seen_at IS NULL") ?? 0
            #expect(pendingOffers >= 3)
            let lateCancellations = try Int.fetchOne(db, sql: "SELECT count(*) FROM missions WHERE conflict_count > 0") ?? 0
            #expect(lateCancellations >= 1)
            let commissions = try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger_entries WHERE kind = 'commission'") ?? 0
            #expect(commissions > 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM payment_reminders") ?? 0 > 0)
        }
    }

    @Test("foreign keys hold and photos are stored once per picture")
    func integrity() throws {
        let (database, summary) = try generate(days: 7, photos: true)
        #expect(summary.photos > 0)
        try database.readBlocking { db in
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            let blobs = try Int.fetchOne(db, sql: "SELECT count(*) FROM blobs") ?? 0
            #expect(blobs > 0 && blobs <= 18)
        }
    }

    @Test("refuses a database that already holds providers")
    func refusesNonEmpty() throws {
        let (database, _) = try generate(days: 1)
        #expect(throws: DemoGeneratorError.self) {
            _ = try DemoGenerator(days: 1, now: Self.now).generate(into: database, photos: nil, progress: { _ in })
        }
    }
}
