import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

/// The foundation's acceptance check, black-box: `djobea demo` on a real port, then the SQLite file it left.
@Suite("djobea demo end to end", .serialized)
struct DemoAcceptanceTests {
    @Test("demo fills an empty directory, serves /healthz, leaves a sound WAL database with 90 days for 20+ providers, and is reused")
    func demoEndToEnd() async throws {
        let directory = try temporaryDirectory("demo")
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try freePort()
        let demo = try ChildProcess(["demo", "--data", directory.path, "--port", "\(port)", "--host", "127.0.0.1"])
        let ready = await demo.waitForLine(timeout: 600) { $0.contains("prêt") }
        #expect(ready != nil, "demo did not start: \(demo.errorText.suffix(500))")
        #expect(demo.errorText.contains("Génération des données de démo"), "progress is shown while generating")
        #expect(demo.outputLines.contains { $0.contains("+237") }, "demo prints providers' phone numbers")

        let health = try await httpGet("http://127.0.0.1:\(port)/healthz")
        #expect(health.status == 200)
        #expect(try JSONCoding.decoder.decode(NodeHealth.self, from: health.body).role == "hub")
        demo.kill(SIGTERM)

        let path = directory.appendingPathComponent("djobea.sqlite").path
        let report = try Maintenance.inspect(path: path)
        #expect(report.integrity == "ok")
        #expect(report.foreignKeyViolations == 0)
        #expect(report.journalMode == "wal")
        let (days, providers, photos) = try await DatabaseQueue(path: path).read { db -> (Double, Int, Int) in
            let range = try Row.fetchOne(db, sql: "SELECT min(created_at) AS first, max(created_at) AS last FROM service_requests")
            let first = UTCTimestamp.parse(range?["first"] ?? "") ?? Date()
            let last = UTCTimestamp.parse(range?["last"] ?? "") ?? Date()
            let providers = try Int.fetchOne(db, sql: "SELECT count(DISTINCT provider_id) FROM missions WHERE provider_id IS NOT NULL") ?? 0
            let photos = try Int.fetchOne(db, sql: "SELECT count(*) FROM photos") ?? 0
            // The history reaches 90 days back and comes up to today (just after midnight in Douala, today's requests
            // may not have started yet: the span is measured to now, not to the last request).
            #expect(Date().timeIntervalSince(last) < 86_400, "the latest request is from the last day")
            return (Date().timeIntervalSince(first) / 86_400, providers, photos)
        }
        #expect(days >= 89, "requests reach back \(days) days")
        #expect(providers >= 20)
        #expect(photos > 0)
        let blobFiles = FileManager.default.enumerator(atPath: directory.appendingPathComponent("blobs").path)?.allObjects.count ?? 0
        #expect(blobFiles > 0, "photo bytes are in the blob store")

        let again = try ChildProcess(["demo", "--data", directory.path, "--port", "\(port)", "--host", "127.0.0.1"])
        defer { again.kill(SIGTERM) }
        let reused = await again.waitForLine(timeout: 60) { $0.contains("réutilisées") }
        #expect(reused != nil, "a second run reuses the data: \(again.errorText.suffix(300))")
    }
}
