import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Provider account: availability, away mode and absences")
struct ProviderAccountAvailabilityTests {
    /// Wednesday 25 November 2026, 15:00 in Douala.
    let now = AccountFixture.date("2026-11-25T14:00:00.000Z")

    func at(_ text: String) -> Date { AccountFixture.date(text) }

    func availability(_ fixture: AccountFixture, _ date: Date, provider: String? = nil) throws -> Availability {
        try fixture.database.readBlocking { db in try ProviderAccount.availability(providerId: provider ?? fixture.providerId, at: date, in: db) }
    }

    func away(_ fixture: AccountFixture, _ on: Bool, until: Date?, message: String? = nil) throws -> ProviderAvailabilityStatus {
        try fixture.database.writeBlocking(now: now) { tx in
            try ProviderAccount.setAwayMode(providerId: fixture.providerId, away: on, until: until, message: message, in: tx)
        }
    }

    @discardableResult
    func addAbsence(
        _ fixture: AccountFixture, _ start: Date, _ end: Date, reason: String? = nil, provider: String? = nil, now: Date? = nil
    ) throws -> ProviderAbsence {
        try fixture.database.writeBlocking(now: now ?? self.now) { tx in
            try ProviderAccount.addAbsence(
                providerId: provider ?? fixture.providerId, start: start, end: end, reason: reason, notifyClients: true, in: tx)
        }
    }

    func expectInvalid(_ field: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("accepted an invalid \(field)", sourceLocation: sourceLocation)
        } catch let error as ProviderAccountError {
            #expect(error.code == "invalid_field" && error.field == field, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("working hours in Douala time: start inclusive, end exclusive, working days only")
    func workingHours() throws {
        let fixture = try AccountFixture()
        #expect(try fixture.database.readBlocking { db in try ProviderAccount.isAvailable(providerId: fixture.providerId, at: now, in: db) })
        #expect(try availability(fixture, at("2026-11-25T07:00:00.000Z")) == .available)  // 08:00 local
        #expect(try availability(fixture, at("2026-11-25T06:59:00.000Z")) == .outsideWorkingHours)  // 07:59 local
        #expect(try availability(fixture, at("2026-11-25T16:59:00.000Z")) == .available)  // 17:59 local
        #expect(try availability(fixture, at("2026-11-25T17:00:00.000Z")) == .outsideWorkingHours)  // 18:00 local
        #expect(try availability(fixture, at("2026-11-28T10:00:00.000Z")) == .available)  // Saturday, a working day
        #expect(try availability(fixture, at("2026-11-29T10:00:00.000Z")) == .outsideWorkingHours)  // Sunday
        // Sunday 23:30 UTC is Monday 00:30 in Douala: still outside the hours, but a Monday.
        #expect(try availability(fixture, at("2026-11-30T07:30:00.000Z")) == .available)

        // Without settings: the seed's 08:00–18:00, Monday to Friday.
        #expect(try availability(fixture, at("2026-11-27T10:00:00.000Z"), provider: fixture.otherProviderId) == .available)
        #expect(try availability(fixture, at("2026-11-28T10:00:00.000Z"), provider: fixture.otherProviderId) == .outsideWorkingHours)
        expectAccountError(.notFound(resource: "provider")) { _ = try availability(fixture, now, provider: DjobeaID.v7()) }
    }

    @Test("hours stored elsewhere as a night shift read as offer routing reads them, and show unchanged in settings")
    func nightShift() throws {
        let fixture = try AccountFixture()
        _ = try fixture.database.writeBlocking(now: now) { tx in
            let id = try String.fetchOne(tx.db, sql: "SELECT id FROM provider_settings WHERE provider_id = ?", arguments: [fixture.providerId])
            try tx.update(.providerSettings, key: id ?? "", ["working_hours": #"{"start":"20:00","end":"06:00","days":[5]}"#])
        }
        #expect(try availability(fixture, at("2026-11-27T21:00:00.000Z")) == .available)  // Friday 22:00 local
        #expect(try availability(fixture, at("2026-11-28T04:00:00.000Z")) == .available)  // Saturday 05:00, the same shift
        #expect(try availability(fixture, at("2026-11-28T10:00:00.000Z")) == .outsideWorkingHours)
        let settings = try fixture.database.readBlocking { db in try ProviderAccount.settings(providerId: fixture.providerId, in: db) }
        #expect(settings.workingHours == WorkingHoursSetting(start: "20:00", end: "06:00", days: [5]))
    }

    @Test("away mode: until required, in the future, 90 days at most; it ends by itself")
    func awayMode() throws {
        let fixture = try AccountFixture()
        expectInvalid("until") { _ = try away(fixture, true, until: nil) }
        expectInvalid("until") { _ = try away(fixture, true, until: now) }
        expectInvalid("until") { _ = try away(fixture, true, until: now.addingTimeInterval(90 * 86_400 + 1)) }
        expectInvalid("message") { _ = try away(fixture, true, until: now.addingTimeInterval(86_400), message: String(repeating: "a", count: 301)) }

        let until = at("2026-11-27T17:00:00.000Z")
        let status = try away(fixture, true, until: until)
        #expect(status.awayMode && status.awayUntil == "2026-11-27T17:00:00.000Z")
        #expect(status.awayMessage == ProviderAccount.defaultAwayMessage)
        #expect(status.status == "away" && status.statusLabel == "Mode absent")
        #expect(try availability(fixture, now) == .away)
        #expect(try availability(fixture, at("2026-11-28T10:00:00.000Z")) == .available)

        let custom = try away(fixture, true, until: now.addingTimeInterval(90 * 86_400), message: "  Au village jusqu'au 2 décembre.  ")
        #expect(custom.awayMessage == "Au village jusqu'au 2 décembre.")
        let off = try away(fixture, false, until: nil)
        #expect(!off.awayMode && off.awayUntil == nil && off.awayMessage == nil && off.status == "available")
        let last = try #require(try fixture.changes("providers").last)
        // updated_at already holds this `now` (the previous save): only the three away columns are logged.
        #expect(Set(last.columns.keys) == ["away_mode", "away_until", "away_message"])
        // Turning it off again changes nothing and logs nothing.
        let total = try LoggedChange.all(in: fixture.database).count
        _ = try away(fixture, false, until: nil)
        #expect(try LoggedChange.all(in: fixture.database).count == total)
    }

    @Test("absences: not in the past, end after start, 180 days at most, reason 200 characters at most")
    func absenceValidation() throws {
        let fixture = try AccountFixture()
        let today = DoualaCalendar().startOfDay(now)
        expectInvalid("starts_at") { try addAbsence(fixture, today.addingTimeInterval(-86_400), today.addingTimeInterval(86_400)) }
        expectInvalid("starts_at") { try addAbsence(fixture, today, now.addingTimeInterval(-60)) }
        expectInvalid("ends_at") { try addAbsence(fixture, today.addingTimeInterval(86_400), today.addingTimeInterval(86_400)) }
        expectInvalid("ends_at") { try addAbsence(fixture, today.addingTimeInterval(86_400), today.addingTimeInterval(182 * 86_400)) }
        expectInvalid("reason") {
            try addAbsence(
                fixture, today.addingTimeInterval(86_400), today.addingTimeInterval(2 * 86_400), reason: String(repeating: "r", count: 201))
        }
        // Today from local midnight is allowed, for "I am ill today".
        let ill = try addAbsence(fixture, today, today.addingTimeInterval(86_400), reason: "Malade")
        #expect(ill.startsAt == "2026-11-24T23:00:00.000Z" && ill.reason == "Malade" && ill.notifyClients)
        #expect(try availability(fixture, now) == .absent)
        let long = try addAbsence(fixture, today.addingTimeInterval(10 * 86_400), today.addingTimeInterval(190 * 86_400))
        #expect(long.endsAt == UTCTimestamp.format(today.addingTimeInterval(190 * 86_400)))
    }

    @Test("overlapping absences are refused; back-to-back ones are fine; other providers are independent")
    func overlap() throws {
        let fixture = try AccountFixture()
        let first = try addAbsence(fixture, at("2026-11-30T23:00:00.000Z"), at("2026-12-03T23:00:00.000Z"))
        for (start, end) in [
            ("2026-11-30T23:00:00.000Z", "2026-12-03T23:00:00.000Z"), ("2026-11-29T23:00:00.000Z", "2026-12-01T23:00:00.000Z"),
            ("2026-12-02T23:00:00.000Z", "2026-12-05T23:00:00.000Z"), ("2026-12-01T10:00:00.000Z", "2026-12-01T12:00:00.000Z"),
            ("2026-11-28T23:00:00.000Z", "2026-12-08T23:00:00.000Z"),
        ] {
            expectAccountError(.absenceOverlap(existingId: first.id)) { try addAbsence(fixture, at(start), at(end)) }
        }
        try addAbsence(fixture, at("2026-12-03T23:00:00.000Z"), at("2026-12-04T23:00:00.000Z"))
        try addAbsence(fixture, at("2026-11-29T23:00:00.000Z"), at("2026-11-30T23:00:00.000Z"))
        try addAbsence(fixture, at("2026-11-30T23:00:00.000Z"), at("2026-12-03T23:00:00.000Z"), provider: fixture.otherProviderId)

        let mine = try fixture.database.readBlocking { db in
            try ProviderAccount.absences(providerId: fixture.providerId, from: nil, to: nil, in: db)
        }
        #expect(mine.map(\.startsAt) == ["2026-11-29T23:00:00.000Z", "2026-11-30T23:00:00.000Z", "2026-12-03T23:00:00.000Z"])
        let december = try fixture.database.readBlocking { db in
            try ProviderAccount.absences(
                providerId: fixture.providerId, from: at("2026-12-02T00:00:00.000Z"), to: at("2026-12-31T00:00:00.000Z"), in: db)
        }
        #expect(december.map(\.id) == [first.id, mine[2].id])
        expectInvalid("to") {
            _ = try fixture.database.readBlocking { db in
                try ProviderAccount.absences(providerId: fixture.providerId, from: now, to: at("2026-01-01T00:00:00.000Z"), in: db)
            }
        }
        #expect(try availability(fixture, at("2026-12-01T10:00:00.000Z")) == .absent)
        #expect(try availability(fixture, at("2026-12-05T09:00:00.000Z")) == .available)  // Saturday after the last one
    }

    @Test("deleting: one's own current or future absence; another provider's is not found; an ended one is kept")
    func delete() throws {
        let fixture = try AccountFixture()
        let past = try addAbsence(
            fixture, at("2026-11-02T23:00:00.000Z"), at("2026-11-04T23:00:00.000Z"), now: at("2026-11-01T09:00:00.000Z"))
        let mine = try addAbsence(fixture, at("2026-12-06T23:00:00.000Z"), at("2026-12-08T23:00:00.000Z"))
        let theirs = try addAbsence(fixture, at("2026-12-06T23:00:00.000Z"), at("2026-12-08T23:00:00.000Z"), provider: fixture.otherProviderId)
        func delete(_ id: String) throws {
            try fixture.database.writeBlocking(now: now) { tx in
                try ProviderAccount.deleteAbsence(providerId: fixture.providerId, absenceId: id, in: tx)
            }
        }
        expectAccountError(.notFound(resource: "absence")) { try delete(theirs.id) }
        expectAccountError(.notFound(resource: "absence")) { try delete(DjobeaID.v7()) }
        expectAccountError(.absenceEnded) { try delete(past.id) }
        try delete(mine.id)
        let tombstone = try fixture.database.readBlocking { db in
            try String.fetchOne(db, sql: "SELECT row_key FROM tombstones WHERE table_name = 'absences'")
        }
        #expect(tombstone == mine.id)
        let left = try fixture.database.readBlocking { db in
            try String.fetchAll(db, sql: "SELECT id FROM absences ORDER BY id")
        }
        #expect(Set(left) == [past.id, theirs.id])
    }

    @Test("a suspended account is unavailable before anything else; the status shows the current absence")
    func suspendedAndStatus() throws {
        let fixture = try AccountFixture()
        let today = DoualaCalendar().startOfDay(now)
        let absence = try addAbsence(fixture, today, today.addingTimeInterval(2 * 86_400))
        let status = try fixture.database.readBlocking { db in
            try ProviderAccount.availabilityStatus(providerId: fixture.providerId, now: now, in: db)
        }
        #expect(status.status == "absent" && status.currentAbsence?.id == absence.id)
        #expect(status.workingHours.days == [1, 2, 3, 4, 5, 6])

        _ = try fixture.database.writeBlocking(now: now) { tx in
            try tx.update(.providers, key: fixture.providerId, ["account_status": "suspended"])
        }
        #expect(try availability(fixture, now) == .suspended)
        #expect(Availability.suspended.labelFR == "Compte suspendu")
    }
}
