import DjobeaDomain
import Foundation
import GRDB

/// A provider's own account: profile, settings, availability and absences, the catalogue they pick from; the directory of providers.
public struct AccountStore: Sendable {
    public let database: NodeDatabase

    public init(_ database: NodeDatabase) {
        self.database = database
    }

    /// The profile of one provider (`GET /provider/profile`).
    public func profile(providerId: String) async throws -> ProviderProfile {
        try await database.read { db in try ProviderAccount.profile(providerId: providerId, in: db) }
    }

    /// Applies a provider's own profile changes in one transaction (`PUT /provider/profile`).
    public func updateProfile(providerId: String, changes: ProfileChanges, now: Date = Date()) async throws -> ProviderProfile {
        try await database.write(now: now) { tx in try ProviderAccount.updateProfile(providerId: providerId, changes: changes, in: tx) }
    }

    /// `GET /provider/settings`.
    public func settings(providerId: String) async throws -> ProviderSettings {
        try await database.read { db in try ProviderAccount.settings(providerId: providerId, in: db) }
    }

    /// `PUT /provider/settings`.
    public func updateSettings(providerId: String, changes: SettingsChanges, now: Date = Date()) async throws -> ProviderSettings {
        try await database.write(now: now) { tx in try ProviderAccount.updateSettings(providerId: providerId, changes: changes, in: tx) }
    }

    /// Whether a provider may be offered a request at `at` (see `ProviderAccount.isAvailable`).
    public func isAvailable(providerId: String, at: Date) async throws -> Bool {
        try await database.read { db in try ProviderAccount.isAvailable(providerId: providerId, at: at, in: db) }
    }

    /// The provider's availability now: away mode, current absence, hours.
    public func availabilityStatus(providerId: String, now: Date = Date()) async throws -> ProviderAvailabilityStatus {
        try await database.read { db in try ProviderAccount.availabilityStatus(providerId: providerId, now: now, in: db) }
    }

    /// `POST /provider/availability`: away mode on or off.
    public func setAwayMode(
        providerId: String, away: Bool, until: Date?, message: String?, now: Date = Date()
    ) async throws -> ProviderAvailabilityStatus {
        try await database.write(now: now) { tx in
            try ProviderAccount.setAwayMode(providerId: providerId, away: away, until: until, message: message, in: tx)
        }
    }

    public func absences(providerId: String, from: Date?, to: Date?) async throws -> [ProviderAbsence] {
        try await database.read { db in try ProviderAccount.absences(providerId: providerId, from: from, to: to, in: db) }
    }

    public func addAbsence(
        providerId: String, start: Date, end: Date, reason: String?, notifyClients: Bool, now: Date = Date()
    ) async throws -> ProviderAbsence {
        try await database.write(now: now) { tx in
            try ProviderAccount.addAbsence(providerId: providerId, start: start, end: end, reason: reason, notifyClients: notifyClients, in: tx)
        }
    }

    public func deleteAbsence(providerId: String, absenceId: String, now: Date = Date()) async throws {
        try await database.write(now: now) { tx in try ProviderAccount.deleteAbsence(providerId: providerId, absenceId: absenceId, in: tx) }
    }

    public func catalogue(providerId: String) async throws -> ProviderCatalogue {
        try await database.read { db in
            let hubs = try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT z.hub_id FROM provider_zones pz JOIN zones z ON z.id = pz.zone_id
                    WHERE pz.provider_id = ? AND z.hub_id IS NOT NULL
                    """, arguments: [providerId])
            let zoneRows =
                hubs.isEmpty
                ? try Row.fetchAll(db, sql: "SELECT code, name FROM zones ORDER BY name")
                : try Row.fetchAll(
                    db, sql: "SELECT code, name FROM zones WHERE hub_id IN (\(databaseQuestionMarks(count: hubs.count))) ORDER BY name",
                    arguments: StatementArguments(hubs))
            let serviceRows = try Row.fetchAll(db, sql: "SELECT code, name_fr AS name FROM services WHERE active = 1 ORDER BY sort_order, name_fr")
            let entries = { (rows: [Row]) in rows.map { ProviderCatalogue.Entry(code: $0["code"], name: $0["name"]) } }
            return ProviderCatalogue(zones: entries(zoneRows), services: entries(serviceRows))
        }
    }

    /// The longest-standing active providers with their services, for operator listings.
    public func listing(limit: Int) async throws -> [ProviderListing] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT p.id, p.name, p.phone, group_concat(s.name_fr, ', ') AS services
                    FROM providers p
                    LEFT JOIN provider_services ps ON ps.provider_id = p.id
                    LEFT JOIN services s ON s.id = ps.service_id
                    WHERE p.account_status = \(OfferCandidate.AccountStatus.active.sqlLiteral)
                    GROUP BY p.id ORDER BY p.joined_at, p.id LIMIT ?
                    """, arguments: [limit]
            ).map { row in
                let services: String? = row["services"]
                return ProviderListing(
                    id: row["id"], name: row["name"], phone: row["phone"],
                    services: services?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? [])
            }
        }
    }
}
