import DjobeaDomain
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Provider account: profile")
struct ProviderAccountProfileTests {
    let now = AccountFixture.date("2026-11-25T14:00:00.000Z")

    func update(_ fixture: AccountFixture, _ changes: ProfileChanges, provider: String? = nil) throws -> ProviderProfile {
        try fixture.database.writeBlocking(now: now) { tx in
            try ProviderAccount.updateProfile(providerId: provider ?? fixture.providerId, changes: changes, in: tx)
        }
    }

    func profile(_ fixture: AccountFixture, provider: String? = nil) throws -> ProviderProfile {
        try fixture.database.readBlocking { db in try ProviderAccount.profile(providerId: provider ?? fixture.providerId, in: db) }
    }

    @Test("the profile shows identity, level, zones, services with rates, certifications and ratings")
    func read() throws {
        let fixture = try AccountFixture()
        let mission = try fixture.completedMission(total: 10_000, completedAt: AccountFixture.date("2026-11-02T10:00:00.000Z"))
        _ = try fixture.database.writeBlocking(now: AccountFixture.date("2026-11-02T12:00:00.000Z")) { tx in
            try tx.insert(
                .ratings,
                [
                    "id": .text(DjobeaID.v7()), "request_id": .text(mission.request), "client_id": .text(fixture.clientId),
                    "provider_id": .text(fixture.providerId), "stars": 4, "created_at": "2026-11-02T12:00:00.000Z",
                ])
        }
        let profile = try profile(fixture)
        #expect(profile.name == "Jean Kouam" && profile.phone == "+237699000001" && profile.email == "jean@example.cm")
        #expect(profile.level == "argent" && profile.levelLabel == "Argent")
        #expect(profile.accountStatus == "active" && profile.accountStatusLabel == "Actif")
        #expect(profile.homeZone == .init(code: "denver", name: "Denver"))
        #expect(profile.zones.map(\.code) == ["denver", "kotto"])
        #expect(profile.services.map(\.code) == ["plomberie", "electricite"])
        #expect(profile.services[0].rateMin == 5_000 && profile.services[0].rateMaxLabel == XAF(30_000).formatted)
        #expect(profile.services[1].rateMin == nil && profile.services[1].rateMinLabel == nil)
        #expect(profile.averageRating == 4 && profile.ratingCount == 1)
        #expect(profile.memberSince == "2026-10-01T08:00:00.000Z")

        let json = String(decoding: try snakeCaseEncoder().encode(profile), as: UTF8.self)
        // Nil optionals are left out by the synthesized encoder (photo_sha256 here).
        for key in ["\"level_label\"", "\"rate_min\"", "\"member_since\"", "\"average_rating\"", "\"home_zone\""] {
            #expect(json.contains(key), "missing \(key)")
        }
        expectAccountError(.notFound(resource: "provider")) { _ = try self.profile(fixture, provider: DjobeaID.v7()) }
    }

    @Test("provider-owned fields change; only the changed columns reach the change log")
    func updateOwnFields() throws {
        let fixture = try AccountFixture()
        let before = try fixture.changes("providers").count
        let hash = String(repeating: "ab", count: 32)
        let updated = try update(fixture, ProfileChanges(bio: "  Plombier depuis 2010.  ", photoSHA256: hash.uppercased()))
        #expect(updated.bio == "Plombier depuis 2010.")
        #expect(updated.photoSHA256 == hash)
        let logged = try fixture.changes("providers").dropFirst(before)
        #expect(logged.count == 1)
        #expect(logged.first.map { Set($0.columns.keys) } == ["bio", "photo_sha256", "updated_at"])
        #expect(logged.first?.op == "update")

        // The same values again: nothing is written, nothing logged.
        let total = try LoggedChange.all(in: fixture.database).count
        _ = try update(fixture, ProfileChanges(bio: "Plombier depuis 2010.", photoSHA256: hash, name: "Jean Kouam"))
        #expect(try LoggedChange.all(in: fixture.database).count == total)

        // An empty string clears; the e-mail is normalized.
        let cleared = try update(fixture, ProfileChanges(email: " Jean.Kouam@Example.CM ", bio: ""))
        #expect(cleared.bio == nil)
        #expect(cleared.email == "jean.kouam@example.cm")
        #expect(cleared.updatedAt == UTCTimestamp.format(now))
    }

    @Test("ops-owned fields are refused when they change, accepted when sent back unchanged")
    func opsOwned() throws {
        let fixture = try AccountFixture()
        let refused: [(ProfileChanges, String)] = [
            (ProfileChanges(name: "Jean K."), "name"), (ProfileChanges(phone: "+237 6 99 00 00 09"), "phone"),
            (ProfileChanges(level: "platine"), "level"), (ProfileChanges(accountStatus: "suspended"), "account_status"),
            (ProfileChanges(homeZone: "kotto"), "home_zone"), (ProfileChanges(zones: ["denver"]), "zones"),
            (ProfileChanges(services: ["plomberie", "electricite", "electromenager"]), "services"),
            (ProfileChanges(commissionTier: "vip"), "commission_tier"),
        ]
        for (changes, field) in refused {
            expectAccountError(.fieldNotOwned(field: field)) { _ = try update(fixture, changes) }
        }
        let same = ProfileChanges(
            bio: "Nouveau", name: "Jean Kouam", phone: "699 00 00 01", level: "argent", accountStatus: "active", homeZone: "denver",
            zones: ["kotto", "denver"], services: ["electricite", "plomberie"])
        #expect(try update(fixture, same).bio == "Nouveau")
        // A refused change rolls the whole save back.
        expectAccountError(.fieldNotOwned(field: "level")) { _ = try update(fixture, ProfileChanges(bio: "Autre", level: "or")) }
        #expect(try profile(fixture).bio == "Nouveau")
    }

    @Test("rates and certifications in one save; keys the request named that the command does not know are refused")
    func ratesCertificationsAndUnknownKeys() throws {
        let fixture = try AccountFixture()
        let changes = ProfileChanges(
            bio: "Électricien", rates: [.init(serviceCode: "electricite", rateMin: 3000, rateMax: 9000)],
            addCertifications: [.init(title: "CAP Électricité", obtainedOn: "2015-06-30")])
        let updated = try update(fixture, changes)
        #expect(updated.services.first { $0.code == "electricite" }?.rateMax == 9_000)
        #expect(updated.certifications.map(\.title) == ["CAP Électricité"])

        var unknown = ProfileChanges(bio: "x")
        unknown.unknownFields = ["biography", "level_label"]
        expectAccountError(.unknownField(field: "biography")) { _ = try update(fixture, unknown) }
        #expect(try profile(fixture).bio == "Électricien")
        expectAccountError(.fieldNotOwned(field: "zones")) { _ = try update(fixture, ProfileChanges(zones: ["makepe"])) }
    }

    @Test("each provider-owned value is validated")
    func validation() throws {
        let fixture = try AccountFixture()
        func invalid(_ field: String, _ changes: ProfileChanges) {
            do {
                _ = try update(fixture, changes)
                Issue.record("accepted an invalid \(field)")
            } catch let error as ProviderAccountError {
                #expect(error.code == "invalid_field" && error.field == field, "\(error)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        invalid("bio", ProfileChanges(bio: String(repeating: "é", count: 2_001)))
        #expect(try update(fixture, ProfileChanges(bio: String(repeating: "é", count: 2_000))).bio?.count == 2_000)
        invalid("photo_sha256", ProfileChanges(photoSHA256: "abc"))
        invalid("photo_sha256", ProfileChanges(photoSHA256: String(repeating: "g", count: 64)))
        for email in ["jean", "jean@", "@example.cm", "jean@example", "jean kouam@example.cm", "jean@@example.cm", "jean@-x.cm", "jean@example.c"] {
            invalid("email", ProfileChanges(email: email))
        }
        invalid("rate_max", ProfileChanges(rates: [.init(serviceCode: "plomberie", rateMin: 9_000, rateMax: 8_000)]))
        invalid("rate_min", ProfileChanges(rates: [.init(serviceCode: "plomberie", rateMin: -1, rateMax: 8_000)]))
        invalid("rate_max", ProfileChanges(rates: [.init(serviceCode: "plomberie", rateMin: 0, rateMax: 10_000_001)]))
        invalid(
            "rates",
            ProfileChanges(rates: [.init(serviceCode: "plomberie", rateMin: 1, rateMax: 2), .init(serviceCode: "plomberie", rateMin: 1, rateMax: 3)]))
        expectAccountError(.serviceNotOffered(code: "electromenager")) {
            _ = try update(fixture, ProfileChanges(rates: [.init(serviceCode: "electromenager", rateMin: 1, rateMax: 2)]))
        }
        invalid("title", ProfileChanges(addCertifications: [.init(title: "  ")]))
        invalid("title", ProfileChanges(addCertifications: [.init(title: String(repeating: "x", count: 121))]))
        invalid("obtained_on", ProfileChanges(addCertifications: [.init(title: "CAP", obtainedOn: "2026-11-26")]))
        invalid("obtained_on", ProfileChanges(addCertifications: [.init(title: "CAP", obtainedOn: "2026-02-30")]))
        invalid("add_certifications", ProfileChanges(addCertifications: Array(repeating: .init(title: "CAP"), count: 21)))

        // Bounds are inclusive; one bound may be left open.
        let rates = try update(fixture, ProfileChanges(rates: [.init(serviceCode: "plomberie", rateMin: 0, rateMax: 10_000_000)])).services[0]
        #expect(rates.rateMin == 0 && rates.rateMax == 10_000_000)
        #expect(
            try update(fixture, ProfileChanges(rates: [.init(serviceCode: "plomberie", rateMin: 7_000, rateMax: nil)])).services[0].rateMax == nil)
    }

    @Test("an e-mail used by another provider is refused, whatever its case")
    func emailTaken() throws {
        let fixture = try AccountFixture()
        expectAccountError(.emailTaken) { _ = try update(fixture, ProfileChanges(email: "PAUL@example.cm")) }
        #expect(ProviderAccountError.emailTaken.kind == .conflict)
        // Their own address again is fine.
        #expect(try update(fixture, ProfileChanges(email: "Jean@Example.cm")).email == "jean@example.cm")
    }

    @Test("certifications are added and removed; another provider's certification is not found")
    func certifications() throws {
        let fixture = try AccountFixture()
        let added = try update(
            fixture, ProfileChanges(addCertifications: [.init(title: "CAP Plomberie", issuer: "Lycée technique de Douala", obtainedOn: "2012-06-30")])
        )
        let mine = try #require(added.certifications.first)
        #expect(mine.issuer == "Lycée technique de Douala" && mine.obtainedOn == "2012-06-30")
        let theirs = try update(fixture, ProfileChanges(addCertifications: [.init(title: "BTS")]), provider: fixture.otherProviderId)
        let theirId = try #require(theirs.certifications.first?.id)

        expectAccountError(.notFound(resource: "certification")) { _ = try update(fixture, ProfileChanges(removeCertificationIds: [theirId])) }
        #expect(try profile(fixture, provider: fixture.otherProviderId).certifications.count == 1)
        let removed = try update(fixture, ProfileChanges(removeCertificationIds: [mine.id]))
        #expect(removed.certifications.isEmpty)
        #expect(try fixture.changes("provider_certifications").last?.op == "delete")
        // Changing only a certification still moves the profile's updated_at.
        #expect(removed.updatedAt == UTCTimestamp.format(now))
    }

    @Test("rates are written with tx.update: one logged change of the changed column")
    func ratesLogged() throws {
        let fixture = try AccountFixture()
        let before = try fixture.changes("provider_services").count
        _ = try update(fixture, ProfileChanges(rates: [.init(serviceCode: "plomberie", rateMin: 5_000, rateMax: 35_000)]))
        let logged = try fixture.changes("provider_services").dropFirst(before)
        #expect(logged.map { $0.columns } == [["rate_max": .integer(35_000)]])
    }
}
