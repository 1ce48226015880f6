import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

/// Two providers of one hub with their zones, services, clients and a 15 % commission rate; missions and
/// payments are added by each test, in time order (mission times come from the HLC, which only moves forward).
struct AccountFixture {
    let database: NodeDatabase
    let zoneIds: [String: String]
    let serviceIds: [String: String]
    /// Jean Kouam (argent): Denver and Kotto, plomberie and électricité, hours 08:00–18:00 Monday to Saturday.
    let providerId = DjobeaID.v7()
    /// Paul Ekambi (bronze): Makepe, plomberie, no settings row.
    let otherProviderId = DjobeaID.v7()
    let clientId = DjobeaID.v7()
    let otherClientId = DjobeaID.v7()
    let rateId = DjobeaID.v7()

    static func date(_ text: String) -> Date { UTCTimestamp.parse(text) ?? Date(timeIntervalSince1970: 0) }

    init(setupAt setup: Date = AccountFixture.date("2026-10-01T08:00:00.000Z")) throws {
        database = try NodeDatabase.inMemory()
        var zones: [String: String] = [:]
        for code in ["denver", "kotto", "makepe"] { zones[code] = DjobeaID.v7() }
        var services: [String: String] = [:]
        for code in ["plomberie", "electricite", "electromenager"] { services[code] = DjobeaID.v7() }
        zoneIds = zones
        serviceIds = services
        try database.writeBlocking(now: setup) { [self] tx in
            for quarter in Bonamoussadi.quarters where zones[quarter.code] != nil {
                try tx.insert(
                    .zones,
                    [
                        "id": .text(zones[quarter.code] ?? ""), "code": .text(quarter.code), "name": .text(quarter.nameFR),
                        "created_at": ColumnValue(setup),
                    ])
            }
            for service in ServiceCatalogue.builtIn {
                try tx.insert(
                    .services,
                    [
                        "id": .text(services[service.code.rawValue] ?? ""), "code": .text(service.code.rawValue), "name_fr": .text(service.nameFR),
                        "sort_order": ColumnValue(service.sortOrder),
                    ])
            }
            try tx.insert(
                .commissionRates,
                ["id": .text(rateId), "basis_points": 1_500, "effective_from": "2020-01-01T00:00:00.000Z", "created_at": ColumnValue(setup)])
            try insertProvider(
                tx, id: providerId, phone: "+237699000001", name: "Jean Kouam", email: "jean@example.cm", level: "argent",
                zones: ["denver", "kotto"], services: [("plomberie", 5_000, 30_000), ("electricite", nil, nil)])
            try insertProvider(
                tx, id: otherProviderId, phone: "+237699000002", name: "Paul Ekambi", email: "paul@example.cm", level: "bronze", zones: ["makepe"],
                services: [("plomberie", 4_000, 25_000)])
            try tx.insert(
                .providerSettings,
                [
                    "id": .text(DjobeaID.v7()), "provider_id": .text(providerId),
                    "working_hours": "{\"start\":\"08:00\",\"end\":\"18:00\",\"days\":[1,2,3,4,5,6]}",
                    "created_at": ColumnValue(setup), "updated_at": ColumnValue(setup),
                ])
            try tx.insert(.clients, ["id": .text(clientId), "phone": "+237677000001", "name": "Awa Ngo", "created_at": ColumnValue(setup)])
            try tx.insert(.clients, ["id": .text(otherClientId), "phone": "+237677000002", "name": "Marie Eyenga", "created_at": ColumnValue(setup)])
        }
    }

    private func insertProvider(
        _ tx: SyncedTransaction, id: String, phone: String, name: String, email: String, level: String, zones: [String],
        services: [(String, Int?, Int?)]
    ) throws {
        try tx.insert(
            .providers,
            [
                "id": .text(id), "phone": .text(phone), "name": .text(name), "email": .text(email), "level": .text(level),
                "home_zone_id": .text(zoneIds[zones[0]] ?? ""), "joined_at": ColumnValue(tx.now), "updated_at": ColumnValue(tx.now),
            ])
        for zone in zones {
            try tx.insert(.providerZones, ["id": .text(DjobeaID.v7()), "provider_id": .text(id), "zone_id": .text(zoneIds[zone] ?? "")])
        }
        for (code, low, high) in services {
            try tx.insert(
                .providerServices,
                [
                    "id": .text(DjobeaID.v7()), "provider_id": .text(id), "service_id": .text(serviceIds[code] ?? ""), "rate_min": ColumnValue(low),
                    "rate_max": ColumnValue(high),
                ])
        }
    }

    /// A request accepted, done and invoiced by `provider` (the main one by default): completed at `completedAt`,
    /// invoiced `total` (one line) with Djobea's commission derived, due `dueDays` later.
    @discardableResult
    func completedMission(
        provider: String? = nil, client: String? = nil, service: String = "plomberie", total: Int, completedAt: Date, dueDays: Double = 7
    ) throws -> (request: String, invoice: String) {
        let provider = provider ?? providerId
        let requestId = try request(client: client ?? clientId, service: service, createdAt: completedAt.addingTimeInterval(-3 * 3_600))
        let invoiceId = DjobeaID.v7(now: completedAt)
        try database.writeBlocking(now: completedAt.addingTimeInterval(-2 * 3_600)) { tx in
            try tx.appendMissionEvent(requestId: requestId, kind: .accepted, actorRole: .provider, actorId: provider, providerId: provider)
            tx.now = completedAt.addingTimeInterval(-3_600)
            try tx.appendMissionEvent(requestId: requestId, kind: .arrived, actorRole: .provider, actorId: provider, providerId: provider)
            tx.now = completedAt
            try tx.appendMissionEvent(requestId: requestId, kind: .completed, actorRole: .provider, actorId: provider, providerId: provider)
            try tx.insert(
                .invoices,
                [
                    "id": .text(invoiceId), "request_id": .text(requestId), "provider_id": .text(provider), "client_id": .text(client ?? clientId),
                    "number": .text("F-\(invoiceId.suffix(6))"), "total": ColumnValue(total), "issued_at": ColumnValue(completedAt),
                    "due_at": ColumnValue(completedAt.addingTimeInterval(dueDays * 86_400)), "sent_at": ColumnValue(completedAt),
                ])
            try tx.insert(
                .invoiceLines,
                [
                    "id": .text(DjobeaID.v7()), "invoice_id": .text(invoiceId), "kind": "main_oeuvre", "label": "Réparation", "quantity": 1,
                    "unit_price": ColumnValue(total),
                ])
            try tx.deriveCommission(requestId: requestId)
        }
        return (requestId, invoiceId)
    }

    /// A new request (status Nouvelle) in Denver.
    func request(client: String? = nil, service: String = "plomberie", createdAt: Date) throws -> String {
        try database.writeBlocking(now: createdAt) { tx in
            let id = DjobeaID.v7(now: createdAt)
            try tx.insert(
                .serviceRequests,
                [
                    "id": .text(id), "client_id": .text(client ?? clientId), "service_id": .text(serviceIds[service] ?? ""),
                    "zone_id": .text(zoneIds["denver"] ?? ""), "urgency": "aujourd_hui", "title": "Fuite sous l'évier", "description": "",
                    "address": "Denver", "created_at": ColumnValue(createdAt), "updated_at": ColumnValue(createdAt),
                ])
            try tx.startLifecycle(requestId: id)
            return id
        }
    }

    /// Records a payment (or, with `reverses`, a reversal) at `at`; `withInvoice: false` leaves `invoice_id` empty
    /// (a deposit taken before the invoice).
    @discardableResult
    func pay(
        _ mission: (request: String, invoice: String), amount: Int, method: PaymentMethod = .cash, ref: String? = nil, at: Date,
        provider: String? = nil, reverses: String? = nil, withInvoice: Bool = true
    ) throws -> String {
        try database.writeBlocking(durability: .critical, now: at) { tx in
            try tx.appendLedgerEntry(
                requestId: mission.request, providerId: provider ?? providerId, invoiceId: withInvoice ? mission.invoice : nil,
                kind: reverses == nil ? .payment : .reversal,
                method: reverses == nil ? method : nil, operatorRef: ref, amount: XAF(amount), reversesEntryId: reverses, recordedBy: .provider
            ).id
        }
    }

    /// Change-log rows of one table, oldest first.
    func changes(_ table: String) throws -> [LoggedChange] {
        try LoggedChange.all(in: database).filter { $0.table == table }
    }
}

/// `#expect(throws:)` for a `ProviderAccountError`, by value.
func expectAccountError(_ expected: ProviderAccountError, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    #expect(throws: expected, sourceLocation: sourceLocation) { try body() }
}

@Suite("Provider account: errors and calendar periods")
struct ProviderAccountTests {
    func at(_ text: String) -> Date { AccountFixture.date(text) }

    @Test("errors carry a stable code, the kind of refusal, the field and a French message")
    func errors() {
        let cases: [(ProviderAccountError, String, RefusalKind)] = [
            (.notFound(resource: "absence"), "not_found", .notFound), (.fieldNotOwned(field: "zones"), "field_not_owned", .forbidden),
            (.unknownField(field: "x"), "unknown_field", .invalid), (.invalidField(field: "bio", reasonFR: "trop long"), "invalid_field", .invalid),
            (.emailTaken, "email_taken", .conflict), (.serviceNotOffered(code: "plomberie"), "service_not_offered", .invalid),
            (.absenceOverlap(existingId: "a"), "absence_overlap", .conflict), (.absenceEnded, "absence_ended", .conflict),
        ]
        for (error, code, kind) in cases {
            #expect(error.code == code)
            #expect(error.kind == kind)
            #expect(!error.messageFR.isEmpty)
        }
        #expect(ProviderAccountError.fieldNotOwned(field: "zones").field == "zones")
        #expect(ProviderAccountError.fieldNotOwned(field: "zones").messageFR.contains("équipe Djobea"))
    }

    @Test("31 December 23:30 UTC is already 1 January in Douala: month, quarter and year start there")
    func newYearInDouala() {
        let late = at("2026-12-31T23:30:00.000Z")
        let newYear = at("2026-12-31T23:00:00.000Z")
        #expect(EarningsPeriod.year.interval(containing: late) == DateInterval(start: newYear, end: at("2027-12-31T23:00:00.000Z")))
        #expect(EarningsPeriod.quarter.interval(containing: late) == DateInterval(start: newYear, end: at("2027-03-31T23:00:00.000Z")))
        #expect(EarningsPeriod.month.interval(containing: late) == DateInterval(start: newYear, end: at("2027-01-31T23:00:00.000Z")))
        // Friday 1 January 2027: the week began on Monday 28 December, local midnight.
        #expect(EarningsPeriod.week.interval(containing: late) == DateInterval(start: at("2026-12-27T23:00:00.000Z"), duration: 7 * 86_400))
        #expect(EarningsPeriod.year.labelFR(EarningsPeriod.year.interval(containing: late)) == "Année 2027")
        #expect(EarningsPeriod.month.labelFR(EarningsPeriod.month.interval(containing: late)) == "Janvier 2027")
        #expect(EarningsPeriod.quarter.labelFR(EarningsPeriod.quarter.interval(containing: late)) == "1er trimestre 2027")
        #expect(EarningsPeriod.week.labelFR(EarningsPeriod.week.interval(containing: late)) == "Semaine du 28 décembre 2026")

        // One hour earlier it is still 2026 locally.
        let stillOld = at("2026-12-31T22:59:59.000Z")
        #expect(EarningsPeriod.year.interval(containing: stillOld).start == at("2025-12-31T23:00:00.000Z"))
        #expect(EarningsPeriod.quarter.labelFR(EarningsPeriod.quarter.interval(containing: stillOld)) == "4e trimestre 2026")
    }

    @Test("the previous period of each kind is the one just before, across year ends")
    func previousPeriods() {
        let january = at("2027-01-15T12:00:00.000Z")
        func previous(_ period: EarningsPeriod) -> DateInterval { period.previous(period.interval(containing: january)) }
        #expect(previous(.month) == DateInterval(start: at("2026-11-30T23:00:00.000Z"), end: at("2026-12-31T23:00:00.000Z")))
        #expect(previous(.quarter) == DateInterval(start: at("2026-09-30T23:00:00.000Z"), end: at("2026-12-31T23:00:00.000Z")))
        #expect(previous(.year) == DateInterval(start: at("2025-12-31T23:00:00.000Z"), end: at("2026-12-31T23:00:00.000Z")))
        #expect(previous(.week) == DateInterval(start: at("2027-01-03T23:00:00.000Z"), duration: 7 * 86_400))
        // A quarter boundary inside the year: 1 April 00:10 local is the second quarter.
        let april = at("2027-03-31T23:10:00.000Z")
        #expect(EarningsPeriod.quarter.interval(containing: april).start == at("2027-03-31T23:00:00.000Z"))
        #expect(EarningsPeriod.quarter.labelFR(EarningsPeriod.quarter.interval(containing: april)) == "2e trimestre 2027")
    }

    @Test("commission rates read as French percentages")
    func percentLabels() {
        #expect(ProviderFinance.percentLabel(basisPoints: 1_500) == "15\u{202F}%")
        #expect(ProviderFinance.percentLabel(basisPoints: 1_250) == "12,5\u{202F}%")
        #expect(ProviderFinance.percentLabel(basisPoints: 1_234) == "12,34\u{202F}%")
        #expect(ProviderFinance.percentLabel(basisPoints: 5) == "0,05\u{202F}%")
    }
}
