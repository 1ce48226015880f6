import DjobeaDomain
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Logging
import Testing

@testable import DjobeaAuth

@Suite("Notification queue and console driver")
struct WhatsAppQueueTests {
    static let message = OutgoingMessage(to: "+237699000001", template: "otp_login", variables: ["code": "123456"], body: "Bonjour")

    func outboxRow(_ database: NodeDatabase) throws -> Row? {
        try database.readBlocking { db in try Row.fetchOne(db, sql: "SELECT * FROM notification_outbox") }
    }

    @Test func retriesAFailingNotifierWithBackoffAndDeliversLater() async throws {
        let database = try NodeDatabase.inMemory()
        let clock = FixedClock()
        let notifier = FlakyNotifier(failures: 3)
        let queue = WhatsAppQueue(
            database: database, notifier: notifier, keys: try TokenKeys(secret: AuthHarness.secret), clock: clock.function,
            logger: Logger(label: "test"))
        try await queue.enqueue(Self.message)
        let start = clock.now

        #expect(await queue.deliverPending() == .init(retried: 1))
        var row = try #require(try outboxRow(database))
        #expect(row["status"] == "pending")
        #expect(row["attempts"] == 1)
        #expect(row["last_error"] == "réseau indisponible")
        #expect(row["next_attempt_at"] == UTCTimestamp.format(start.addingTimeInterval(5)))
        #expect(try await queue.summary() == .init(pending: 1, sent: 0, failed: 0, expired: 0, lastError: "réseau indisponible"))
        // Not due yet: nothing is tried.
        clock.advance(4)
        #expect(await queue.deliverPending() == .init())
        clock.advance(1)
        #expect(await queue.deliverPending() == .init(retried: 1))
        row = try #require(try outboxRow(database))
        #expect(row["next_attempt_at"] == UTCTimestamp.format(clock.now.addingTimeInterval(10)))
        clock.advance(10)
        #expect(await queue.deliverPending() == .init(retried: 1))
        #expect(try outboxRow(database)?["next_attempt_at"] == UTCTimestamp.format(clock.now.addingTimeInterval(20)))
        clock.advance(20)
        #expect(await queue.deliverPending() == .init(sent: 1))
        row = try #require(try outboxRow(database))
        #expect(row["status"] == "sent")
        #expect(row["attempts"] == 4)
        #expect(row["last_error"] as String? == nil)
        #expect(notifier.recorder.messages == [Self.message])
        #expect(try await queue.summary() == .init(pending: 0, sent: 1, failed: 0, expired: 0, lastError: nil))
        #expect(await queue.deliverPending() == .init())
    }

    @Test func backoffIsExponentialAndCapped() {
        let backoff = WhatsAppQueue.Backoff(initial: 5, maximum: 900)
        #expect((1...9).map { backoff.delay(afterAttempt: $0) } == [5, 10, 20, 40, 80, 160, 320, 640, 900])
        #expect(backoff.delay(afterAttempt: 1000) == 900)
    }

    @Test func permanentFailuresAndExpiredMessagesAreRecordedNotDropped() async throws {
        let database = try NodeDatabase.inMemory()
        let clock = FixedClock()
        let keys = try TokenKeys(secret: AuthHarness.secret)
        let refused = WhatsAppQueue(
            database: database, notifier: FlakyNotifier(failures: 1, permanent: true), keys: keys, clock: clock.function, logger: Logger(label: "t"))
        try await refused.enqueue(Self.message)
        #expect(await refused.deliverPending() == .init(failed: 1))
        var row = try #require(try outboxRow(database))
        #expect(row["status"] == "failed")
        #expect(row["last_error"] == "numéro refusé par le fournisseur")

        // A code queued while the hub was cut off, past its expiry when the link returns.
        try await database.writer.write { db in try db.execute(sql: "DELETE FROM notification_outbox") }
        let offline = WhatsAppQueue(
            database: database, notifier: FlakyNotifier(failures: 100), keys: keys, clock: clock.function, logger: Logger(label: "t"))
        try await offline.enqueue(Self.message, expiresAt: clock.now.addingTimeInterval(300))
        for _ in 0..<5 {
            await offline.deliverPending()
            clock.advance(60)
        }
        #expect(await offline.deliverPending() == .init(expired: 1))
        row = try #require(try outboxRow(database))
        #expect(row["status"] == "expired")
        #expect(row["sealed_content"] as String? == nil)
    }

    @Test func runLoopDeliversWhenWokenAndStopsWhenCancelled() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let hub = try await AuthHarness()
        let console = ConsoleNotifier(outboxDirectory: directory, printsToStandardOutput: false)
        // Real time here: the loop sleeps on the real clock. Its idle interval is an hour, far beyond any wait below,
        // so a message reaching the outbox file can only have been delivered by a pass the enqueue woke.
        let queue = WhatsAppQueue(database: hub.database, notifier: console, keys: hub.keys, idleInterval: 3_600, logger: Logger(label: "t"))
        let service = await ProviderAuthService(
            database: hub.database, keys: hub.keys, seedKey: hub.seedKey, notifications: queue, settings: AuthHarness.fastSettings,
            logger: Logger(label: "t"))
        let loop = Task { await queue.run() }
        // The wait is about machine speed only (a loaded 2-core machine): it is a minute against the hour-long idle interval.
        func outboxLines(atLeast count: Int) async throws -> [Substring] {
            let started = ContinuousClock.now
            var lines: [Substring] = []
            while lines.count < count && ContinuousClock.now - started < .seconds(60) {
                try await Task.sleep(for: .milliseconds(5))
                lines = ((try? String(contentsOf: console.fileURL, encoding: .utf8)) ?? "").split(separator: "\n")
            }
            return lines
        }

        try await service.sendOTP(phone: AuthHarness.activePhone)
        let first = try await outboxLines(atLeast: 1)
        #expect(first.count == 1)
        #expect(first.first?.contains("\"to\":\"\(AuthHarness.activePhone)\"") == true, "the code went to the provider: \(first)")
        // The loop has now made at least one pass; each pass reads the due rows once, so this second message, queued
        // after the first reached the file, is delivered only by a later pass: the one its enqueue wakes.
        try await queue.enqueue(Self.message)
        let both = try await outboxLines(atLeast: 2)
        #expect(both.count == 2)
        #expect(both.last?.contains("\"to\":\"\(Self.message.to)\"") == true, "the woken loop delivered the second message: \(both)")
        loop.cancel()
        await loop.value
    }

    @Test func consoleWritesOneValidJSONLinePerMessage() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = FixedClock()
        let console = ConsoleNotifier(
            outboxDirectory: directory.appendingPathComponent("outbox"), printsToStandardOutput: false, clock: clock.function)
        let body = "Djobea : votre code est 123456.\nLigne 2 « guillemets » \"et\" \\ / é"
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask {
                    try await console.send(
                        OutgoingMessage(
                            to: "+2376990000\(String(format: "%02d", index))", template: "otp_login", variables: ["code": "\(index)"], body: body))
                }
            }
            try await group.waitForAll()
        }
        let data = try Data(contentsOf: console.fileURL)
        let lines = data.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == 50)
        #expect(data.last == UInt8(ascii: "\n"))
        var recipients: Set<String> = []
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            #expect(Set(object.keys) == ["to", "template", "variables", "body", "created_at"])
            #expect(object["body"] as? String == body)
            #expect(object["created_at"] as? String == UTCTimestamp.format(clock.now))
            recipients.insert(try #require(object["to"] as? String))
        }
        #expect(recipients.count == 50)
        let first = try #require(lines.first.map { String(decoding: $0, as: UTF8.self) })
        #expect(first.hasPrefix("{\"body\":"))
        let attributes = try FileManager.default.attributesOfItem(atPath: console.fileURL.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }
}
