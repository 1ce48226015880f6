import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Logging
import Testing

/// What a node writes to its logs: quiet by default, one JSON object per line with `--log-format json`.
@Suite("Node logs: JSON for collectors, quiet at start", .serialized)
struct NodeLogsProcessTests {
    /// The JSON object of a line, if it is one with the five keys of `--log-format json`.
    static func logObject(_ line: Substring) -> [String: Any]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let time = object["time"] as? String, UTCTimestamp.parse(time) != nil, time.hasSuffix("Z"),
            let level = object["level"] as? String, Logger.Level(rawValue: level) != nil,
            object["label"] is String, object["message"] is String, object["metadata"] is [String: Any]
        else { return nil }
        return object
    }

    @Test("a JSON line survives quotes, new lines, control characters and nested metadata")
    func jsonLine() throws {
        let message = "Il a dit \"bonjour\"\nà 8 h\t\u{1}\\ fin"
        let metadata: Logger.Metadata = ["liste": ["a", "b\"c"], "objet": ["clé": "valeur"], "nombre": "\(42)"]
        let line = JSONLogHandler.line(time: Date(), level: .warning, label: "djobea.test", message: message, metadata: metadata)
        #expect(!line.contains("\n"))
        let object = try #require(Self.logObject(Substring(line)), "\(line)")
        #expect(object["message"] as? String == message)
        #expect(object["level"] as? String == "warning")
        let decoded = try #require(object["metadata"] as? [String: Any])
        #expect(decoded["liste"] as? [String] == ["a", "b\"c"])
        #expect((decoded["objet"] as? [String: String])?["clé"] == "valeur")
        #expect(line.hasPrefix("{\"time\":\""), "time first, for a reader")
    }

    @Test("djobea hub --log-format json: every line on stdout and stderr is a JSON object with time, level, label, message, metadata")
    func hubLogsJSON() async throws {
        let directory = try temporaryDirectory("logs-json")
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try freePort()
        let hub = try ChildProcess(
            ["hub", "--data", directory.path, "--port", "\(port)", "--host", "127.0.0.1", "--log-format", "json"],
            environment: ["LOG_LEVEL": "debug"])
        let ready = await hub.waitForLine(timeout: 180) { $0.contains("à l'écoute") }
        #expect(ready != nil, "hub did not start: \(hub.errorText.suffix(2_000))")
        let health = try await httpGet("http://127.0.0.1:\(port)/healthz")
        #expect(health.status == 200)
        hub.kill(SIGTERM, grace: 30)
        #expect(hub.process.terminationStatus == 0, "\(hub.errorText.suffix(2_000))")
        let stdout = hub.outputLines.map { Substring($0) }.filter { !$0.isEmpty }
        let stderr = hub.errorText.split(separator: "\n")
        #expect(stdout.count >= 2, "the announced lines")
        #expect(stderr.count >= 3, "debug logs of a start and a stop: \(stderr)")
        let notJSON = (stdout + stderr).filter { Self.logObject($0) == nil }
        #expect(notJSON.isEmpty, "lines that are not JSON log objects: \(notJSON.prefix(3))")
        let objects = (stdout + stderr).compactMap(Self.logObject)
        #expect(objects.contains { ($0["message"] as? String)?.contains("à l'écoute sur http://") == true })
        #expect(objects.contains { $0["label"] as? String == "djobea.hub" })
        #expect(objects.contains { (($0["metadata"] as? [String: Any]) ?? [:]).isEmpty == false }, "metadata comes as an object")

        // The default stays the human format.
        let human = try ChildProcess(["hub", "--data", directory.path, "--port", "\(try freePort())", "--host", "127.0.0.1"])
        let humanReady = await human.waitForLine(timeout: 180) { $0.contains("à l'écoute") }
        human.kill(SIGTERM, grace: 30)
        #expect(humanReady?.hasPrefix("Hub ") == true, "\(humanReady ?? human.errorText)")

        let refused = try await runDjobea(["hub", "--data", directory.path, "--log-format", "xml"])
        #expect(refused.status != 0)
        #expect(refused.err.contains("--log-format xml"), "\(refused.err)")
    }

    @Test("a hub whose database holds 300 requests to expire logs one sweep line at start, not one per request")
    func expiredRequestsQuiet() async throws {
        let directory = try temporaryDirectory("logs-expired")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try NodeDatabase.open(path: directory.appendingPathComponent("djobea.sqlite").path, role: .hub)
        try await IntakeStore(database).seedReferenceData()
        // A zone (with its hub row) for the requests, and no provider at all.
        _ = try await database.enrolHub(name: "Hub sans prestataire", zoneCodes: ["zone-vide"])
        let (zone, service) = try await database.read { db in
            (
                try String.fetchOne(db, sql: "SELECT code FROM zones ORDER BY code LIMIT 1") ?? "",
                try String.fetchOne(db, sql: "SELECT code FROM services ORDER BY code LIMIT 1") ?? ""
            )
        }
        // No provider at all: the first sweep expires every request ("aucun prestataire").
        for index in 0..<300 {
            let fields: [String: Any] = [
                "zone": zone, "service": service, "urgency": "aujourd_hui", "description": "Demande \(index) : la porte ferme mal.",
                "address": "Bonamoussadi", "client_name": "Client \(index)", "client_phone": "+2376991\(String(format: "%05d", index))",
            ]
            let intake = try JSONCoding.decoder.decode(RequestIntakeBody.self, from: JSONSerialization.data(withJSONObject: fields)).intake
            _ = try await IntakeStore(database).intakeRequest(intake)
        }
        let port = try freePort()
        let hub = try ChildProcess(["hub", "--data", directory.path, "--port", "\(port)", "--host", "127.0.0.1"], unsetting: ["LOG_LEVEL"])
        let ready = await hub.waitForLine(timeout: 180) { $0.contains("à l'écoute") }
        #expect(ready != nil, "hub did not start: \(hub.errorText.suffix(2_000))")
        let deadline = Date().addingTimeInterval(120)
        while !hub.errorText.contains("offers.sweep"), hub.process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        hub.kill(SIGTERM, grace: 30)
        let stderr = hub.errorText.split(separator: "\n")
        let sweep = stderr.filter { $0.contains("offers.sweep") }
        #expect(sweep.count == 1, "one summary line: \(sweep)")
        #expect(sweep.first?.contains("expired_requests=300") == true, "\(sweep)")
        #expect(!stderr.contains { $0.contains("offers.request.expired") }, "no line per expired request")
        #expect(stderr.count + hub.outputLines.count < 40, "\(stderr.count) lines on stderr: \(stderr.prefix(5))")
    }
}
