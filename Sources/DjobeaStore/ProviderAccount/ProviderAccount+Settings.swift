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
        let stored = try ProviderSettingsRecord.fetchOne(
            tx.db.cachedStatement(sql: "SELECT * FROM provider_settings WHERE provider_id = ?"), arguments: [providerId])
        let stamp = UTCTimestamp.format(tx.now)
        // First save: the defaults, overlaid with the changes.
        var record =
            stored
            ?? ProviderSettingsRecord(
                id: DjobeaID.v7(now: tx.now), providerId: providerId, notificationsEnabled: true, autoAcceptFamiliarClients: false,
                workingHours: WorkingHoursSetting.standard.json, notificationSound: true, summaryFrequency: .weekly, requestTypes: "[]",
                createdAt: stamp, updatedAt: stamp)
        var columns: [ProviderSettingsRecord.Columns] = []
        if let value = changes.notificationsEnabled, value != current.notificationsEnabled {
            record.notificationsEnabled = value
            columns.append(.notificationsEnabled)
        }
        if let value = changes.notificationSound, value != current.notificationSound {
            record.notificationSound = value
            columns.append(.notificationSound)
        }
        if let value = changes.autoAcceptFamiliarClients, value != current.autoAcceptFamiliarClients {
            record.autoAcceptFamiliarClients = value
            columns.append(.autoAcceptFamiliarClients)
        }
        if let text = changes.summaryFrequency {
            guard let frequency = SummaryFrequency(rawValue: text) else {
                throw ProviderAccountError.invalidField(field: "summary_frequency", reasonFR: "daily, weekly, monthly ou never")
            }
            if frequency.rawValue != current.summaryFrequency {
                record.summaryFrequency = frequency
                columns.append(.summaryFrequency)
            }
        }
        if let types = changes.requestTypes {
            let validated = try validatedRequestTypes(types, providerId: providerId, db: tx.db)
            if validated != current.requestTypes {
                record.requestTypes = jsonArray(validated)
                columns.append(.requestTypes)
            }
        }
        if let hours = changes.workingHours {
            let validated = try hours.validated()
            if validated != current.workingHours {
                record.workingHours = validated.json
                columns.append(.workingHours)
            }
        }
        guard !columns.isEmpty else { return current }

        record.updatedAt = stamp
        if stored == nil {
            try tx.insert(record)
        } else {
            try tx.update(record, columns: columns + [.updatedAt])
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
