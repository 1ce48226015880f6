import DjobeaDomain
import Foundation
import GRDB

extension ProviderAccount {
    /// The most entries `request_types` may hold.
    static let maxRequestTypes = 20

    /// The settings of `providerId`; the defaults while they have never saved any.
    public static func settings(providerId: String, in db: Database) throws -> ProviderSettings {
        try requireProvider(providerId, in: db)
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM provider_settings WHERE provider_id = ?"), arguments: [providerId])
        else { return .defaults }
        return settings(from: row)
    }

    /// Validates and saves the provider's settings; creates their settings row on first save.
    ///
    /// - Parameters:
    ///   - tx: the write transaction; `tx.now` stamps `updated_at`, which moves only with a real change.
    @discardableResult
    public static func updateSettings(providerId: String, changes: SettingsChanges, in tx: SyncedTransaction) throws -> ProviderSettings {
        try AccountValidation.refuseUnknown(changes.unknownFields)
        let current = try settings(providerId: providerId, in: tx.db)
        var columns: ColumnValues = [:]
        if let value = changes.notificationsEnabled, value != current.notificationsEnabled {
            columns["notifications_enabled"] = ColumnValue(value)
        }
        if let value = changes.notificationSound, value != current.notificationSound { columns["notification_sound"] = ColumnValue(value) }
        if let value = changes.autoAcceptFamiliarClients, value != current.autoAcceptFamiliarClients {
            columns["auto_accept_familiar_clients"] = ColumnValue(value)
        }
        if let text = changes.summaryFrequency {
            guard let frequency = SummaryFrequency(rawValue: text) else {
                throw ProviderAccountError.invalidField(field: "summary_frequency", reasonFR: "daily, weekly, monthly ou never")
            }
            if frequency.rawValue != current.summaryFrequency { columns["summary_frequency"] = .text(frequency.rawValue) }
        }
        if let types = changes.requestTypes {
            let validated = try validatedRequestTypes(types, providerId: providerId, db: tx.db)
            if validated != current.requestTypes { columns["request_types"] = .text(jsonArray(validated)) }
        }
        if let hours = changes.workingHours {
            let validated = try hours.validated()
            if validated != current.workingHours { columns["working_hours"] = .text(validated.json) }
        }
        guard !columns.isEmpty else { return current }

        columns["updated_at"] = ColumnValue(tx.now)
        if let id = try String.fetchOne(
            tx.db.cachedStatement(sql: "SELECT id FROM provider_settings WHERE provider_id = ?"), arguments: [providerId])
        {
            try tx.update(.providerSettings, key: id, columns)
        } else {
            // First save: the defaults, overlaid with the changes.
            var row: ColumnValues = [
                "id": .text(DjobeaID.v7(now: tx.now)), "provider_id": .text(providerId), "notifications_enabled": true,
                "notification_sound": true, "auto_accept_familiar_clients": false, "summary_frequency": "weekly", "request_types": "[]",
                "working_hours": .text(WorkingHoursSetting.standard.json), "created_at": ColumnValue(tx.now),
            ]
            row.merge(columns) { _, new in new }
            try tx.insert(.providerSettings, row)
        }
        return try settings(providerId: providerId, in: tx.db)
    }

    // MARK: - Helpers

    static func settings(from row: Row) -> ProviderSettings {
        let frequency = SummaryFrequency(rawValue: row["summary_frequency"]) ?? .weekly
        let typesJSON: String = row["request_types"]
        let types = (try? JSONDecoder().decode([String].self, from: Data(typesJSON.utf8))) ?? []
        return ProviderSettings(
            notificationsEnabled: row["notifications_enabled"], notificationSound: row["notification_sound"],
            autoAcceptFamiliarClients: row["auto_accept_familiar_clients"], summaryFrequency: frequency.rawValue,
            summaryFrequencyLabel: frequency.labelFR, requestTypes: types,
            workingHours: WorkingHoursSetting.parse(row["working_hours"]) ?? .standard, updatedAt: row["updated_at"])
    }

    /// Each entry is an urgency code or a service the provider offers; duplicates are dropped, order kept.
    private static func validatedRequestTypes(_ types: [String], providerId: String, db: Database) throws -> [String] {
        var result: [String] = []
        for type in types where !result.contains(type) { result.append(type) }
        guard result.count <= maxRequestTypes else {
            throw ProviderAccountError.invalidField(field: "request_types", reasonFR: "\(maxRequestTypes) types au maximum")
        }
        let offered = Set(
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT s.code FROM provider_services ps JOIN services s ON s.id = ps.service_id WHERE ps.provider_id = ?"),
                arguments: [providerId]))
        for type in result where Urgency(rawValue: type) == nil && !offered.contains(type) {
            let known =
                try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM services WHERE code = ?)"), arguments: [type]) ?? false
            if known { throw ProviderAccountError.serviceNotOffered(code: type) }
            throw ProviderAccountError.invalidField(field: "request_types", reasonFR: "type de demande inconnu « \(type) »")
        }
        return result
    }

    private static func jsonArray(_ codes: [String]) -> String {
        (try? JSONEncoder().encode(codes)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }
}
