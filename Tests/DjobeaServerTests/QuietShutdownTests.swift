import DjobeaDemo
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import Testing

/// A normal stop (SIGTERM) is not an incident: the node exits 0 without a single error-level log line, even when the
/// stop lands in the middle of an offer sweep.
@Suite("Quiet shutdown under SIGTERM", .serialized)
struct QuietShutdownTests {
    /// The level of a swift-log `StreamLogHandler` line (`<timestamp> <level> <label> : …`), if it is one.
    static func level(_ line: Substring) -> String? {
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].contains("T"), parts[0].first?.isNumber == true else { return nil }
        return String(parts[1])
    }

    @Test("a hub stopped by SIGTERM while routing hundreds of requests exits 0 and logs no error")
    func sigtermDuringOfferRouting() async throws {
        let directory = try temporaryDirectory("shutdown")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try NodeDatabase.open(path: directory.appendingPathComponent("djobea.sqlite").path, role: .hub)
        _ = try DemoGenerator(seed: 11, days: 3, now: Date()).generate(into: database, photos: nil) { _ in }
        // Hundreds of new requests: the sweep at start writes one transaction for each, long enough to be interrupted.
        let (zone, service) = try await database.read { db in
            (
                try String.fetchOne(db, sql: "SELECT code FROM zones ORDER BY code LIMIT 1") ?? "",
                try String.fetchOne(db, sql: "SELECT code FROM services ORDER BY code LIMIT 1") ?? ""
            )
        }
        for index in 0..<600 {
            let fields: [String: Any] = [
                "zone": zone, "service": service, "urgency": "aujourd_hui", "description": "Demande \(index) : le robinet fuit.",
                "address": "Bonamoussadi", "client_name": "Client \(index)", "client_phone": "+2376990\(String(format: "%05d", index))",
            ]
            let intake = try JSONCoding.decoder.decode(RequestIntakeBody.self, from: JSONSerialization.data(withJSONObject: fields)).intake
            _ = try await IntakeStore(database).intakeRequest(intake)
        }
        let port = try freePort()
        let hub = try ChildProcess(
            ["hub", "--data", directory.path, "--port", "\(port)", "--host", "127.0.0.1"], environment: ["LOG_LEVEL": "debug"])
        let ready = await hub.waitForLine(timeout: 180) { $0.contains("à l'écoute") }
        #expect(ready != nil, "hub did not start: \(hub.errorText)")
        try await Task.sleep(for: .milliseconds(100))
        hub.kill(SIGTERM, grace: 30)
        #expect(hub.process.terminationReason == .exit)
        #expect(hub.process.terminationStatus == 0, "\(hub.errorText.suffix(2_000))")
        let lines = hub.outputLines.map { Substring($0) } + hub.errorText.split(separator: "\n")
        #expect(lines.contains { $0.contains("offers.service.started") }, "offer routing ran")
        let loud = lines.filter { ["error", "critical"].contains(Self.level($0)) }
        #expect(loud.isEmpty, "error-level lines at shutdown: \(loud.count), first: \(loud.prefix(3))")
    }
}
