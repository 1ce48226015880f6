import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaSync
import DjobeaTestSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Every write that records money or a mission step takes an `Idempotency-Key`: the same key and body answer the first
/// result and write nothing, the same key with another body is refused, and the OpenAPI document says so.
@Suite("Idempotency-Key on money and mission writes", .serialized)
struct IdempotencyTests: ReadsJSONResponses {
    /// `headers` with `Idempotency-Key: key`.
    static func withKey(_ headers: HTTPFields, _ key: String) -> HTTPFields {
        var headers = headers
        if let name = HTTPField.Name("Idempotency-Key") { headers[name] = key }
        return headers
    }

    /// Writes that need no key: setting a call's note is idempotent by itself (a PUT of the whole note).
    static let naturallyIdempotent: Set<String> = ["put /provider/requests/{request_id}/calls/{call_id}"]

    @Test("the OpenAPI document declares Idempotency-Key (header) on every provider request write and central's payment and request actions")
    func openAPIDeclaresTheKey() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let storage = try NodeStorage.temporary("idempotency", role: .central, inMemory: true)
        defer { try? FileManager.default.removeItem(at: storage.directory.url) }
        let logger = Logger(label: "test")
        let hubDocs = harness.node().routes().docs
        let centralDocs = Node(
            role: .central, configuration: storage.configuration(), storage: storage, logger: logger,
            central: CentralServices(sync: CentralSyncService(database: storage.database, logger: logger), apiKey: "k")
        ).routes().docs
        var checked: [String] = []
        // The OpenAPI document is read as raw JSON on purpose: its key names are what is checked.
        for docs in [hubDocs, centralDocs] {
            let document = try #require(try JSONSerialization.jsonObject(with: docs.json()) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            for (path, operations) in paths {
                // A provider's request and mission writes; central's payments (and their reversal) and request actions.
                let recordsWork = ["/provider/requests", "/central/payments", "/central/requests/{request_id}/"].contains { path.hasPrefix($0) }
                for (method, operation) in operations where ["post", "put", "delete", "patch"].contains(method) && recordsWork {
                    guard !Self.naturallyIdempotent.contains("\(method) \(path)") else { continue }
                    let parameters = (operation as? [String: Any])?["parameters"] as? [[String: Any]] ?? []
                    let key = parameters.first { $0["name"] as? String == "Idempotency-Key" }
                    #expect(key?["in"] as? String == "header", "\(method.uppercased()) \(path) declares Idempotency-Key as a header")
                    let errors = ((operation as? [String: Any])?["responses"] as? [String: Any])?["4XX"] as? [String: Any]
                    #expect(
                        (errors?["description"] as? String)?.contains("idempotency_key_reused") == true,
                        "\(method.uppercased()) \(path) lists idempotency_key_reused")
                    let unavailable = ((operation as? [String: Any])?["responses"] as? [String: Any])?["503"] as? [String: Any]
                    #expect(
                        (unavailable?["description"] as? String)?.contains("stockage_plein") == true,
                        "\(method.uppercased()) \(path) documents the 503 of refusing storage")
                    checked.append("\(method) \(path)")
                }
            }
        }
        for expected in [
            "post /provider/requests/walk-in", "post /provider/requests/{request_id}/payments", "put /provider/requests/{request_id}/accept",
            "put /provider/requests/{request_id}/decline", "put /provider/requests/{request_id}/update-status",
            "post /provider/requests/{request_id}/payment-request", "post /provider/requests/{request_id}/materials",
            "post /provider/requests/{request_id}/timer", "post /provider/requests/{request_id}/photos",
            "post /provider/requests/{request_id}/message", "post /central/payments", "post /central/payments/{payment_id}/reverse",
            "post /central/requests/{request_id}/cancel", "post /central/requests/{request_id}/reassign",
        ] {
            #expect(checked.contains(expected), "\(expected) is among the operations checked")
        }
    }

    @Test("walk-in, provider payment and a mission step: the same key and body replay, another body is refused, nothing doubles")
    func providerWritesReplay() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let owner = try #require(harness.providers.first)
        let (zone, service) = try await harness.database.read { db -> (String, String) in
            let zone = try String.fetchOne(
                db,
                sql: """
                    SELECT z.code FROM zones z JOIN providers p ON p.id = ?1
                    WHERE z.hub_id = p.hub_id OR (p.hub_id IS NULL AND z.id IN (SELECT zone_id FROM provider_zones WHERE provider_id = ?1))
                    ORDER BY z.code LIMIT 1
                    """, arguments: [owner.id])
            return (zone ?? "", try String.fetchOne(db, sql: "SELECT code FROM services ORDER BY code LIMIT 1") ?? "")
        }
        try await harness.application().test(.live) { client in
            let token = try await harness.login(client, phone: owner.phone)
            func keyed(_ key: String) -> HTTPFields {
                Self.withKey(harness.bearer(token), key)
            }
            // Walk-in: the second send (the phone's outbox after a lost answer) gets the same request, nothing new.
            let walkIn: [String: Any] = [
                "zone": zone, "service": service, "urgency": "aujourd_hui", "description": "Le robinet de la cuisine fuit.",
                "address": "Bonamoussadi, carrefour Kotto", "client_name": "Awa Ngo", "client_phone": "+237677000177",
            ]
            let first = try await client.execute(
                uri: "/provider/requests/walk-in", method: .post, headers: keyed("walk-1"), body: harness.body(walkIn))
            #expect(first.status == .created)
            let requestId = try decode(CreatedId.self, first).id
            let changes = try harness.changeCount()
            // The same object with its keys in another order and other spacing is the same body.
            let reordered = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: walkIn, options: [.sortedKeys, .prettyPrinted]))
            let again = try await client.execute(uri: "/provider/requests/walk-in", method: .post, headers: keyed("walk-1"), body: reordered)
            #expect(again.status == .created)
            #expect(try decode(CreatedId.self, again).id == requestId)
            #expect(try harness.changeCount() == changes, "a replay writes nothing")
            let other = try await client.execute(
                uri: "/provider/requests/walk-in", method: .post, headers: keyed("walk-1"),
                body: harness.body(walkIn.merging(["client_phone": "+237677000178"]) { $1 }))
            #expect(other.status == .unprocessableContent)
            #expect(Self.errorCode(other) == "idempotency_key_reused")
            #expect(Self.errorMessage(other) == "Clé d'idempotence déjà utilisée pour une autre action")
            #expect(try harness.changeCount() == changes)

            // A cash payment for that request: recorded once.
            let payment: [String: Any] = ["method": "cash", "amount": 7_500]
            let paid = try await client.execute(
                uri: "/provider/requests/\(requestId)/payments", method: .post, headers: keyed("pay-1"), body: harness.body(payment))
            #expect(paid.status == .created)
            let entryId = try decode(CreatedId.self, paid).id
            let afterPayment = try harness.changeCount()
            let paidAgain = try await client.execute(
                uri: "/provider/requests/\(requestId)/payments", method: .post, headers: keyed("pay-1"), body: harness.body(payment))
            #expect(paidAgain.status == .created)
            #expect(try decode(CreatedId.self, paidAgain).id == entryId)
            let otherAmount = try await client.execute(
                uri: "/provider/requests/\(requestId)/payments", method: .post, headers: keyed("pay-1"),
                body: harness.body(["method": "cash", "amount": 75_000]))
            #expect(otherAmount.status == .unprocessableContent)
            #expect(Self.errorCode(otherAmount) == "idempotency_key_reused")
            let entries = try await harness.database.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger_entries WHERE request_id = ?", arguments: [requestId]) ?? 0
            }
            #expect(entries == 1, "one payment, whatever the retries")
            #expect(try harness.changeCount() == afterPayment)
            // Without a key, each send is a new payment (the key is what makes a retry safe).
            let unkeyed = try await client.execute(
                uri: "/provider/requests/\(requestId)/payments", method: .post, headers: harness.bearer(token), body: harness.body(payment))
            #expect(unkeyed.status == .created)
            #expect(try decode(CreatedId.self, unkeyed).id != entryId)

            // A mission step that already had its key replay: another body under the same key is now refused too.
            let start = UTCTimestamp.format(Date())
            let timer = try await client.execute(
                uri: "/provider/requests/\(requestId)/timer", method: .post, headers: keyed("timer-1"),
                body: harness.body(["action": "start", "at": start]))
            #expect(timer.status == .ok)
            let timerAgain = try await client.execute(
                uri: "/provider/requests/\(requestId)/timer", method: .post, headers: keyed("timer-1"),
                body: harness.body(["action": "start", "at": start]))
            #expect(timerAgain.status == .ok)
            #expect(try decode(MissionTimerResult.self, timerAgain).replayed)
            let timerOther = try await client.execute(
                uri: "/provider/requests/\(requestId)/timer", method: .post, headers: keyed("timer-1"),
                body: harness.body(["action": "start", "at": UTCTimestamp.format(Date().addingTimeInterval(-60))]))
            #expect(timerOther.status == .unprocessableContent)
            #expect(Self.errorCode(timerOther) == "idempotency_key_reused")
            let message = try await client.execute(
                uri: "/provider/requests/\(requestId)/message", method: .post, headers: keyed("msg-1"),
                body: harness.body(["body": "J'arrive dans 10 minutes."]))
            #expect(message.status == .ok)
            let messageOther = try await client.execute(
                uri: "/provider/requests/\(requestId)/message", method: .post, headers: keyed("msg-1"),
                body: harness.body(["body": "J'arrive dans 20 minutes."]))
            #expect(Self.errorCode(messageOther) == "idempotency_key_reused")
        }
    }

    @Test("POST /central/payments with a key: the platform's retry records one payment; another body under the key is refused")
    func centralPaymentReplays() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application().test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let linkA = try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: nodes.hubA)
            let engineA = SyncedNodes.engine(nodes.hubA, linkA)
            let provider = try await SyncedNodes.post(
                client, "/central/providers", ["name": "Jean Plombier", "phone": "+237690000001", "services": ["plomberie"], "zones": ["zone-a"]])
            let providerId = try decode(CreatedId.self, provider).id
            let created = try await SyncedNodes.post(
                client, "/central/requests",
                [
                    "zone": "zone-a", "service": "plomberie", "urgency": "urgent", "description": "Fuite sous l'évier",
                    "address": "Bonamoussadi, carrefour Kotto", "client_name": "Awa Ndiaye", "client_phone": "+237677000002",
                ])
            let requestId = try decode(CreatedId.self, created).id
            _ = try await engineA.syncOnce()
            try await nodes.hubA.write { tx in
                _ = try tx.appendMissionEvent(
                    requestId: requestId, kind: .accepted, actorRole: .provider, actorId: providerId, providerId: providerId)
            }
            _ = try await engineA.syncOnce()

            func pay(_ key: String, amount: Int) async throws -> TestResponse {
                let headers = Self.withKey([.authorization: "Bearer \(SyncedNodes.apiKey)", .contentType: "application/json"], key)
                let body: [String: Any] = ["request_id": requestId, "method": "mtn_momo", "reference": "MP240101.1234.B00001", "amount": amount]
                return try await client.execute(
                    uri: "/central/payments", method: .post, headers: headers,
                    body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            }
            let first = try await pay("platform-tx-1", amount: 12_000)
            #expect(first.status == .created)
            let entryId = try decode(CreatedId.self, first).id
            let retry = try await pay("platform-tx-1", amount: 12_000)
            #expect(retry.status == .created)
            #expect(try decode(CreatedId.self, retry).id == entryId)
            let other = try await pay("platform-tx-1", amount: 13_000)
            #expect(other.status == .unprocessableContent)
            #expect(Self.errorCode(other) == "idempotency_key_reused")
            #expect(try SyncedNodes.count(nodes.central, "SELECT count(*) FROM ledger_entries WHERE request_id = ?", [requestId]) == 1)
        }
    }
}
