import DjobeaDomain
import Foundation
import GRDB

/// A provider's profile as the app shows it (`GET /provider/profile`).
///
/// Provider-owned: email, bio, photo, indicative rates, certifications. Ops-owned (read only here): name, phone,
/// level, account status, zones, services (CONFLICTS.md, "Who decides what").
public struct ProviderProfile: Codable, Sendable, Hashable {
    public struct ZoneRef: Codable, Sendable, Hashable {
        public var code: String
        public var name: String
    }

    /// A service the provider offers, with the indicative rates they show clients.
    public struct ServiceRate: Codable, Sendable, Hashable {
        public var code: String
        public var name: String
        public var rateMin: Int?
        public var rateMinLabel: String?
        public var rateMax: Int?
        public var rateMaxLabel: String?
    }

    public struct Certification: Codable, Sendable, Hashable {
        public var id: String
        public var title: String
        public var issuer: String?
        /// "YYYY-MM-DD".
        public var obtainedOn: String?
    }

    public var id: String
    public var name: String
    /// E.164.
    public var phone: String
    public var email: String?
    public var bio: String?
    public var photoSHA256: String?
    public var level: String
    public var levelLabel: String
    /// "active" or "suspended".
    public var accountStatus: String
    public var accountStatusLabel: String
    public var homeZone: ZoneRef?
    public var zones: [ZoneRef]
    public var services: [ServiceRate]
    public var certifications: [Certification]
    /// UTC ISO time the provider joined.
    public var memberSince: String
    /// Rounded to 0.01; nil without ratings.
    public var averageRating: Double?
    public var ratingCount: Int
    public var awayMode: Bool
    public var awayUntil: String?
    public var awayMessage: String?
    public var updatedAt: String

    static func accountStatusLabel(_ status: String) -> String {
        status == "suspended" ? "Suspendu" : "Actif"
    }
}

extension ProviderAccount {
    /// The profile of `providerId`, or `notFound`.
    public static func profile(providerId: String, in db: Database) throws -> ProviderProfile {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT p.*, z.code AS home_zone_code, z.name AS home_zone_name,
                            (SELECT avg(stars) FROM ratings WHERE provider_id = p.id) AS average_rating,
                            (SELECT count(*) FROM ratings WHERE provider_id = p.id) AS rating_count
                        FROM providers p LEFT JOIN zones z ON z.id = p.home_zone_id WHERE p.id = ?
                        """), arguments: [providerId])
        else { throw ProviderAccountError.notFound(resource: "provider") }

        let zones = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT z.code, z.name FROM provider_zones pz JOIN zones z ON z.id = pz.zone_id WHERE pz.provider_id = ? ORDER BY z.name, z.code"
            ), arguments: [providerId]
        ).map { ProviderProfile.ZoneRef(code: $0["code"], name: $0["name"]) }
        let services = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT s.code, s.name_fr, ps.rate_min, ps.rate_max FROM provider_services ps JOIN services s ON s.id = ps.service_id
                    WHERE ps.provider_id = ? ORDER BY s.sort_order, s.code
                    """), arguments: [providerId]
        ).map { row in
            let low: Int? = row["rate_min"]
            let high: Int? = row["rate_max"]
            return ProviderProfile.ServiceRate(
                code: row["code"], name: row["name_fr"], rateMin: low, rateMinLabel: low.map { XAF($0).formatted }, rateMax: high,
                rateMaxLabel: high.map { XAF($0).formatted })
        }
        let certifications = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT id, title, issuer, obtained_on FROM provider_certifications WHERE provider_id = ? ORDER BY obtained_on DESC, id"),
            arguments: [providerId]
        ).map { ProviderProfile.Certification(id: $0["id"], title: $0["title"], issuer: $0["issuer"], obtainedOn: $0["obtained_on"]) }

        let levelText: String = row["level"]
        let status: String = row["account_status"]
        let homeCode: String? = row["home_zone_code"]
        let average: Double? = row["average_rating"]
        return ProviderProfile(
            id: row["id"], name: row["name"], phone: row["phone"], email: row["email"], bio: row["bio"], photoSHA256: row["photo_sha256"],
            level: levelText, levelLabel: ProviderLevel(rawValue: levelText)?.labelFR ?? levelText, accountStatus: status,
            accountStatusLabel: ProviderProfile.accountStatusLabel(status),
            homeZone: homeCode.map { ProviderProfile.ZoneRef(code: $0, name: row["home_zone_name"]) }, zones: zones, services: services,
            certifications: certifications, memberSince: row["joined_at"], averageRating: average.map { ($0 * 100).rounded() / 100 },
            ratingCount: row["rating_count"], awayMode: row["away_mode"], awayUntil: row["away_until"], awayMessage: row["away_message"],
            updatedAt: row["updated_at"])
    }
}
