import DjobeaDomain
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

@testable import DjobeaAuth

@Suite("Secrets at rest")
struct SecretStorageTests {
    @Test func neitherCodesNorRefreshTokensAppearInTheDatabase() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("djobea.sqlite").path
        let hub = try await AuthHarness(database: try NodeDatabase.open(path: path, role: .hub))

        try await hub.service.sendOTP(phone: AuthHarness.activePhone)
        // Queued but not yet sent: the message is sealed.
        let queued = try hub.database.readBlocking { db in try Row.fetchOne(db, sql: "SELECT * FROM notification_outbox") }
        #expect((queued?["sealed_content"] as String?)?.isEmpty == false)
        await hub.queue.deliverPending()
        let code = try #require(hub.notifier.lastCode(to: AuthHarness.activePhone))
        let pair = try await hub.service.verifyOTP(phone: AuthHarness.activePhone, code: code)
        let renewed = try await hub.service.refresh(refreshToken: pair.refreshToken)

        let secrets = [code, pair.refreshToken, renewed.refreshToken]
        let dump = try hub.database.readBlocking { db in try Self.dumpAllText(db) }
        for secret in secrets { #expect(!dump.contains(secret), "\(secret) found in a table") }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("djobea.sqlite") }
        #expect(!files.isEmpty)
        for file in files {
            let bytes = try Data(contentsOf: directory.appendingPathComponent(file))
            for secret in secrets { #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) found in \(file)") }
        }
        // The stored hash is the keyed HMAC of the code.
        let stored = try hub.database.readBlocking { db in
            try Row.fetchOne(db, sql: "SELECT id, code_hash, consumed_at FROM otp_challenges")
        }
        let row = try #require(stored)
        #expect(row["consumed_at"] as String? != nil)
        #expect(
            row["code_hash"]
                == OneTimeCode.hash(code, challengeId: row["id"], phone: AuthHarness.activePhone, purpose: .login, key: hub.keys.codeKey))
        // Sent messages keep no content.
        let sent = try hub.database.readBlocking { db in try Row.fetchOne(db, sql: "SELECT status, sealed_content FROM notification_outbox") }
        #expect(sent?["status"] == "sent")
        #expect((sent?["sealed_content"] as String?) == nil)
    }

    /// Every text value of every table, concatenated.
    static func dumpAllText(_ db: Database) throws -> String {
        var dump = ""
        for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") {
            for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") {
                for (_, value) in row { dump += "\(value)\n" }
            }
        }
        return dump
    }
}
