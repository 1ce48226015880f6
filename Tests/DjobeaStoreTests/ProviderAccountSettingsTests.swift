import DjobeaDomain
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Provider account: settings")
struct ProviderAccountSettingsTests {
    let now = AccountFixture.date("2026-11-25T14:00:00.000Z")

    func update(_ fixture: AccountFixture, _ changes: SettingsChanges, provider: String? = nil) throws -> ProviderSettings {
        try fixture.database.writeBlocking(now: now) { tx in
            try ProviderAccount.updateSettings(providerId: provider ?? fixture.providerId, changes: changes, in: tx)
        }
    }

    func expectInvalid(_ field: String, _ fixture: AccountFixture, _ changes: SettingsChanges, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try update(fixture, changes)
            Issue.record("accepted an invalid \(field)", sourceLocation: sourceLocation)
        } catch let error as ProviderAccountError {
            #expect(error.code == "invalid_field" && error.field == field, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("a provider without a settings row gets the defaults; the first save creates the row")
    func defaultsThenInsert() throws {
        let fixture = try AccountFixture()
        let defaults = try fixture.database.readBlocking { db in try ProviderAccount.settings(providerId: fixture.otherProviderId, in: db) }
        #expect(defaults.workingHours == WorkingHoursSetting(start: "08:00", end: "18:00", days: [1, 2, 3, 4, 5]))
        #expect(defaults.summaryFrequency == "weekly" && defaults.summaryFrequencyLabel == "Hebdomadaire")
        #expect(defaults.notificationsEnabled && defaults.notificationSound && !defaults.autoAcceptFamiliarClients)
        #expect(defaults.requestTypes.isEmpty && defaults.updatedAt == nil)

        let saved = try update(fixture, SettingsChanges(notificationSound: false), provider: fixture.otherProviderId)
        #expect(!saved.notificationSound && saved.notificationsEnabled)
        #expect(saved.updatedAt == UTCTimestamp.format(now))
        let inserted = try #require(try fixture.changes("provider_settings").last)
        #expect(inserted.op == "insert")
        #expect(inserted.columns["provider_id"] == .text(fixture.otherProviderId))
        expectAccountError(.notFound(resource: "provider")) {
            _ = try fixture.database.readBlocking { db in try ProviderAccount.settings(providerId: DjobeaID.v7(), in: db) }
        }
    }

    @Test("every setting saves and reads back; only changed columns are logged")
    func saveAll() throws {
        let fixture = try AccountFixture()
        let before = try fixture.changes("provider_settings").count
        let saved = try update(
            fixture,
            SettingsChanges(
                notificationsEnabled: false, autoAcceptFamiliarClients: true, summaryFrequency: "daily",
                requestTypes: ["urgent", "plomberie", "urgent"], workingHours: WorkingHoursSetting(start: "07:30", end: "19:00", days: [6, 1, 2])))
        #expect(!saved.notificationsEnabled && saved.autoAcceptFamiliarClients)
        #expect(saved.summaryFrequency == "daily" && saved.summaryFrequencyLabel == "Quotidien")
        #expect(saved.requestTypes == ["urgent", "plomberie"])
        #expect(saved.workingHours == WorkingHoursSetting(start: "07:30", end: "19:00", days: [1, 2, 6]))
        let logged = try fixture.changes("provider_settings").dropFirst(before)
        #expect(logged.count == 1)
        #expect(
            logged.first.map { Set($0.columns.keys) }
                == ["notifications_enabled", "auto_accept_familiar_clients", "summary_frequency", "request_types", "working_hours", "updated_at"])
        #expect(logged.first?.columns["working_hours"] == .text(#"{"start":"07:30","end":"19:00","days":[1,2,6]}"#))
        #expect(logged.first?.columns["request_types"] == .text(#"["urgent","plomberie"]"#))

        // Saving the same values again writes nothing.
        let total = try LoggedChange.all(in: fixture.database).count
        _ = try update(fixture, SettingsChanges(notificationsEnabled: false, summaryFrequency: "daily", requestTypes: ["urgent", "plomberie"]))
        #expect(try LoggedChange.all(in: fixture.database).count == total)
    }

    @Test("working hours: HH:MM, start before end, days 1...7 unique and not empty")
    func workingHours() throws {
        let fixture = try AccountFixture()
        for hours in [
            WorkingHoursSetting(start: "8:00", end: "18:00", days: [1]), WorkingHoursSetting(start: "08:00", end: "24:00", days: [1]),
            WorkingHoursSetting(start: "08:60", end: "18:00", days: [1]), WorkingHoursSetting(start: "18:00", end: "18:00", days: [1]),
            WorkingHoursSetting(start: "19:00", end: "07:00", days: [1]), WorkingHoursSetting(start: "08:00", end: "18:00", days: []),
            WorkingHoursSetting(start: "08:00", end: "18:00", days: [0, 1]), WorkingHoursSetting(start: "08:00", end: "18:00", days: [8]),
            WorkingHoursSetting(start: "08:00", end: "18:00", days: [1, 1]), WorkingHoursSetting(start: "08h00", end: "18:00", days: [1]),
        ] {
            expectInvalid("working_hours", fixture, SettingsChanges(workingHours: hours))
        }
        #expect(
            try update(fixture, SettingsChanges(workingHours: WorkingHoursSetting(start: "00:00", end: "23:59", days: [7]))).workingHours.days == [7])
    }

    @Test("request types: urgencies and services the provider offers, at most 20")
    func requestTypes() throws {
        let fixture = try AccountFixture()
        let all = try update(fixture, SettingsChanges(requestTypes: Urgency.allCases.map(\.rawValue) + ["electricite"]))
        #expect(all.requestTypes.count == 5)
        expectAccountError(.serviceNotOffered(code: "electromenager")) { _ = try update(fixture, SettingsChanges(requestTypes: ["electromenager"])) }
        expectInvalid("request_types", fixture, SettingsChanges(requestTypes: ["menuiserie"]))
        expectInvalid("request_types", fixture, SettingsChanges(requestTypes: ["URGENT"]))
        expectInvalid("request_types", fixture, SettingsChanges(requestTypes: (1...21).map { "type\($0)" }))
        #expect(try update(fixture, SettingsChanges(requestTypes: [])).requestTypes.isEmpty)
    }

    @Test("summary frequency is one of four; unknown keys in the body are refused")
    func frequencyAndUnknownKeys() throws {
        let fixture = try AccountFixture()
        expectInvalid("summary_frequency", fixture, SettingsChanges(summaryFrequency: "hourly"))
        for frequency in SummaryFrequency.allCases {
            #expect(try update(fixture, SettingsChanges(summaryFrequency: frequency.rawValue)).summaryFrequency == frequency.rawValue)
        }
        var changes = SettingsChanges(notificationSound: false)
        changes.unknownFields = ["theme"]
        expectAccountError(.unknownField(field: "theme")) { _ = try update(fixture, changes) }
    }
}
