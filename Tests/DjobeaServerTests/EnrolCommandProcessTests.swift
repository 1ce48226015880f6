import DjobeaTestSupport
import Foundation
import Testing

/// The operator's first step as the guide gives it: `djobea sync --once --central URL --enroll TOKEN` enrols the hub and
/// brings its partition in one command that ends by itself; the service then starts with nothing more to give.
@Suite("Enrolment in one command (real processes)", .serialized)
struct EnrolCommandProcessTests {
    typealias P = NodeProcess
    typealias Ops = OpsProcessTests

    @Test("sync --once --enroll: a French line for a bad token, then enrolled and synced in one run; the hub then starts from its saved link")
    func enrolAndFirstSync() async throws {
        let root = try temporaryDirectory("enrol-command")
        defer { try? FileManager.default.removeItem(at: root) }
        let centralDir = root.appendingPathComponent("central")
        let hubDir = root.appendingPathComponent("var/lib/djobea")
        let (centralPort, hubPort) = (try freePort(), try freePort())
        let centralURL = "http://127.0.0.1:\(centralPort)"
        let central = try await GatewayProcessTests.startCentral(centralDir, port: centralPort)
        defer { central.kill(SIGTERM) }
        // Enrolment names the hub's zones, which central creates if new.
        let token = try await P.enrolToken(centralDir, name: "Makèpè", zones: "zone-a")
        _ = try await Ops.provider(centralURL, name: "Paul Électricien", phone: "+237690000931", zones: ["zone-a"])
        let requestId = try await Ops.request(centralURL, client: "+237677000931")

        let refused = try await runDjobea(["sync", "--once", "--data", hubDir.path, "--central", centralURL, "--enroll", "djh1_pas-le-bon"])
        #expect(refused.status != 0)
        #expect(refused.err.hasPrefix("djobea: Enrôlement refusé"), "\(refused.err)")
        #expect(refused.err.split(separator: "\n").count == 1, "one line: \(refused.err)")
        #expect(!FileManager.default.fileExists(atPath: hubDir.appendingPathComponent("central-link.json").path))

        let enrolled = try await runDjobea(["sync", "--once", "--data", hubDir.path, "--central", centralURL, "--enroll", token], timeout: 180)
        #expect(enrolled.status == 0, "\(enrolled.err)")
        #expect(enrolled.out.contains("Hub enrôlé auprès du central : « Makèpè », zones zone-a."), "\(enrolled.out)")
        #expect(enrolled.out.contains("Synchronisé en "), "\(enrolled.out)")
        #expect(try P.count(hubDir, "SELECT count(*) FROM service_requests WHERE id = ?", [requestId]) == 1, "the partition came with it")
        #expect(FileManager.default.fileExists(atPath: hubDir.appendingPathComponent("central-link.json").path))

        // The service's command: no URL, no token.
        let hub = try ChildProcess(["hub", "--data", hubDir.path, "--port", "\(hubPort)", "--host", "127.0.0.1"])
        defer { hub.kill(SIGTERM) }
        let syncing = await hub.waitForLine(timeout: 180) { $0.contains("Synchronisation avec le central") }
        #expect(syncing?.contains("\(centralURL) (hub « Makèpè », zones zone-a)") == true, "\(hub.outputLines) \(hub.errorText.suffix(400))")
    }
}
