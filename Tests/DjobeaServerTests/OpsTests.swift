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

/// The ops console: `/ops/sync-status` (API key or ops session), the `/ops` page and its login.
@Suite("Ops console and sync status", .serialized)
struct OpsTests: ReadsJSONResponses {
    static let apiKey = "cle-de-test-plateforme-ops"
    static let password = "mot-de-passe-ops-test"

    /// Central as `djobea central` wires it (`Node.build`), its database in memory, its password and API key from
    /// the environment. The caller removes `node.directory.url`.
    static func centralNode() async throws -> Node {
        let storage = try NodeStorage.temporary("ops", role: .central, inMemory: true)
        let environment = ["DJOBEA_OPS_PASSWORD": password, "DJOBEA_API_KEY": apiKey, "LOG_LEVEL": "error"]
        return try await Node.build(role: .central, configuration: storage.configuration(environment: environment), storage: storage)
    }

    /// Logs in with `password`; returns the status, the `Cookie` header value to send back and the raw `Set-Cookie`.
    static func login(_ client: some TestClientProtocol, password: String) async throws -> (HTTPResponse.Status, String?, String?) {
        let body = "password=" + (password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? password)
        let response = try await client.execute(
            uri: "/ops/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body))
        let setCookie = response.headers[.setCookie]
        return (response.status, setCookie.flatMap { $0.split(separator: ";").first.map(String.init) }, setCookie)
    }

    @Test("/ops/sync-status refuses a caller without credentials and accepts the API key or the ops session; a tampered cookie is refused")
    func syncStatusAccess() async throws {
        let node = try await Self.centralNode()
        defer { try? FileManager.default.removeItem(at: node.directory.url) }
        let central = node.database
        try await node.application().test(.router) { client in
            let anonymous = try await client.execute(uri: "/ops/sync-status", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(Self.errorCode(anonymous) == "ops_auth_required")
            let wrongKey = try await client.execute(uri: "/ops/sync-status", method: .get, headers: [.authorization: "Bearer pas-la-bonne-cle"])
            #expect(wrongKey.status == .unauthorized)
            let bearer = try await client.execute(uri: "/ops/sync-status", method: .get, headers: [.authorization: "Bearer \(Self.apiKey)"])
            #expect(bearer.status == .ok)
            let bearerStatus = try decode(OpsSyncStatus.self, bearer)
            #expect(bearerStatus.role == "central")
            #expect(bearerStatus.nodeId == central.nodeId)
            let header = try #require(HTTPField.Name("X-Api-Key"))
            #expect(try await client.execute(uri: "/ops/sync-status", method: .get, headers: [header: Self.apiKey]).status == .ok)

            let (status, cookie, setCookie) = try await Self.login(client, password: Self.password)
            #expect(status == .seeOther)
            let sent = try #require(setCookie)
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/ops", "Max-Age=43200"] {
                #expect(sent.contains(attribute), "Set-Cookie has \(attribute): \(sent)")
            }
            let session = try #require(cookie)
            #expect(session.hasPrefix("djobea_ops="))
            let withCookie = try await client.execute(uri: "/ops/sync-status", method: .get, headers: [.cookie: session])
            #expect(withCookie.status == .ok)

            // The expiry is inside the signed value: pushing it later, or changing the signature, is refused.
            let parts = session.dropFirst("djobea_ops=".count).split(separator: ".").map(String.init)
            #expect(parts.count == 4)
            let later = "djobea_ops=\(parts[0]).\((Int64(parts[1]) ?? 0) + 86_400).\(parts[2]).\(parts[3])"
            let lastCharacter = parts[3].last == "A" ? "B" : "A"
            let forged = "djobea_ops=\(parts[0]).\(parts[1]).\(parts[2]).\(parts[3].dropLast())\(lastCharacter)"
            for tampered in [later, forged, "djobea_ops=1.99999999999.abc.def", "djobea_ops="] {
                let refused = try await client.execute(uri: "/ops/sync-status", method: .get, headers: [.cookie: tampered])
                #expect(refused.status == .unauthorized, "\(tampered)")
                let page = try await client.execute(uri: "/ops", method: .get, headers: [.cookie: tampered])
                #expect(page.status == .seeOther)
            }
        }
    }

    @Test("/ops redirects to the login; a wrong password gets the form again with 401; the right one opens the page; logout ends it")
    func loginFlow() async throws {
        let node = try await Self.centralNode()
        defer { try? FileManager.default.removeItem(at: node.directory.url) }
        let central = node.database
        _ = try await central.enrolHub(name: "Hub Makepe", zoneCodes: ["makepe"])
        try await node.application().test(.router) { client in
            let anonymous = try await client.execute(uri: "/ops", method: .get)
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/ops/login")
            let form = try await client.execute(uri: "/ops/login", method: .get)
            #expect(form.status == .ok)
            #expect(form.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(String(buffer: form.body).contains("Mot de passe"))

            let (wrongStatus, wrongCookie, _) = try await Self.login(client, password: "pas-le-bon")
            #expect(wrongStatus == .unauthorized)
            #expect(wrongCookie == nil)

            let (status, cookie, _) = try await Self.login(client, password: Self.password)
            #expect(status == .seeOther)
            let session = try #require(cookie)
            let page = try await client.execute(uri: "/ops", method: .get, headers: [.cookie: session])
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("<html lang=\"fr\">"))
            #expect(html.contains("Hub Makepe"))
            #expect(html.contains("Dernière synchro"))
            #expect(html.contains("http-equiv=\"refresh\""))
            #expect(!html.contains("<script"), "no script on the ops page")
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            let loginAgain = try await client.execute(uri: "/ops/login", method: .get, headers: [.cookie: session])
            #expect(loginAgain.status == .seeOther, "a logged-in visitor goes straight to /ops")

            let token = try #require(HTTPSecurityTests.csrfToken(in: html), "the logout form carries the CSRF token")
            let logout = try await client.execute(
                uri: "/ops/logout", method: .post, headers: [.cookie: session, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf_token=\(token)"))
            #expect(logout.status == .seeOther)
            #expect(logout.headers[.setCookie]?.contains("Max-Age=0") == true)
        }
    }

    @Test("wrong passwords are limited to 5 a minute per address: the sixth attempt gets 429, even with the right password")
    func loginThrottle() async throws {
        let node = try await Self.centralNode()
        defer { try? FileManager.default.removeItem(at: node.directory.url) }
        try await node.application().test(.router) { client in
            for _ in 0..<5 {
                let (status, _, _) = try await Self.login(client, password: "essai")
                #expect(status == .unauthorized)
            }
            let response = try await client.execute(
                uri: "/ops/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "password=\(Self.password)"))
            #expect(response.status == .tooManyRequests)
            #expect(response.headers[.retryAfter] != nil)
            #expect(String(buffer: response.body).contains("Trop de mots de passe erronés"))
        }
    }

    @Test(
        "after a real exchange, central's status lists the hub (last success, pending, versions) and the duplicate payment conflict; the hub shows its side"
    )
    func statusAfterExchange() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        let link = try await nodes.centralNode(ops: OpsSettings(password: Self.password)).application().test(.live) { client -> CentralLink in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let linkA = try await SyncClient.enroll(centralURL: base, token: nodes.enrolA.token, database: nodes.hubA)
            let engineA = SyncedNodes.engine(nodes.hubA, linkA)
            let provider = try await SyncedNodes.post(
                client, "/central/providers", ["name": "Jean Plombier", "phone": "+237690000001", "services": ["plomberie"], "zones": ["zone-a"]])
            let providerId = try decode(CreatedId.self, provider).id
            let request: [String: Any] = [
                "zone": "zone-a", "service": "plomberie", "urgency": "urgent", "description": "Fuite sous l'évier",
                "address": "Bonamoussadi, carrefour Kotto", "client_name": "Awa Ndiaye", "client_phone": "+237677000002",
                "budget_min": 5000, "budget_max": 15000,
            ]
            let created = try await SyncedNodes.post(client, "/central/requests", request)
            let requestId = try decode(CreatedId.self, created).id
            _ = try await engineA.syncOnce()
            try await nodes.hubA.write { tx in
                _ = try tx.appendMissionEvent(
                    requestId: requestId, kind: .accepted, actorRole: .provider, actorId: providerId, providerId: providerId)
            }
            _ = try await engineA.syncOnce()
            // The same MoMo transaction recorded at the hub and at central: one payment, one conflict.
            _ = try await IntakeStore(nodes.hubA).recordPayment(
                PaymentIntake(requestId: requestId, method: "mtn_momo", reference: "MP240101.1234.A00001", amount: 12_000), recordedBy: .provider)
            let paid = try await SyncedNodes.post(
                client, "/central/payments", ["request_id": requestId, "method": "mtn_momo", "reference": "MP240101.1234.A00001", "amount": 12_000])
            #expect(paid.status == .created)
            _ = try await engineA.syncOnce()
            _ = try await engineA.syncOnce()

            let response = try await client.execute(
                uri: "/ops/sync-status", method: .get, headers: [.authorization: "Bearer \(SyncedNodes.apiKey)"])
            #expect(response.status == .ok)
            let status = try decode(OpsSyncStatus.self, response)
            #expect(status.role == "central")
            #expect(status.protocolVersion == syncProtocolVersion)
            let hubs = status.hubs
            let hubA = try #require(hubs.first { $0.name == "Hub A" })
            #expect(hubA.nodeId == nodes.hubA.nodeId)
            #expect(hubA.hubId == linkA.hubId)
            #expect(hubA.lastSuccessAt != nil)
            #expect(hubA.status == "ok")
            #expect(hubA.pendingFromHub == 0)
            #expect(hubA.pendingToHubEstimate == 0, "the hub has pulled everything central has")
            #expect(hubA.pendingToHub == 0)
            #expect(hubA.protocolVersion == syncProtocolVersion)
            #expect(hubA.schemaVersion == NodeDatabase.latestSchemaVersion)
            #expect(!hubA.clockDrift)
            #expect(hubA.clockOffsetMs != nil)
            #expect(hubA.photoBacklogBytes == 0)
            #expect(hubA.openConflicts >= 1)
            let hubB = try #require(hubs.first { $0.name == "Hub B" }, "an enrolled hub that never connected is listed")
            #expect(hubB.status == "never")

            let payment = try #require(status.conflicts.first { $0.table == "ledger_entries" })
            #expect(payment.kind == "duplicate_transaction")
            #expect(payment.rule == "CONFLICTS-8")
            #expect(payment.kindLabel.contains("Paiement en double"))
            #expect(payment.winner != nil, "the side that counts")
            #expect(payment.loser != nil, "the side excluded from sums")
            let winner = try #require(payment.winnerOrigin)
            let loser = try #require(payment.loserOrigin)
            let origins = Set([winner.nodeId, loser.nodeId])
            #expect(origins == [nodes.central.nodeId, nodes.hubA.nodeId], "one payment from each side, each with its origin")
            #expect(Set([winner.name, loser.name]) == ["Central", "Hub A"])
            #expect(loser.originSeq != nil)
            #expect(loser.madeAt != nil)
            #expect(status.openConflicts >= 1)

            // Central takes a new request for zone a: it is due to the hub until its next pull.
            _ = try await SyncedNodes.post(client, "/central/requests", request.merging(["client_phone": "+237677000003"]) { $1 })
            let later = try decode(
                OpsSyncStatus.self,
                try await client.execute(uri: "/ops/sync-status", method: .get, headers: [.authorization: "Bearer \(SyncedNodes.apiKey)"]))
            let laterA = try #require(later.hubs.first { $0.name == "Hub A" })
            #expect((laterA.pendingToHubEstimate ?? 0) >= 2, "the client and its request")
            #expect((laterA.pendingToHub ?? 0) >= 2)

            // The page shows the hub and the conflict with both sides and the rule.
            let (_, cookie, _) = try await Self.login(client, password: Self.password)
            let page = try await client.execute(uri: "/ops", method: .get, headers: [.cookie: try #require(cookie)])
            let html = String(buffer: page.body)
            #expect(page.status == .ok)
            for text in ["Hub A", "Dernière synchro il y a", "Paiement en double", "Gagnant", "Perdant", "Règle 8", "Jamais connecté"] {
                #expect(html.contains(text), "the page shows « \(text) »")
            }
            return linkA
        }

        // The hub's own console: its link with central, its own pending changes and its conflicts.
        let hubNode = Node(
            role: .hub, configuration: nodes.hubAStorage.configuration(), storage: nodes.hubAStorage,
            ops: OpsConsole(settings: OpsSettings(password: Self.password, hubName: link.hubName, hubId: link.hubId)))
        _ = try await nodes.hubA.write { tx in
            try tx.insert(
                .clients,
                ["id": .text(DjobeaID.v7()), "phone": "+237677000010", "name": "Local", "zone_id": .null, "created_at": ColumnValue(Date())])
        }
        try await hubNode.application().test(.router) { client in
            let anonymous = try await client.execute(
                uri: "/ops/sync-status", method: .get, headers: [.authorization: "Bearer \(SyncedNodes.apiKey)"])
            #expect(anonymous.status == .unauthorized, "a hub has no platform API key: only its ops session")
            let (_, cookie, _) = try await Self.login(client, password: Self.password)
            let session = try #require(cookie)
            let status = try decode(
                OpsSyncStatus.self, try await client.execute(uri: "/ops/sync-status", method: .get, headers: [.cookie: session]))
            #expect(status.role == "hub")
            #expect(status.centralNodeId == nodes.central.nodeId)
            let hubs = status.hubs
            #expect(hubs.count == 1)
            let own = try #require(hubs.first)
            #expect(own.name == "Hub A")
            #expect(own.nodeId == nodes.hubA.nodeId)
            #expect(own.lastSuccessAt != nil)
            #expect(own.pendingFromHub == 1, "the client row made since the last sync")
            #expect(own.oldestPendingAt != nil)
            #expect(own.schemaVersion == NodeDatabase.latestSchemaVersion)
            #expect(own.openConflicts == status.openConflicts)
            let page = String(buffer: try await client.execute(uri: "/ops", method: .get, headers: [.cookie: session]).body)
            #expect(page.contains("Hub A"))
            #expect(page.contains("À envoyer au central"))
        }
    }
}
