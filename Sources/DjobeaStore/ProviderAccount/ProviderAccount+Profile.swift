import DjobeaDomain
import Foundation
import GRDB

extension ProviderAccount {
    /// The most certifications one profile lists.
    static let maxCertifications = 20

    /// Applies the provider's own changes to their profile and returns the new profile.
    ///
    /// Checks ownership first (an ops-owned field that differs from the stored value is refused with
    /// `fieldNotOwned`), then every value, then writes with `tx.update(record, columns:)` naming only the columns
    /// whose value changed, so that only those reach the change log (plain fields are last-writer-wins per field,
    /// CONFLICTS.md rule 12). `updated_at` moves only when something changed. Any error rolls the whole transaction back.
    ///
    /// - Parameters:
    ///   - providerId: the calling provider; only their rows are read or written.
    ///   - tx: the write transaction; `tx.now` stamps `updated_at` and "not in the future" checks.
    @discardableResult
    public static func updateProfile(providerId: String, changes: ProfileChanges, in tx: SyncedTransaction) throws -> ProviderProfile {
        try AccountValidation.refuseUnknown(changes.unknownFields)
        let db = tx.db
        guard
            var provider = try ProviderRecord.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM providers WHERE id = ?"), arguments: [providerId])
        else { throw ProviderAccountError.notFound(resource: "provider") }
        let homeZone = try provider.homeZoneId.flatMap {
            try String.fetchOne(db.cachedStatement(sql: "SELECT code FROM zones WHERE id = ?"), arguments: [$0])
        }
        let offered = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT ps.*, s.code AS service_code FROM provider_services ps JOIN services s ON s.id = ps.service_id
                    WHERE ps.provider_id = ?
                    """),
            arguments: [providerId]
        ).map { (code: $0["service_code"] as String, service: try ProviderServiceRecord(row: $0)) }
        try refuseOpsOwnedChanges(
            changes, current: provider, homeZone: homeZone, offeredCodes: Set(offered.map(\.code)), providerId: providerId, db: db)

        // Plain provider columns, compared here so that `updated_at` moves only with a real change.
        var columns: [ProviderRecord.Columns] = []
        if let email = changes.email {
            let value = try validatedEmail(email, providerId: providerId, db: db)
            if value != provider.email {
                provider.email = value
                columns.append(.email)
            }
        }
        if let bio = changes.bio {
            let value = AccountValidation.cleaned(bio)
            if let value { try AccountValidation.requireLength(value, max: 2_000, field: "bio") }
            if value != provider.bio {
                provider.bio = value
                columns.append(.bio)
            }
        }
        if let photo = changes.photoSHA256 {
            var value: String?
            if AccountValidation.cleaned(photo) != nil {
                guard let hex = AccountValidation.normalizedSHA256(photo) else {
                    throw ProviderAccountError.invalidField(
                        field: "photo_sha256", reasonFR: "empreinte SHA-256 attendue (64 caractères hexadécimaux)")
                }
                value = hex
            }
            if value != provider.photoSha256 {
                provider.photoSha256 = value
                columns.append(.photoSha256)
            }
        }

        var changed = try applyRates(changes.rates ?? [], offered: offered, tx: tx)
        changed = try applyCertifications(changes, providerId: providerId, tx: tx) || changed
        if changed || !columns.isEmpty {
            provider.updatedAt = UTCTimestamp.format(tx.now)
            try tx.update(provider, columns: columns + [.updatedAt])
        }
        return try profile(providerId: providerId, in: db)
    }

    // MARK: - Steps

    /// Refuses any ops-owned field whose value differs from the stored one.
    private static func refuseOpsOwnedChanges(
        _ changes: ProfileChanges, current: ProviderRecord, homeZone: String?, offeredCodes: Set<String>, providerId: String, db: Database
    ) throws {
        func refuse(_ field: String, when differs: Bool) throws {
            if differs { throw ProviderAccountError.fieldNotOwned(field: field) }
        }
        if let name = changes.name { try refuse("name", when: name.trimmingCharacters(in: .whitespacesAndNewlines) != current.name) }
        if let phone = changes.phone { try refuse("phone", when: (PhoneNumber.normalizeCameroon(phone) ?? phone) != current.phone) }
        if let level = changes.level { try refuse("level", when: level != current.level.rawValue) }
        if let status = changes.accountStatus { try refuse("account_status", when: status != current.accountStatus.rawValue) }
        if let home = changes.homeZone { try refuse("home_zone", when: home != homeZone) }
        if changes.commissionTier != nil { try refuse("commission_tier", when: true) }
        if let services = changes.services { try refuse("services", when: Set(services) != offeredCodes) }
        if let zones = changes.zones {
            let stored = try String.fetchAll(
                db.cachedStatement(sql: "SELECT z.code FROM provider_zones pz JOIN zones z ON z.id = pz.zone_id WHERE pz.provider_id = ?"),
                arguments: [providerId])
            try refuse("zones", when: Set(zones) != Set(stored))
        }
    }

    /// The normalized address, nil to clear; refuses a malformed one and one used by another provider.
    private static func validatedEmail(_ text: String, providerId: String, db: Database) throws -> String? {
        guard AccountValidation.cleaned(text) != nil else { return nil }
        guard let email = AccountValidation.normalizedEmail(text) else {
            throw ProviderAccountError.invalidField(field: "email", reasonFR: "adresse e-mail invalide")
        }
        let taken =
            try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM providers WHERE lower(email) = ? AND id <> ?)"),
                arguments: [email, providerId]) ?? false
        if taken { throw ProviderAccountError.emailTaken }
        return email
    }

    /// Writes the indicative rates of services the provider offers; returns whether any changed.
    private static func applyRates(
        _ rates: [ProfileChanges.RateChange], offered: [(code: String, service: ProviderServiceRecord)], tx: SyncedTransaction
    ) throws -> Bool {
        let byCode = Dictionary(offered.map { ($0.code, $0.service) }, uniquingKeysWith: { first, _ in first })
        var seen: Set<String> = []
        var changed = false
        for rate in rates {
            guard seen.insert(rate.serviceCode).inserted else {
                throw ProviderAccountError.invalidField(field: "rates", reasonFR: "le service « \(rate.serviceCode) » apparaît deux fois")
            }
            guard var service = byCode[rate.serviceCode] else { throw ProviderAccountError.serviceNotOffered(code: rate.serviceCode) }
            try AccountValidation.requireRate(rate.rateMin, field: "rate_min")
            try AccountValidation.requireRate(rate.rateMax, field: "rate_max")
            if let low = rate.rateMin, let high = rate.rateMax, low > high {
                throw ProviderAccountError.invalidField(field: "rate_max", reasonFR: "le tarif maximum doit être supérieur ou égal au minimum")
            }
            service.rateMin = rate.rateMin.map(Int64.init)
            service.rateMax = rate.rateMax.map(Int64.init)
            changed = try tx.update(service, columns: [.rateMin, .rateMax]) || changed
        }
        return changed
    }

    /// Removes then adds certifications; returns whether any changed.
    private static func applyCertifications(_ changes: ProfileChanges, providerId: String, tx: SyncedTransaction) throws -> Bool {
        var changed = false
        for id in Set(changes.removeCertificationIds ?? []).sorted() {
            guard
                let certification = try ProviderCertificationRecord.fetchOne(
                    tx.db.cachedStatement(sql: "SELECT * FROM provider_certifications WHERE id = ? AND provider_id = ?"), arguments: [id, providerId])
            else { throw ProviderAccountError.notFound(resource: "certification") }
            try tx.delete(certification)
            changed = true
        }
        let additions = changes.addCertifications ?? []
        guard !additions.isEmpty else { return changed }
        let existing =
            try Int.fetchOne(
                tx.db.cachedStatement(sql: "SELECT count(*) FROM provider_certifications WHERE provider_id = ?"), arguments: [providerId]) ?? 0
        guard existing + additions.count <= maxCertifications else {
            throw ProviderAccountError.invalidField(field: "add_certifications", reasonFR: "\(maxCertifications) certifications au maximum")
        }
        let today = DoualaCalendar().dayKey(tx.now)
        for certification in additions {
            guard let title = AccountValidation.cleaned(certification.title) else {
                throw ProviderAccountError.invalidField(field: "title", reasonFR: "l'intitulé est obligatoire")
            }
            try AccountValidation.requireLength(title, max: 120, field: "title")
            let issuer = AccountValidation.cleaned(certification.issuer)
            if let issuer { try AccountValidation.requireLength(issuer, max: 120, field: "issuer") }
            var obtained: String?
            if let text = AccountValidation.cleaned(certification.obtainedOn) {
                guard let day = AccountValidation.dayKey(text), day <= today else {
                    throw ProviderAccountError.invalidField(field: "obtained_on", reasonFR: "date AAAA-MM-JJ passée attendue")
                }
                obtained = day
            }
            try tx.insert(
                ProviderCertificationRecord(id: DjobeaID.v7(now: tx.now), providerId: providerId, title: title, issuer: issuer, obtainedOn: obtained))
            changed = true
        }
        return changed
    }
}
