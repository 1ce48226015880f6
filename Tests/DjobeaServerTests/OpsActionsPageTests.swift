import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Central's `/ops/actions` console: the same actions as the API, for an ops session, behind the CSRF token.
@Suite("Ops actions on the console")
struct OpsActionsPageTests {
    static func form(_ fields: [String: String]) -> ByteBuffer {
        ByteBuffer(
            string: fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.value)" }
                .joined(separator: "&"))
    }

    @Test("an ops session cancels a request from the page, once even when the form is sent twice; without the token it is refused")
    func cancelFromThePage() async throws {
        let node = try await OpsTests.centralNode()
        defer { try? FileManager.default.removeItem(at: node.directory.url) }
        let central = node.database
        _ = try await central.enrolHub(name: "Hub Makepe", zoneCodes: ["makepe"])
        try await node.application().test(.router) { client in
            let created = try await client.execute(
                uri: "/central/requests", method: .post,
                headers: [.authorization: "Bearer \(OpsTests.apiKey)", .contentType: "application/json"],
                body: ByteBuffer(
                    string: #"{"zone":"makepe","service":"plomberie","urgency":"urgent","description":"Fuite","address":"Makepe","#
                        + #""client_name":"Awa","client_phone":"+237677000009"}"#))
            let requestId = try decode(CreatedId.self, created).id
            #expect(try await client.execute(uri: "/ops/actions", method: .get).status == .seeOther, "no session: to the login page")
            let (_, cookie, _) = try await OpsTests.login(client, password: OpsTests.password)
            let session = try #require(cookie)
            let page = try await client.execute(uri: "/ops/actions", method: .get, headers: [.cookie: session])
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("Annuler une demande") && html.contains("Rattacher une zone à un autre hub") && html.contains("Hub Makepe"))
            let token = try #require(HTTPSecurityTests.csrfToken(in: html))
            let headers: HTTPFields = [.cookie: session, .contentType: "application/x-www-form-urlencoded"]

            let forged = try await client.execute(
                uri: "/ops/actions/cancel", method: .post, headers: headers,
                body: Self.form(["request_id": requestId, "reason": "x", "by": "ops", "csrf_token": "faux"]))
            #expect(forged.status == .forbidden)
            #expect(try await OpsStore(central).actions().isEmpty)

            let fields = [
                "request_id": requestId, "reason": "Le client a annulé", "by": "client", "csrf_token": token, "idempotency_key": "form-1",
            ]
            let done = try await client.execute(uri: "/ops/actions/cancel", method: .post, headers: headers, body: Self.form(fields))
            #expect(done.status == .ok)
            #expect(String(buffer: done.body).contains("Demande annulée (par le client)"))
            let twice = try await client.execute(uri: "/ops/actions/cancel", method: .post, headers: headers, body: Self.form(fields))
            #expect(twice.status == .ok)
            #expect(String(buffer: twice.body).contains("Déjà fait"))
            let log = try await OpsStore(central).actions()
            #expect(log.count == 1 && log[0].actor == "ops (console)" && log[0].reason == "Le client a annulé")

            let refused = try await client.execute(
                uri: "/ops/actions/cancel", method: .post, headers: headers,
                body: Self.form(["request_id": requestId, "reason": "encore", "by": "ops", "csrf_token": token]))
            #expect(refused.status == .conflict)
            #expect(String(buffer: refused.body).contains("Refusé : Demande déjà annulée."))
            let badId = try await client.execute(
                uri: "/ops/actions/reassign", method: .post, headers: headers, body: Self.form(["request_id": "pas-un-id", "csrf_token": token]))
            #expect(badId.status == .badRequest)
        }
    }
}
