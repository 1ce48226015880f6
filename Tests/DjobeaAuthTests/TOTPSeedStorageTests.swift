import DjobeaDomain
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import HummingbirdOTP
import Testing

@testable import DjobeaAuth
@testable import DjobeaStore

@Suite("TOTP seeds at rest and in the change log")
struct TOTPSeedStorageTests {
    @Test func theSeedIsInNoDatabaseFileNorInTheChangeLog() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("djobea.sqlite").path
        let hub = try await AuthHarness(database: try NodeDatabase.open(path: path, role: .hub))
        let setup = try await TOTPSetup.enable(hub)
        hub.clock.advance(30)
        _ = try await hub.service.loginWithPassword(
            email: AuthHarness.email, password: LoginLockoutTests.password, totp: setup.code(at: hub.clock.now))

        let stored = try #require(
            try hub.database.readBlocking { db in
                try String.fetchOne(db, sql: "SELECT totp_secret FROM provider_credentials WHERE provider_id = ?", arguments: [hub.activeId])
            })
        #expect(stored.hasPrefix("v1:"))
        #expect(try SealedSeed.open(stored, providerId: hub.activeId, key: hub.seedKey) == setup.secret)
        // What travels: the change log rows of provider_credentials hold the sealed text only.
        let logged = try hub.database.readBlocking { db in
            try String.fetchAll(db, sql: "SELECT columns FROM change_log WHERE table_name = 'provider_credentials'")
        }
        #expect(logged.contains { $0.contains("v1:") })
        let forms = [setup.secret, Base32.encode(setup.secret.utf8)]
        for row in logged { for form in forms { #expect(!row.contains(form)) } }
        let dump = try hub.database.readBlocking { db in try SecretStorageTests.dumpAllText(db) }
        for form in forms { #expect(!dump.contains(form), "seed found in a table") }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("djobea.sqlite") }
        #expect(!files.isEmpty)
        for file in files {
            let bytes = try Data(contentsOf: directory.appendingPathComponent(file))
            for form in forms { #expect(bytes.range(of: Data(form.utf8)) == nil, "seed found in \(file)") }
        }
    }

    @Test func aLegacyPlainSeedStillWorksAndIsSealedAtTheNextLogin() async throws {
        let hub = try await AuthHarness()
        try await hub.service.setPassword(providerId: hub.activeId, password: LoginLockoutTests.password)
        let plain = TOTPCheck.makeSecret(SeededRandom(seed: 9))
        // As written before sealing existed (through the change log, as every write to a synced table).
        try await hub.database.write(now: hub.clock.now) { tx in
            try CredentialRecords.set(totpSecret: plain, providerId: hub.activeId, in: tx)
        }
        let app = TOTP(secret: plain)
        _ = try await hub.service.loginWithPassword(
            email: AuthHarness.email, password: LoginLockoutTests.password, totp: String(format: "%06d", app.compute(date: hub.clock.now)))

        let (stored, lastLogged) = try hub.database.readBlocking { db in
            (
                try String.fetchOne(db, sql: "SELECT totp_secret FROM provider_credentials"),
                try String.fetchOne(db, sql: "SELECT columns FROM change_log WHERE table_name = 'provider_credentials' ORDER BY local_seq DESC")
            )
        }
        let sealed = try #require(stored)
        #expect(sealed.hasPrefix("v1:"))
        #expect(try SealedSeed.open(sealed, providerId: hub.activeId, key: hub.seedKey) == plain)
        #expect(lastLogged?.contains(sealed) == true, "the sealing went through the change log")
        hub.clock.advance(30)
        _ = try await hub.service.loginWithPassword(
            email: AuthHarness.email, password: LoginLockoutTests.password, totp: String(format: "%06d", app.compute(date: hub.clock.now)))
    }

    @Test func aProviderEnrolledAtOneHubLogsInAtAnotherAfterASync() async throws {
        let home = try await AuthHarness()
        let setup = try await TOTPSetup.enable(home)
        let changes = try await home.database.ownChanges(after: 0, maxBytes: 10_000_000).changes

        // Same deployment key: the sealed seed opens at the other hub.
        let other = try await AuthHarness(installsProviders: false)
        _ = try await other.database.applyRemote(changes, centralNodeId: home.database.nodeId)
        other.clock.advance(30)
        let pair = try await other.service.loginWithPassword(
            email: AuthHarness.email, password: LoginLockoutTests.password, totp: setup.code(at: other.clock.now))
        #expect(pair.providerId == home.activeId)

        // A hub given another key cannot read it: a stable 503, never a crash, and never a plain-text fallback.
        let misconfigured = try await AuthHarness(seedSecret: Array("a-different-key-for-this-misconfigured-hub!".utf8), installsProviders: false)
        _ = try await misconfigured.database.applyRemote(changes, centralNodeId: home.database.nodeId)
        misconfigured.clock.advance(30)
        let refused = try #require(
            await authError {
                try await misconfigured.service.loginWithPassword(
                    email: AuthHarness.email, password: LoginLockoutTests.password, totp: setup.code(at: misconfigured.clock.now))
            })
        #expect(refused.code == "totp_unavailable")
        #expect(refused.kind == .unavailable)
    }

    @Test func aSealedSeedOpensOnlyWithItsKeyAndForItsProvider() throws {
        let key = try TOTPSeedKey(secret: AuthHarness.seedSecret)
        let sealed = try SealedSeed.seal("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", providerId: "p1", key: key)
        #expect(try SealedSeed.open(sealed, providerId: "p1", key: key) == "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        #expect(sealed != (try SealedSeed.seal("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", providerId: "p1", key: key)), "a fresh nonce each time")
        #expect(throws: SealedSeed.OpenError.unreadable) { try SealedSeed.open(sealed, providerId: "p2", key: key) }
        let other = try TOTPSeedKey(secret: Array("another-deployment-key-another-deployment".utf8))
        #expect(throws: SealedSeed.OpenError.unreadable) { try SealedSeed.open(sealed, providerId: "p1", key: other) }
        var tampered = Array(sealed.utf8)
        tampered[10] = tampered[10] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: SealedSeed.OpenError.unreadable) {
            try SealedSeed.open(String(decoding: tampered, as: UTF8.self), providerId: "p1", key: key)
        }
        #expect(throws: SealedSeed.OpenError.unreadable) { try SealedSeed.open("v1:not base64!", providerId: "p1", key: key) }
        #expect(throws: TOTPSeedKeyError.secretTooShort(5)) { try TOTPSeedKey(secret: Array("court".utf8)) }
    }

    @Test func theSeedKeyComesFromTheEnvironmentElseAFileMadeOnce() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try TOTPSeedKey.load(environment: [:], dataDirectory: directory)
        let second = try TOTPSeedKey.load(environment: [:], dataDirectory: directory, random: SeededRandom(seed: 3))
        let sealed = try SealedSeed.seal("SEED", providerId: "p", key: first)
        #expect(try SealedSeed.open(sealed, providerId: "p", key: second) == "SEED")
        let file = directory.appendingPathComponent("secrets/totp.key")
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let shared = "shared-by-every-node-of-the-deployment-0123456789"
        let fromEnvironment = try TOTPSeedKey.load(environment: ["PROVIDER_TOTP_KEY": shared], dataDirectory: directory)
        #expect(
            try SealedSeed.open(
                try SealedSeed.seal("SEED", providerId: "p", key: fromEnvironment), providerId: "p", key: try TOTPSeedKey(secret: Array(shared.utf8)))
                == "SEED")
    }
}
