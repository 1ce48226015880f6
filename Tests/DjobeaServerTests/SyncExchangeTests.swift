import AsyncHTTPClient
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

/// Central and two hubs over real HTTP on loopback (central in-process on a live port, hubs as sync clients).
@Suite("Sync between central and hubs over HTTP", .serialized)
struct SyncExchangeTests {
    @Test("a request for zone a reaches hub A and never hub B; an accept at A and a payment recorded on both sides converge")
    func zoneRequestAcceptAndDuplicatePayment() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application().test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let linkA = try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: nodes.hubA)
            let linkB = try await SyncClient.enroll(centralURL: base, token: nodes.enrolB.token, database: nodes.hubB)
            #expect(linkA.zones == ["zone-a"])
            let reused = await #expect(throws: SyncError.self) {
                _ = try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: nodes.hubB)
            }
            #expect(reused?.code == "sync_enrolment_invalid")
            // The same hub asking again (its first answer was lost to a crash or a cut) gets the same credential.
            let again = try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: nodes.hubA)
            #expect(again.secret == linkA.secret)
            let engineA = SyncedNodes.engine(nodes.hubA, linkA)
            let engineB = SyncedNodes.engine(nodes.hubB, linkB)

            let provider = try await SyncedNodes.post(
                client, "/central/providers",
                ["name": "Jean Plombier", "phone": "+237690000001", "services": ["plomberie"], "zones": ["zone-a"]])
            #expect(provider.status == .created)
            let providerId = try decode(CreatedId.self, provider).id
            let created = try await SyncedNodes.post(
                client, "/central/requests",
                [
                    "zone": "zone-a", "service": "plomberie", "urgency": "urgent", "description": "Fuite sous l'évier",
                    "address": "Bonamoussadi, carrefour Kotto", "client_name": "Awa Ndiaye", "client_phone": "+237677000002",
                    "budget_min": 5000, "budget_max": 15000,
                ])
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let requestId = try decode(CreatedId.self, created).id

            _ = try await engineA.syncOnce()
            _ = try await engineB.syncOnce()
            #expect(try SyncedNodes.count(nodes.hubA, "SELECT count(*) FROM service_requests WHERE id = ?", [requestId]) == 1)
            #expect(try SyncedNodes.count(nodes.hubA, "SELECT count(*) FROM providers WHERE id = ?", [providerId]) == 1)
            #expect(try SyncedNodes.count(nodes.hubA, "SELECT count(*) FROM clients") == 1)
            #expect(try SyncedNodes.count(nodes.hubA, "SELECT count(*) FROM missions WHERE request_id = ? AND status = 'nouvelle'", [requestId]) == 1)
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM service_requests") == 0, "hub B never sees zone a's request")
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM clients") == 0)
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM providers") == 0)
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM services") > 0, "reference data reaches every hub")

            // The provider accepts at hub A; central learns it at the next sync.
            try await nodes.hubA.write { tx in
                _ = try tx.appendMissionEvent(
                    requestId: requestId, kind: .accepted, actorRole: .provider, actorId: providerId, providerId: providerId)
            }
            _ = try await engineA.syncOnce()
            let status = try await client.execute(
                uri: "/central/requests/\(requestId)", method: .get, headers: [.authorization: "Bearer \(SyncedNodes.apiKey)"])
            let statusBody = try decode(CentralRequestStatus.self, status)
            #expect(statusBody.status == "acceptee")
            #expect(statusBody.providerId == providerId)

            // The same MoMo transaction recorded at the hub and at central: one payment on both, one conflict.
            _ = try await IntakeStore(nodes.hubA).recordPayment(
                PaymentIntake(requestId: requestId, method: "mtn_momo", reference: "MP240101.1234.A00001", amount: 12_000), recordedBy: .provider)
            let payment = try await SyncedNodes.post(
                client, "/central/payments", ["request_id": requestId, "method": "mtn_momo", "reference": "MP240101.1234.A00001", "amount": 12_000])
            #expect(payment.status == .created)
            _ = try await engineA.syncOnce()
            _ = try await engineB.syncOnce()
            for node in [nodes.central, nodes.hubA] {
                #expect(try SyncedNodes.count(node, "SELECT count(*) FROM ledger_entries WHERE request_id = ?", [requestId]) == 2)
                let paid = try await IntakeStore(node).requestStatus(id: requestId)?.paid
                #expect(paid == 12_000, "one payment, not two")
            }
            #expect(try SyncedNodes.count(nodes.central, "SELECT count(*) FROM sync_conflicts WHERE table_name = 'ledger_entries'") == 1)
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM ledger_entries") == 0)
            // The provider is told, in French; nobody else sees it.
            let told = try await RequestStore(nodes.hubA).conflicts(providerId: providerId).items
            #expect(told.contains { $0.requestId == requestId && !$0.message.isEmpty })
            #expect(try await RequestStore(nodes.hubA).conflicts(providerId: DjobeaID.v7()).items.isEmpty)
            // Converged: a further round moves nothing.
            let idle = try await engineA.syncOnce()
            #expect(idle.pushed == 0 && idle.pulled == 0)
        }
    }

    @Test("sync requests are refused unsigned, badly signed, replayed, or from a revoked hub; changes outside the partition are quarantined")
    func syncAuthenticationAndPartition() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application().test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let linkA = try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: nodes.hubA)
            let pull = PullRequest(schemaVersion: 1, cursor: 0, maxBytes: 65_536, pendingOut: 0, oldestPendingAt: nil)
            let body = try WireCodec.encode(pull)
            func raw(_ headers: HTTPFields) async throws -> (Int, String) {
                var all = headers
                all[.contentEncoding] = "gzip"
                let response = try await client.execute(uri: "/sync/v1/pull", method: .post, headers: all, body: ByteBuffer(bytes: body))
                return (Int(response.status.code), (try? decode(APIErrorBody.self, response))?.error.code ?? "")
            }
            #expect(try await raw([:]) == (401, "sync_unauthenticated"))
            let time = Date().unixMillis
            func signed(counter: Int64, secret: String) -> HTTPFields {
                [
                    HTTPField.Name(SyncSignature.Header.hub)!: linkA.hubId, HTTPField.Name(SyncSignature.Header.counter)!: String(counter),
                    HTTPField.Name(SyncSignature.Header.time)!: String(time),
                    HTTPField.Name(SyncSignature.Header.signature)!: SyncSignature.sign(
                        secret: secret, method: "POST", path: "/sync/v1/pull", hubId: linkA.hubId, counter: counter, time: time, body: body),
                ]
            }
            #expect(try await raw(signed(counter: 5, secret: "pas-le-bon-secret")) == (401, "sync_unauthenticated"))
            #expect(try await raw(signed(counter: 5, secret: linkA.secret)).0 == 200)
            #expect(try await raw(signed(counter: 5, secret: linkA.secret)) == (401, "sync_replayed"), "the same signed request again")
            #expect(try await raw(signed(counter: 4, secret: linkA.secret)) == (401, "sync_replayed"))

            // A hub may not write outside its zones: a request for zone b pushed by hub A is kept in central's log,
            // quarantined (its link does not wedge), never merged, never served to hub B; ops gets a conflict.
            let zoneB = try #require(
                try nodes.central.readBlocking { db in try String.fetchOne(db, sql: "SELECT id FROM zones WHERE code = 'zone-b'") })
            _ = try await SyncedNodes.engine(nodes.hubA, linkA).syncOnce()
            let intruderRequest = DjobeaID.v7()
            try await nodes.hubA.write { tx in
                let client = DjobeaID.v7()
                try tx.insert(
                    .clients,
                    ["id": .text(client), "phone": "+237677000009", "name": "Intrus", "zone_id": .text(zoneB), "created_at": ColumnValue(Date())])
                try tx.insert(
                    .serviceRequests,
                    [
                        "id": .text(intruderRequest), "client_id": .text(client),
                        "service_id": .text(DjobeaID.derived(namespace: "service", name: "plomberie")), "zone_id": .text(zoneB), "urgency": "urgent",
                        "title": "Hors zone", "description": "x", "address": "y", "created_at": ColumnValue(Date()),
                        "updated_at": ColumnValue(Date()),
                    ])
            }
            let pushed = try await SyncedNodes.engine(nodes.hubA, linkA).syncOnce()
            #expect(pushed.pushed == 2 && pushed.conflicts >= 2)
            #expect(try SyncedNodes.count(nodes.central, "SELECT count(*) FROM change_log WHERE quarantined = 1") == 2)
            #expect(try SyncedNodes.count(nodes.central, "SELECT count(*) FROM service_requests WHERE id = ?", [intruderRequest]) == 0)
            #expect(try SyncedNodes.count(nodes.central, "SELECT count(*) FROM sync_conflicts WHERE kind = 'out_of_partition'") == 2)
            let linkB = try await SyncClient.enroll(centralURL: base, token: nodes.enrolB.token, database: nodes.hubB)
            _ = try await SyncedNodes.engine(nodes.hubB, linkB).syncOnce()
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM service_requests") == 0, "hub B never receives hub A's intrusion")
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM clients") == 0)
            let again = try await SyncedNodes.engine(nodes.hubA, linkA).syncOnce()
            #expect(again.pushed == 0, "the link goes on: nothing left to push")

            #expect(try await nodes.central.revokeHub(name: "Hub A"))
            let revoked = await #expect(throws: SyncError.self) { _ = try await SyncedNodes.engine(nodes.hubA, linkA).syncOnce() }
            #expect(revoked?.code == "sync_hub_revoked")
        }
    }

    @Test("rule 14: a request moved from zone a to zone b reaches hub B with its events; hub A keeps it, marked as left, and is fed no more")
    func requestChangesZone() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application().test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let engineA = SyncedNodes.engine(
                nodes.hubA, try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: nodes.hubA))
            let engineB = SyncedNodes.engine(
                nodes.hubB, try await SyncClient.enroll(centralURL: base, token: nodes.enrolB.token, database: nodes.hubB))
            let created = try await SyncedNodes.post(
                client, "/central/requests",
                [
                    "zone": "zone-a", "service": "plomberie", "urgency": "urgent", "description": "Fuite", "address": "Rue 1",
                    "client_name": "Awa", "client_phone": "+237677000021",
                ])
            let requestId = try decode(CreatedId.self, created).id
            try await nodes.central.write { tx in
                _ = try tx.appendMissionEvent(requestId: requestId, kind: .cancelled, actorRole: .client)
            }
            _ = try await engineA.syncOnce()
            _ = try await engineB.syncOnce()
            #expect(try SyncedNodes.count(nodes.hubA, "SELECT count(*) FROM service_requests WHERE id = ?", [requestId]) == 1)
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM service_requests WHERE id = ?", [requestId]) == 0)

            // Ops move the request to zone b (the client gave the wrong quarter).
            let zoneB = try #require(
                try nodes.central.readBlocking { db in try String.fetchOne(db, sql: "SELECT id FROM zones WHERE code = 'zone-b'") })
            try await nodes.central.write { tx in _ = try tx.update(.serviceRequests, key: requestId, ["zone_id": .text(zoneB)]) }
            _ = try await engineA.syncOnce()
            _ = try await engineB.syncOnce()
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM service_requests WHERE id = ? AND zone_id = ?", [requestId, zoneB]) == 1)
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM missions WHERE request_id = ? AND status = 'annulee'", [requestId]) == 1)
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM clients") == 1, "its client comes along")
            #expect(try SyncedNodes.count(nodes.hubA, "SELECT count(*) FROM service_requests WHERE id = ?", [requestId]) == 1, "nothing is lost at A")
            #expect(
                try SyncedNodes.count(
                    nodes.hubA, "SELECT count(*) FROM partition_left WHERE table_name = 'service_requests' AND row_key = ?", [requestId])
                    == 1)
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM partition_left") == 0)

            // Later changes reach B only.
            try await nodes.central.write { tx in _ = try tx.update(.serviceRequests, key: requestId, ["address": "Rue 2, zone b"]) }
            _ = try await engineA.syncOnce()
            _ = try await engineB.syncOnce()
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM service_requests WHERE address = 'Rue 2, zone b'") == 1)
            #expect(try SyncedNodes.count(nodes.hubA, "SELECT count(*) FROM service_requests WHERE address = 'Rue 2, zone b'") == 0)
        }
    }

    @Test("a hub cannot take central's identity, move its rows into another hub's zone, or rewrite the global templates")
    func hubCannotOverstep() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        let template = DjobeaID.v7()
        _ = try await nodes.central.write { tx in
            try tx.insert(.messageTemplates, ["id": .text(template), "kind": "reply", "code": "arrive_15min", "body": "J'arrive dans 15 minutes"])
        }
        try await nodes.application().test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let impostor = try NodeDatabase.inMemory(role: .hub, newNodeId: nodes.central.nodeId)
            let refused = await #expect(throws: SyncError.self) {
                _ = try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: impostor)
            }
            #expect(refused?.code == "sync_enrolment_invalid")

            let engineA = SyncedNodes.engine(
                nodes.hubA, try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: nodes.hubA))
            let engineB = SyncedNodes.engine(
                nodes.hubB, try await SyncClient.enroll(centralURL: base, token: nodes.enrolB.token, database: nodes.hubB))
            let created = try await SyncedNodes.post(
                client, "/central/requests",
                [
                    "zone": "zone-a", "service": "plomberie", "urgency": "urgent", "description": "Fuite", "address": "Rue 1",
                    "client_name": "Awa", "client_phone": "+237677000031",
                ])
            let requestId = try decode(CreatedId.self, created).id
            _ = try await engineA.syncOnce()
            let zoneB = try #require(try nodes.hubA.readBlocking { db in try String.fetchOne(db, sql: "SELECT id FROM zones WHERE code = 'zone-b'") })
            try await nodes.hubA.write { tx in
                _ = try tx.update(.serviceRequests, key: requestId, ["zone_id": .text(zoneB)])
                _ = try tx.update(.messageTemplates, key: template, ["body": "Payez d'abord sur ce numéro"])
            }
            let pushed = try await engineA.syncOnce()
            #expect(pushed.pushed == 2)
            #expect(try SyncedNodes.count(nodes.central, "SELECT count(*) FROM change_log WHERE quarantined = 1") == 2)
            #expect(
                try SyncedNodes.count(nodes.central, "SELECT count(*) FROM service_requests WHERE id = ? AND zone_id = ?", [requestId, zoneB]) == 0)
            #expect(try SyncedNodes.count(nodes.central, "SELECT count(*) FROM message_templates WHERE body = 'J''arrive dans 15 minutes'") == 1)
            _ = try await engineB.syncOnce()
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM service_requests") == 0, "hub B is not fed hub A's moved request")
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM message_templates WHERE body LIKE 'Payez%'") == 0)
        }
    }
}
