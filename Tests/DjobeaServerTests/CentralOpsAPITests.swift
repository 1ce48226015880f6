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
import NIOCore
import Testing

/// Central's ops routes over real HTTP, with two hubs syncing through the real engine.
@Suite("Central ops API over HTTP", .serialized)
struct CentralOpsAPITests: ReadsJSONResponses {
    static func call(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: [String: Any]?, key: String? = nil,
        apiKey: String? = SyncedNodes.apiKey, raw: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let apiKey { headers[.authorization] = "Bearer \(apiKey)" }
        if let key, let name = HTTPField.Name("Idempotency-Key") { headers[name] = key }
        let data = try raw.map { Data($0.utf8) } ?? JSONSerialization.data(withJSONObject: body ?? [:])
        return try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(bytes: data))
    }

    @Test("cancel: 401 without the key, 404 unknown, 400 malformed, 200 then 409, a replayed key answers the same, another body is refused")
    func cancelOverHTTP() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application().test(.live) { client in
            let created = try await SyncedNodes.post(
                client, "/central/requests",
                [
                    "zone": "zone-a", "service": "plomberie", "urgency": "urgent", "description": "Robinet qui fuit", "address": "Kotto",
                    "client_name": "Awa", "client_phone": "+237677000002",
                ])
            let id = try decode(CreatedId.self, created).id
            let path = "/central/requests/\(id)/cancel"
            let body: [String: Any] = ["reason": "Le client a annulé par téléphone", "by": "client"]
            #expect(try await Self.call(client, .post, path, body, apiKey: nil).status == .unauthorized)
            let unknown = try await Self.call(client, .post, "/central/requests/\(DjobeaID.v7())/cancel", body)
            #expect(unknown.status == .notFound && Self.errorCode(unknown) == "not_found")
            #expect(try await Self.call(client, .post, path, nil, raw: "{\"reason\":").status == .badRequest)
            let wrongRole = try await Self.call(client, .post, path, ["reason": "x", "by": "provider"])
            #expect(wrongRole.status == .badRequest && Self.errorCode(wrongRole) == "invalid_parameter")

            let first = try await Self.call(client, .post, path, body, key: "annul-1")
            #expect(first.status == .ok, "\(String(buffer: first.body))")
            let cancelled = try decode(OpsActionResult.self, first)
            #expect(cancelled.status == "annulee" && !cancelled.replayed)
            let replay = try await Self.call(client, .post, path, body, key: "annul-1")
            #expect(replay.status == .ok)
            let replayed = try decode(OpsActionResult.self, replay)
            #expect(replayed.replayed && replayed.actionId == cancelled.actionId)
            let reused = try await Self.call(client, .post, path, ["reason": "Autre motif", "by": "ops"], key: "annul-1")
            #expect(reused.status == .unprocessableContent && Self.errorCode(reused) == "idempotency_key_reused")
            let again = try await Self.call(client, .post, path, body)
            #expect(again.status == .conflict && Self.errorCode(again) == "already_cancelled")
            #expect(Self.errorMessage(again) == "Demande déjà annulée.")
            #expect(try SyncedNodes.count(nodes.central, "SELECT count(*) FROM mission_events WHERE request_id = ?", [id]) == 1)
        }
    }

    @Test("PATCH a provider with an open mission to another hub's zone: the new hub receives the mission, the old hub is told")
    func providerMoveOverHTTP() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application().test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let engineA = SyncedNodes.engine(
                nodes.hubA, try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: nodes.hubA))
            let engineB = SyncedNodes.engine(
                nodes.hubB, try await SyncClient.enroll(centralURL: base, token: nodes.enrolB.token, database: nodes.hubB))
            let provider = try await SyncedNodes.post(
                client, "/central/providers", ["name": "Jean", "phone": "+237690000001", "services": ["plomberie"], "zones": ["zone-a"]])
            let providerId = try decode(CreatedId.self, provider).id
            let created = try await SyncedNodes.post(
                client, "/central/requests",
                [
                    "zone": "zone-a", "service": "plomberie", "urgency": "urgent", "description": "Fuite", "address": "Kotto",
                    "client_name": "Awa", "client_phone": "+237677000002",
                ])
            let requestId = try decode(CreatedId.self, created).id
            _ = try await engineA.syncOnce()
            try await nodes.hubA.write { tx in
                _ = try tx.appendMissionEvent(
                    requestId: requestId, kind: .accepted, actorRole: .provider, actorId: providerId, providerId: providerId)
                _ = try tx.appendMissionEvent(requestId: requestId, kind: .arrived, actorRole: .provider, actorId: providerId, providerId: providerId)
            }
            _ = try await engineA.syncOnce()
            _ = try await engineB.syncOnce()
            #expect(try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM service_requests WHERE id = ?", [requestId]) == 0)

            let bad = try await Self.call(client, .patch, "/central/providers/\(providerId)", ["zones": ["zone-inconnue"]])
            #expect(bad.status == .badRequest)
            let moved = try await Self.call(client, .patch, "/central/providers/\(providerId)", ["zones": ["zone-b"], "reason": "Déménagement"])
            #expect(moved.status == .ok, "\(String(buffer: moved.body))")
            #expect(try decode(OpsActionResult.self, moved).stakes == 1)
            _ = try await engineB.syncOnce()
            _ = try await engineA.syncOnce()
            #expect(
                try SyncedNodes.count(nodes.hubB, "SELECT count(*) FROM missions WHERE request_id = ? AND status = 'arrive'", [requestId]) == 1)
            #expect(
                try SyncedNodes.count(
                    nodes.hubA, "SELECT count(*) FROM partition_left WHERE table_name = 'providers' AND row_key = ?", [providerId]) == 1)
            // The provider carries on at hub B; hub A, whose zone it is, follows.
            try await nodes.hubB.write { tx in
                _ = try tx.appendMissionEvent(
                    requestId: requestId, kind: .diagnosed, actorRole: .provider, actorId: providerId, providerId: providerId)
            }
            _ = try await engineB.syncOnce()
            _ = try await engineA.syncOnce()
            #expect(
                try SyncedNodes.count(nodes.hubA, "SELECT count(*) FROM missions WHERE request_id = ? AND status = 'diagnostic'", [requestId])
                    == 1)
            #expect(try SyncedNodes.count(nodes.central, "SELECT count(*) FROM sync_conflicts WHERE kind = 'out_of_partition'") == 0)
            // The zone move route too: unknown hub is a 404, a move answers with the stakes kept.
            let unknownHub = try await Self.call(client, .post, "/central/zones/zone-a/move", ["to_hub": "Hub Z"])
            #expect(unknownHub.status == .notFound)
            let zoneMove = try await Self.call(client, .post, "/central/zones/zone-a/move", ["to_hub": "Hub B"])
            #expect(zoneMove.status == .ok, "\(String(buffer: zoneMove.body))")
            #expect(try await Self.call(client, .post, "/central/zones/zone-a/move", ["to_hub": "Hub B"]).status == .conflict)
            let suspended = try await Self.call(client, .post, "/central/providers/\(providerId)/suspend", ["reason": "Enquête"])
            #expect(suspended.status == .ok)
            #expect(try await Self.call(client, .post, "/central/providers/\(providerId)/suspend", [:]).status == .conflict)
        }
    }
}
