import DjobeaDemo
import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

/// The typed records of the synced tables: each one is written through `SyncedTransaction` (so it is logged like any
/// other synced write), read back equal, and names exactly the columns its table has.
@Suite("Synced records: typed rows written through the change log")
struct SyncedRecordTests {
    /// Every record type, one per synced table; the schema test below checks each against its table.
    static let recordTypes: [any SyncedRecord.Type] = [
        HubRecord.self, ZoneRecord.self, ServiceRecord.self, CommissionRateRecord.self, GatewayKeyRecord.self, ProviderRecord.self,
        ProviderCredentialRecord.self, ProviderZoneRecord.self, ProviderServiceRecord.self, ProviderCertificationRecord.self,
        ProviderSettingsRecord.self, PushSubscriptionRecord.self, AbsenceRecord.self, GoalRecord.self, BadgeRecord.self, ClientRecord.self,
        ServiceRequestRecord.self, RequestOfferRecord.self, MissionEventRecord.self, MissionMaterialRecord.self,
        MissionWorkSessionRecord.self, PhotoRecord.self, RatingRecord.self, MessageTemplateRecord.self, MessageRecord.self,
        CallLogRecord.self, NotificationRecord.self, QuoteTemplateRecord.self, QuoteRecord.self, QuoteLineRecord.self, InvoiceRecord.self,
        InvoiceLineRecord.self, LedgerEntryRecord.self, PaymentReminderRecord.self, CollectionRecord.self, CreditNoteRecord.self,
    ]

    @Test("every synced table has a record")
    func everyTableHasARecord() {
        #expect(Self.recordTypes.map { $0.syncedTable } == SyncedTable.allCases)
    }

    @Test("every row of a generated demo hub reads as its record and encodes back to exactly the stored values")
    func demoRowsRoundTrip() throws {
        let database = try NodeDatabase.inMemory(role: .hub, newNodeId: "01968a3c-0000-7000-8000-000000000001")
        let generator = DemoGenerator(seed: 2026, days: 3, scale: 1, now: Date(timeIntervalSince1970: 1_773_498_600))
        _ = try generator.generate(into: database, photos: nil, progress: { _ in })
        var rows: [SyncedTable: Int] = [:]
        for type in Self.recordTypes {
            rows[type.syncedTable] = try checkStoredRows(type, in: database)
        }
        #expect(rows.values.reduce(0, +) > 500)
        for table in [SyncedTable.absences, .serviceRequests, .requestOffers, .missionEvents, .messages, .invoices, .ledgerEntries] {
            #expect(rows[table, default: 0] > 0, "the demo has \(table.rawValue)")
        }
    }

    @Test("every record names exactly the columns of its table, and only append-only tables have insert-only records")
    func columnsMatchSchema() throws {
        let database = try NodeDatabase.inMemory()
        for type in Self.recordTypes {
            try checkColumns(type, in: database)
        }
        #expect(Set(Self.recordTypes.map { $0.syncedTable }).count == Self.recordTypes.count)
    }

    @Test("a record is encoded to change-log columns by one function: every column, typed as stored")
    func encodesEveryColumn() throws {
        let absence = AbsenceRecord(
            id: "0190a1b2-0000-7000-8000-000000000001", providerId: "0190a1b2-0000-7000-8000-000000000002",
            startsAt: "2026-12-01T00:00:00.000Z", endsAt: "2026-12-03T00:00:00.000Z", reason: nil, notifyClients: true,
            createdAt: "2026-11-30T08:00:00.000Z")
        #expect(
            try absence.syncedColumnValues() == [
                "id": "0190a1b2-0000-7000-8000-000000000001", "provider_id": "0190a1b2-0000-7000-8000-000000000002",
                "starts_at": "2026-12-01T00:00:00.000Z", "ends_at": "2026-12-03T00:00:00.000Z", "reason": nil, "notify_clients": 1,
                "created_at": "2026-11-30T08:00:00.000Z",
            ])
        let offer = RecordFixture().offer(at: Date(timeIntervalSince1970: 1_800_000_000))
        let values = try offer.syncedColumnValues()
        #expect(values["state"] == "pending" && values["decline_reason"] == "hors_zone" && values["rank"] == 2)
    }

    @Test("the encoder stores text, integers, booleans as 0/1 and enums by raw value, and refuses what a synced table cannot hold")
    func encoderTypes() throws {
        struct Plain: Encodable {
            let name = "Awa"
            let count = 3
            let paid = true
            let status = RequestStatus.acceptee
            let note: String? = nil
        }
        #expect(
            try ColumnValuesEncoder.encode(Plain(), table: "t")
                == ["name": .text("Awa"), "count": .integer(3), "paid": .integer(1), "status": .text("acceptee")])
        struct Real: Encodable { let rate = 0.1 }
        struct Nested: Encodable { let lines = ["a", "b"] }
        struct Huge: Encodable { let big = UInt64.max }
        for refused in [
            { try ColumnValuesEncoder.encode(Real(), table: "t") }, { try ColumnValuesEncoder.encode(Nested(), table: "t") },
            { try ColumnValuesEncoder.encode(Huge(), table: "t") },
        ] as [() throws -> ColumnValues] {
            #expect(throws: StoreError.self) { try refused() }
        }
    }

    @Test("absences") func absences() throws { try roundTrip { fixture, tx in fixture.absence(at: tx.now) } }
    @Test("service_requests") func serviceRequests() throws { try roundTrip { fixture, tx in fixture.request(id: DjobeaID.v7(), at: tx.now) } }
    @Test("request_offers") func requestOffers() throws { try roundTrip { fixture, tx in fixture.offer(at: tx.now) } }
    @Test("mission_events") func missionEvents() throws { try roundTrip { fixture, tx in fixture.event(in: tx) } }
    @Test("mission_materials") func missionMaterials() throws { try roundTrip { fixture, tx in fixture.material(at: tx.now) } }
    @Test("photos") func photos() throws { try roundTrip { fixture, tx in fixture.photo(at: tx.now) } }
    @Test("messages") func messages() throws { try roundTrip { fixture, tx in fixture.message(at: tx.now) } }
    @Test("call_logs") func callLogs() throws { try roundTrip { fixture, tx in fixture.call(at: tx.now) } }
    @Test("notifications") func notifications() throws { try roundTrip { fixture, tx in fixture.notification(at: tx.now) } }
    @Test("invoices") func invoices() throws { try roundTrip { fixture, tx in fixture.invoice(at: tx.now) } }
    @Test("ledger_entries") func ledgerEntries() throws { try roundTrip { fixture, tx in try fixture.payment(in: tx) } }

    @Test("an update writes only the named columns and logs only those whose value changed")
    func updateLogsChangedColumns() throws {
        let database = try NodeDatabase.inMemory()
        let fixture = try RecordFixture().install(in: database)
        var offer = try database.writeBlocking { tx in
            let offer = fixture.offer(at: tx.now)
            try tx.insert(offer)
            return offer
        }
        offer.state = .accepted
        offer.answeredAt = "2026-12-01T10:00:00.000Z"
        offer.declineNote = "not named, not written"
        let changed = try database.writeBlocking { tx in try tx.update(offer, columns: [.state, .answeredAt, .rank]) }
        #expect(changed)
        let last = try #require(try RecordLog.all(in: database).last)
        #expect(last.op == "update" && last.table == "request_offers" && last.key == offer.id)
        #expect(last.columns == ["state": "accepted", "answered_at": "2026-12-01T10:00:00.000Z"])
        let stored = try #require(
            try database.readBlocking { db in
                try RequestOfferRecord.fetchOne(db, sql: "SELECT * FROM request_offers WHERE id = ?", arguments: [offer.id])
            })
        #expect(stored.state == .accepted && stored.declineNote == "Trop loin")

        let count = try RecordLog.all(in: database).count
        let again = try database.writeBlocking { tx in try tx.update(offer, columns: [.state, .answeredAt]) }
        #expect(!again)
        #expect(try RecordLog.all(in: database).count == count)
    }

    @Test("a delete through the record leaves a tombstone")
    func deleteLeavesTombstone() throws {
        let database = try NodeDatabase.inMemory()
        let fixture = try RecordFixture().install(in: database)
        let absence = try database.writeBlocking { tx in
            let absence = fixture.absence(at: tx.now)
            try tx.insert(absence)
            return absence
        }
        try database.writeBlocking { tx in try tx.delete(absence) }
        let last = try #require(try RecordLog.all(in: database).last)
        #expect(last.op == "delete" && last.key == absence.id && last.columns.isEmpty)
        let tombstones = try database.readBlocking { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM tombstones WHERE table_name = 'absences' AND row_key = ?", arguments: [absence.id])
        }
        #expect(tombstones == 1)
    }

    // MARK: - Helpers

    /// Reads every row of the record's table both as a plain row and as the record; the record encodes back to the
    /// row's values. Returns the number of rows.
    private func checkStoredRows<Record: SyncedRecord>(_ type: Record.Type, in database: NodeDatabase) throws -> Int {
        try database.readBlocking { db in
            let table = Record.syncedTable.rawValue
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY id")
            let records = try Record.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY id")
            #expect(records.count == rows.count)
            for (row, record) in zip(rows, records) {
                var stored: ColumnValues = [:]
                for column in row.columnNames { stored[column] = ColumnValue(row[column] as DatabaseValue) }
                #expect(try record.syncedColumnValues() == stored, "\(table) \(record.id)")
                #expect(try record.syncedColumnValues() == Self.grdbEncoding(record), "the change log's encoder agrees with GRDB's: \(table)")
            }
            return rows.count
        }
    }

    /// The record as GRDB's own `EncodableRecord` encoding gives it, every column present: the reference the change
    /// log's `ColumnValuesEncoder` must agree with.
    private static func grdbEncoding<Record: SyncedRecord>(_ record: Record) throws -> ColumnValues {
        let encoded = try record.databaseDictionary
        var values: ColumnValues = [:]
        for column in Record.Columns.allCases {
            let value = encoded[column.rawValue] ?? .null
            switch value.storage {
            case .null: values[column.rawValue] = .null
            case .int64(let number): values[column.rawValue] = .integer(number)
            case .string(let text): values[column.rawValue] = .text(text)
            case .double, .blob: throw StoreError.invalid("\(column.rawValue) is not an integer, text or null")
            }
        }
        #expect(encoded.count == Record.Columns.allCases.count || encoded.keys.allSatisfy { Record.Columns(rawValue: $0) != nil })
        return values
    }

    private func checkColumns<Record: SyncedRecord>(_ type: Record.Type, in database: NodeDatabase) throws {
        let table = Record.syncedTable.rawValue
        // An insert leaves its NULL columns out (`insertedColumnValues`): that is only the same row if a left-out
        // column is NULL, i.e. no nullable column has a non-NULL default.
        let defaulted = try database.readBlocking { db in
            try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").filter { row in
                let notNull: Bool = row["notnull"]
                let defaultValue: String? = row["dflt_value"]
                return !notNull && defaultValue.map { $0.uppercased() != "NULL" } == true
            }.map { $0["name"] as String }
        }
        #expect(defaulted.isEmpty, "nullable columns of \(table) with a non-NULL default: \(defaulted)")
        let columns = try database.readBlocking { db in try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { $0["name"] as String } }
        #expect(!columns.isEmpty, "\(table) exists")
        #expect(Set(Record.Columns.allCases.map(\.rawValue)) == Set(columns), "\(Record.self) covers exactly the columns of \(table)")
        #expect(Record.Columns.allCases.count == columns.count, "\(Record.self) names each column once")
        #expect((type is any MutableSyncedRecord.Type) == !Record.syncedTable.isAppendOnly, "\(Record.self): updatable unless append-only")
        #expect(!(type is any PersistableRecord.Type), "\(Record.self) offers no write around the change log")
    }

    /// Inserts the record through the record path, then checks the row reads back equal and the change log holds
    /// exactly the record's non-NULL columns.
    private func roundTrip<Record: SyncedRecord & Equatable>(
        _ make: (RecordFixture, SyncedTransaction) throws -> Record
    ) throws {
        let database = try NodeDatabase.inMemory()
        let fixture = try RecordFixture().install(in: database)
        let record = try database.writeBlocking { tx in
            let record = try make(fixture, tx)
            #expect(try tx.insert(record) == record.id)
            return record
        }
        let table = Record.syncedTable.rawValue
        let stored = try database.readBlocking { db in
            try Record.fetchOne(db, sql: "SELECT * FROM \(table) WHERE id = ?", arguments: [record.id])
        }
        #expect(stored == record)
        let last = try #require(try RecordLog.all(in: database).last)
        #expect(last.table == table && last.key == record.id && last.op == "insert")
        let values = try record.syncedColumnValues()
        #expect(Set(last.columns.keys) == Set(values.filter { $0.value != .null }.keys), "the non-NULL columns, no more")
        #expect(last.columns == (try record.insertedColumnValues()))
    }
}

/// The rows the records hang from, and one sample of each record with every optional column set.
private struct RecordFixture {
    let zoneId = DjobeaID.v7()
    let serviceId = DjobeaID.v7()
    let providerId = DjobeaID.v7()
    let clientId = DjobeaID.v7()
    let requestId = DjobeaID.v7()
    let invoiceId = DjobeaID.v7()

    func install(in database: NodeDatabase) throws -> RecordFixture {
        try database.writeBlocking { tx in
            try tx.insert(.zones, ["id": .text(zoneId), "code": "akwa", "name": "Akwa", "created_at": ColumnValue(tx.now)])
            try tx.insert(.services, ["id": .text(serviceId), "code": "plomberie", "name_fr": "Plomberie"])
            try tx.insert(
                .providers,
                [
                    "id": .text(providerId), "phone": "+237699000001", "name": "Jean Kouam", "joined_at": ColumnValue(tx.now),
                    "updated_at": ColumnValue(tx.now),
                ])
            try tx.insert(.clients, ["id": .text(clientId), "phone": "+237677000001", "name": "Awa Ngo", "created_at": ColumnValue(tx.now)])
            try tx.insert(request(id: requestId, at: tx.now))
        }
        return self
    }

    func request(id: String, at now: Date) -> ServiceRequestRecord {
        ServiceRequestRecord(
            id: id, clientId: clientId, serviceId: serviceId, zoneId: zoneId, urgency: .cetteSemaine, title: "Fuite sous l'évier",
            description: "L'eau coule en permanence.", address: "Rue du Marché", budgetMin: 5_000, budgetMax: 15_000,
            wishedTimeLabel: "Samedi matin", wishedAt: "2026-12-05T08:00:00.000Z", channel: .walkIn, createdAt: UTCTimestamp.format(now),
            updatedAt: UTCTimestamp.format(now))
    }

    func absence(at now: Date) -> AbsenceRecord {
        AbsenceRecord(
            id: DjobeaID.v7(), providerId: providerId, startsAt: "2026-12-01T00:00:00.000Z", endsAt: "2026-12-03T00:00:00.000Z",
            reason: "Congés", notifyClients: false, createdAt: UTCTimestamp.format(now))
    }

    func offer(at now: Date) -> RequestOfferRecord {
        RequestOfferRecord(
            id: DjobeaID.v7(), requestId: requestId, providerId: providerId, rank: 2, offeredAt: UTCTimestamp.format(now),
            expiresAt: UTCTimestamp.format(now.addingTimeInterval(600)), state: .pending, answeredAt: nil,
            seenAt: UTCTimestamp.format(now), declineReason: .horsZone, declineNote: "Trop loin")
    }

    func event(in tx: SyncedTransaction) -> MissionEventRecord {
        MissionEventRecord(
            id: DjobeaID.v7(), requestId: requestId, kind: .reopened, actorRole: .hubOperator, actorId: "operateur-1",
            providerId: providerId, hlc: tx.stamp().packed, originNode: "hub-test", occurredAt: UTCTimestamp.format(tx.now),
            reopenTo: .acceptee, reasonCode: "client_absent", note: "Rouvert par le hub")
    }

    func material(at now: Date) -> MissionMaterialRecord {
        MissionMaterialRecord(
            id: DjobeaID.v7(), requestId: requestId, providerId: providerId, label: "Joint 20 mm", quantity: 3, unitPrice: 500,
            recordedAt: UTCTimestamp.format(now))
    }

    func photo(at now: Date) -> PhotoRecord {
        PhotoRecord(
            id: DjobeaID.v7(), requestId: requestId, providerId: providerId, kind: .after, sha256: String(repeating: "a", count: 64),
            thumbSha256: String(repeating: "b", count: 64), mime: "image/jpeg", bytes: 120_000, width: 1_024, height: 768,
            takenAt: UTCTimestamp.format(now), createdAt: UTCTimestamp.format(now))
    }

    func message(at now: Date) -> MessageRecord {
        MessageRecord(
            id: DjobeaID.v7(), requestId: requestId, providerId: providerId, clientId: clientId, direction: .outgoing, channel: .sms,
            templateCode: "en_route", body: "J'arrive dans 20 minutes.", sentAt: UTCTimestamp.format(now), deliveryStatus: .delivered,
            gatewayNode: "hub-test", templateName: "djobea_en_route", templateParams: #"["20"]"#, essential: false, externalId: "wamid.1",
            statusReason: "ok", statusAt: UTCTimestamp.format(now), intent: "text")
    }

    func call(at now: Date) -> CallLogRecord {
        CallLogRecord(
            id: DjobeaID.v7(), providerId: providerId, clientId: clientId, requestId: requestId, direction: .missed,
            startedAt: UTCTimestamp.format(now), durationSeconds: 42, note: "Rappeler ce soir")
    }

    func notification(at now: Date) -> NotificationRecord {
        NotificationRecord(
            id: DjobeaID.v7(), providerId: providerId, kind: .urgentRequest, requestId: requestId, title: "Demande urgente",
            body: "Fuite sous l'évier à Akwa", createdAt: UTCTimestamp.format(now), seenAt: UTCTimestamp.format(now))
    }

    func invoice(at now: Date) -> InvoiceRecord {
        InvoiceRecord(
            id: invoiceId, requestId: requestId, providerId: providerId, clientId: clientId, number: "F-2026-0001", total: 12_500,
            issuedAt: UTCTimestamp.format(now), dueAt: UTCTimestamp.format(now.addingTimeInterval(7 * 86_400)),
            sentAt: UTCTimestamp.format(now))
    }

    func payment(in tx: SyncedTransaction) throws -> LedgerEntryRecord {
        try tx.insert(invoice(at: tx.now))
        return LedgerEntryRecord(
            id: DjobeaID.v7(), requestId: requestId, providerId: providerId, invoiceId: invoiceId, kind: .payment, method: .mtnMomo,
            operatorRef: "MP2612011234", amount: 12_500, reversesEntryId: nil, rateId: nil, hlc: tx.stamp().packed, originNode: "hub-test",
            recordedAt: UTCTimestamp.format(tx.now), recordedByRole: .provider)
    }
}

/// A change-log entry as stored (the columns decoded).
private struct RecordLog {
    var table: String
    var key: String
    var op: String
    var columns: ColumnValues

    static func all(in database: NodeDatabase) throws -> [RecordLog] {
        try database.readBlocking { db in
            try Row.fetchAll(db, sql: "SELECT table_name, row_key, op, columns FROM change_log ORDER BY local_seq").map { row in
                RecordLog(table: row["table_name"], key: row["row_key"], op: row["op"], columns: try ColumnValuesJSON.decode(row["columns"]))
            }
        }
    }
}
