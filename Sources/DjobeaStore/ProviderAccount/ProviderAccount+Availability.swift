import DjobeaDomain
import Foundation
import GRDB

extension ProviderAccount {
    /// Shown to clients while a provider is away and has written no message of their own.
    public static let defaultAwayMessage = "Je suis absent, vos demandes sont transmises à un autre artisan."
    /// The furthest away mode may run.
    public static let maxAwayDuration: TimeInterval = 90 * 86_400
    /// The longest single absence.
    public static let maxAbsenceDuration: TimeInterval = 180 * 86_400

    // MARK: - Routing

    /// Whether `providerId` may be offered a request at `at`: account active, away mode off (or past its end),
    /// in no absence, and inside their working hours in Douala time (the seed's defaults without settings).
    ///
    /// For offer routing: one indexed statement (providers by id, settings by provider, absences by
    /// `(provider_id, starts_at, ends_at)`), no write. An unknown provider throws `notFound`.
    public static func isAvailable(providerId: String, at: Date, in db: Database) throws -> Bool {
        try availability(providerId: providerId, at: at, in: db) == .available
    }

    /// Like `isAvailable`, with the first reason that makes the provider unavailable.
    public static func availability(providerId: String, at: Date, in db: Database) throws -> Availability {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT p.account_status, p.away_mode, p.away_until, s.working_hours,
                            EXISTS (SELECT 1 FROM absences a WHERE a.provider_id = p.id AND a.starts_at <= ?1 AND a.ends_at > ?1) AS absent
                        FROM providers p LEFT JOIN provider_settings s ON s.provider_id = p.id WHERE p.id = ?2
                        """), arguments: [UTCTimestamp.format(at), providerId])
        else { throw ProviderAccountError.notFound(resource: "provider") }
        if OfferCandidate.AccountStatus(rawValue: row["account_status"]) != .active { return .suspended }
        if row["away_mode"] as Bool {
            let until: String? = row["away_until"]
            if until.flatMap(UTCTimestamp.parse).map({ $0 > at }) ?? true { return .away }
        }
        if row["absent"] as Bool { return .absent }
        let hoursJSON: String? = row["working_hours"]
        // The domain's reading of the stored hours, the same as offer routing's.
        let hours = hoursJSON.flatMap(WorkingHours.init(json:)) ?? .seedDefault
        return hours.contains(at) ? .available : .outsideWorkingHours
    }

    // MARK: - Away mode

    /// The provider's availability at `now`, with their away mode, current absence and hours.
    public static func availabilityStatus(providerId: String, now: Date, in db: Database) throws -> ProviderAvailabilityStatus {
        let status = try availability(providerId: providerId, at: now, in: db)
        guard let provider = try ProviderRecord.fetchOne(db, sql: "SELECT * FROM providers WHERE id = ?", arguments: [providerId])
        else { throw ProviderAccountError.notFound(resource: "provider") }
        let current = try AbsenceRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM absences WHERE provider_id = ?1 AND starts_at <= ?2 AND ends_at > ?2 ORDER BY starts_at LIMIT 1"),
            arguments: [providerId, UTCTimestamp.format(now)]
        ).map(ProviderAbsence.init)
        return ProviderAvailabilityStatus(
            awayMode: provider.awayMode, awayUntil: provider.awayUntil, awayMessage: provider.awayMessage, status: status.rawValue,
            statusLabel: status.labelFR, currentAbsence: current, workingHours: try settings(providerId: providerId, in: db).workingHours)
    }

    /// Turns away mode on until `until` (in the future, at most 90 days ahead) with `message` (at most 300
    /// characters, a French default when nil or empty), or off (clearing both). Offers go to other providers
    /// meanwhile; away mode ends by itself at `until`.
    @discardableResult
    public static func setAwayMode(
        providerId: String, away: Bool, until: Date?, message: String?, in tx: SyncedTransaction
    ) throws -> ProviderAvailabilityStatus {
        guard var provider = try ProviderRecord.fetchOne(tx.db, sql: "SELECT * FROM providers WHERE id = ?", arguments: [providerId])
        else { throw ProviderAccountError.notFound(resource: "provider") }
        let stored = provider
        (provider.awayMode, provider.awayUntil, provider.awayMessage) = (false, nil, nil)
        if away {
            guard let until else { throw ProviderAccountError.invalidField(field: "until", reasonFR: "indiquez la date de retour") }
            guard until > tx.now else { throw ProviderAccountError.invalidField(field: "until", reasonFR: "la date de retour doit être future") }
            guard until.timeIntervalSince(tx.now) <= maxAwayDuration else {
                throw ProviderAccountError.invalidField(field: "until", reasonFR: "90 jours au maximum")
            }
            let text = AccountValidation.cleaned(message) ?? defaultAwayMessage
            try AccountValidation.requireLength(text, max: 300, field: "message")
            (provider.awayMode, provider.awayUntil, provider.awayMessage) = (true, UTCTimestamp.format(until), text)
        }
        // `updated_at` moves only with a real change, so that a save that changes nothing leaves no trace in the change log.
        if provider != stored {
            provider.updatedAt = UTCTimestamp.format(tx.now)
            try tx.update(provider, columns: [.awayMode, .awayUntil, .awayMessage, .updatedAt])
        }
        return try availabilityStatus(providerId: providerId, now: tx.now, in: tx.db)
    }

    // MARK: - Absences

    /// The provider's absences that overlap `[from, to)` (either end open when nil), earliest first.
    public static func absences(providerId: String, from: Date?, to: Date?, in db: Database) throws -> [ProviderAbsence] {
        if let from, let to, to < from { throw ProviderAccountError.invalidField(field: "to", reasonFR: "la fin doit suivre le début") }
        return try AbsenceRecord.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT * FROM absences WHERE provider_id = ?1 AND (?2 IS NULL OR ends_at > ?2) AND (?3 IS NULL OR starts_at < ?3)
                    ORDER BY starts_at, id
                    """), arguments: [providerId, from.map(UTCTimestamp.format), to.map(UTCTimestamp.format)]
        ).map(ProviderAbsence.init)
    }

    /// Records an absence `[start, end)`: it may not start before today (Douala), must end after it starts and
    /// after now, lasts at most 180 days, and may not overlap another of the provider's absences.
    @discardableResult
    public static func addAbsence(
        providerId: String, start: Date, end: Date, reason: String?, notifyClients: Bool, in tx: SyncedTransaction
    ) throws -> ProviderAbsence {
        try requireProvider(providerId, in: tx.db)
        guard end > start else { throw ProviderAccountError.invalidField(field: "ends_at", reasonFR: "la fin doit suivre le début") }
        guard start >= DoualaCalendar().startOfDay(tx.now), end > tx.now else {
            throw ProviderAccountError.invalidField(field: "starts_at", reasonFR: "une absence ne peut pas être dans le passé")
        }
        guard end.timeIntervalSince(start) <= maxAbsenceDuration else {
            throw ProviderAccountError.invalidField(field: "ends_at", reasonFR: "180 jours au maximum")
        }
        let reason = AccountValidation.cleaned(reason)
        if let reason { try AccountValidation.requireLength(reason, max: 200, field: "reason") }
        if let overlapping = try String.fetchOne(
            tx.db.cachedStatement(sql: "SELECT id FROM absences WHERE provider_id = ? AND starts_at < ? AND ends_at > ? ORDER BY starts_at LIMIT 1"),
            arguments: [providerId, UTCTimestamp.format(end), UTCTimestamp.format(start)])
        {
            throw ProviderAccountError.absenceOverlap(existingId: overlapping)
        }
        let absence = AbsenceRecord(
            id: DjobeaID.v7(now: tx.now), providerId: providerId, startsAt: UTCTimestamp.format(start), endsAt: UTCTimestamp.format(end),
            reason: reason, notifyClients: notifyClients, createdAt: UTCTimestamp.format(tx.now))
        try tx.insert(absence)
        if notifyClients { try GatewayReplies.absenceNotices(providerId: providerId, until: end, reason: reason, in: tx) }
        return ProviderAbsence(absence)
    }

    /// Deletes one of the provider's current or future absences (a tombstone travels by sync). Another
    /// provider's absence, or none, is `notFound`; one already over is kept (`absenceEnded`).
    public static func deleteAbsence(providerId: String, absenceId: String, in tx: SyncedTransaction) throws {
        guard
            let absence = try AbsenceRecord.fetchOne(
                tx.db.cachedStatement(sql: "SELECT * FROM absences WHERE id = ? AND provider_id = ?"), arguments: [absenceId, providerId])
        else { throw ProviderAccountError.notFound(resource: "absence") }
        if let end = UTCTimestamp.parse(absence.endsAt), end <= tx.now { throw ProviderAccountError.absenceEnded }
        try tx.delete(absence)
    }
}
