import Crypto
import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A hub whose disk is lost, rebuilt from central: `djobea central enroll-hub --replace`, then a new machine enrolled
/// with the token gets the hub's whole partition and its photo files back.
@Suite("A hub rebuilt from central after its disk is lost (real processes)", .serialized)
struct HubReplaceProcessTests {
    typealias P = NodeProcess
    typealias Ops = OpsProcessTests

    /// The synced tables a hub's partition is made of, compared row for row between the old hub and its replacement.
    static let tables = [
        "hubs", "zones", "services", "providers", "clients", "service_requests", "request_offers", "mission_events", "missions", "photos",
        "invoices", "invoice_lines", "ledger_entries", "messages",
    ]

    static func rows(_ directory: URL) throws -> [String: Set<String>] {
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("djobea.sqlite").path, configuration: P.readOnly)
        return try queue.read { db in
            var rows: [String: Set<String>] = [:]
            for table in tables {
                rows[table] = Set(try String.fetchAll(db, sql: "SELECT \(table == "missions" ? "request_id" : "id") FROM \(table)"))
            }
            return rows
        }
    }

    @Test("enroll-hub --replace: the old machine is refused, ops is told what never reached central, the new one gets every row and photo back")
    func rebuiltFromCentral() async throws {
        let root = try temporaryDirectory("hub-replace")
        defer { try? FileManager.default.removeItem(at: root) }
        let centralDir = root.appendingPathComponent("central")
        let (oldDir, newDir) = (root.appendingPathComponent("hub-old"), root.appendingPathComponent("hub-new"))
        let (centralPort, hubPort) = (try freePort(), try freePort())
        let centralURL = "http://127.0.0.1:\(centralPort)"
        let central = try await GatewayProcessTests.startCentral(centralDir, port: centralPort)
        defer { central.kill(SIGTERM) }
        setenv("DJOBEA_SYNC_INTERVAL", "0.5", 1)
        let oldHub = try await P.startHub(
            oldDir, port: hubPort, central: centralURL, token: try await P.enrolToken(centralDir, name: "Hub A", zones: "zone-a"))
        let hubURL = "http://127.0.0.1:\(hubPort)"
        let (phone, client) = ("+237690000901", "+237677000901")
        _ = try await Ops.provider(centralURL, name: "Paul Électricien", phone: phone, zones: ["zone-a"])
        let requestId = try await Ops.request(centralURL, client: client)
        #expect(try await P.eventually { try P.count(oldDir, "SELECT count(*) FROM request_offers WHERE request_id = ?", [requestId]) == 1 })
        let bearer = ["Authorization": "Bearer \(try await P.login(hub: hubURL, directory: oldDir, phone: phone))"]
        #expect(try await P.send("PUT", "\(hubURL)/provider/requests/\(requestId)/accept", headers: bearer).status == 200)

        // A photo taken at the hub, and the invoice with its client page link.
        let photo = TinyImages.jpeg(width: 64, height: 48)
        let hash = SHA256.hash(data: photo).map { String(format: "%02x", $0) }.joined()
        var upload = URLRequest(url: try #require(URL(string: "\(hubURL)/provider/uploads/\(hash)?offset=0&size=\(photo.count)")))
        upload.httpMethod = "PUT"
        upload.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        for (name, value) in bearer { upload.setValue(value, forHTTPHeaderField: name) }
        upload.httpBody = Data(photo)
        let (_, uploaded) = try await URLSession.shared.data(for: upload)
        #expect((uploaded as? HTTPURLResponse)?.statusCode == 200)
        let attached = try await P.send(
            "POST", "\(hubURL)/provider/requests/\(requestId)/photos",
            json: ["kind": "before", "sha256": hash, "mime": "image/jpeg", "width": 64, "height": 48, "taken_at": UTCTimestamp.format(Date())],
            headers: bearer)
        #expect(attached.status == 201, "\(attached)")
        for stage in ["arrived", "diagnosed", "repairing"] {
            #expect(
                try await P.send("PUT", "\(hubURL)/provider/requests/\(requestId)/update-status", json: ["stage": stage], headers: bearer).status
                    == 200)
        }
        #expect(
            try await P.send("POST", "\(hubURL)/provider/requests/\(requestId)/payment-request", json: ["labour": 12_000], headers: bearer).status
                == 201)
        // Central holds everything, the photo's file included.
        let centralBlob = centralDir.appendingPathComponent("blobs/\(hash.prefix(2))/\(hash.dropFirst(2).prefix(2))/\(hash)")
        #expect(
            try await P.eventually(60) {
                try P.count(centralDir, "SELECT count(*) FROM invoices WHERE request_id = ?", [requestId]) == 1
                    && FileManager.default.fileExists(atPath: centralBlob.path)
            }, "central has the invoice and the photo file")
        var link: String?
        #expect(
            try await P.eventually(60) {
                link =
                    GatewayProcessTests.outbox(centralDir, to: client).compactMap { message in
                        message.text.split(separator: " ").first { $0.hasPrefix(centralURL + "/c/") }.map { String($0) }
                    }.last
                return link != nil
            }, "the client got the invoice's link")
        let invoiceLink = try #require(link)
        #expect(try await P.send("GET", invoiceLink).status == 200)
        // Wait until central holds every row the hub has (nothing pending at the hub when its disk dies).
        var before: [String: Set<String>] = [:]
        #expect(
            try await P.eventually(60) {
                before = try Self.rows(oldDir)
                let atCentral = try Self.rows(centralDir)
                return Self.tables.allSatisfy { before[$0]?.isSubset(of: atCentral[$0] ?? []) == true }
            }, "central holds the hub's rows")

        // The disk dies.
        oldHub.kill(SIGKILL)
        try FileManager.default.removeItem(at: oldDir)

        let replaced = try await runDjobea(["central", "enroll-hub", "--data", centralDir.path, "--name", "Hub A", "--replace"])
        #expect(replaced.status == 0, "\(replaced.err)")
        #expect(replaced.out.contains("Hub « Hub A » remplacé"), "\(replaced.out)")
        #expect(replaced.out.contains("dernier contact") && replaced.out.contains("Zones : zone-a."), "\(replaced.out)")
        let token = try #require(replaced.out.split(separator: "\n").first { $0.hasPrefix("djh1_") }.map(String.init))

        let newHub = try await P.startHub(newDir, port: hubPort, central: centralURL, token: token)
        defer { newHub.kill(SIGTERM) }
        let newBlob = newDir.appendingPathComponent("blobs/\(hash.prefix(2))/\(hash.dropFirst(2).prefix(2))/\(hash)")
        var after: [String: Set<String>] = [:]
        #expect(
            try await P.eventually(120) {
                after = try Self.rows(newDir)
                return Self.tables.allSatisfy { before[$0]?.isSubset(of: after[$0] ?? []) == true }
                    && FileManager.default.fileExists(atPath: newBlob.path)
            }, "the new machine has every row of the old hub's partition and the photo file")
        for table in Self.tables { #expect(before[table]?.subtracting(after[table] ?? []) == [], "\(table)") }
        #expect(try Data(contentsOf: newBlob) == Data(photo))
        // The provider carries on at the new machine; the link the client already has still opens.
        let newBearer = ["Authorization": "Bearer \(try await P.login(hub: hubURL, directory: newDir, phone: phone))"]
        let detail = try await P.send("GET", "\(hubURL)/provider/requests/\(requestId)", headers: newBearer)
        #expect(detail.status == 200)
        #expect(try await P.send("GET", invoiceLink).status == 200, "links sent before the replacement still open")
    }
}
