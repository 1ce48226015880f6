import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Provider-side attacks of the HTTP security review, over real sockets on a hub with demo data.
@Suite("Provider API security: control characters, identical 404s, photo uploads, walk-in clients", .serialized)
struct ProviderSecurityTests: ReadsJSONResponses {
    @Test("a NUL (or another C0 control character) in any JSON string is refused with 400 control_character and nothing is stored")
    func controlCharactersRefused() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let owner = try #require(harness.providers.first)
        let request = try await MissionWorkAPITests.walkIn(harness, provider: owner.id)
        try await harness.application().test(.live) { client in
            let token = try await harness.login(client, phone: owner.phone)
            let before = try harness.changeCount()
            let attempts: [(String, [String: Any])] = [
                ("/provider/requests/\(request)/message", ["body": "Bonjour\u{0}, le reste est caché"]),
                ("/provider/requests/\(request)/message", ["body": "Sonnerie\u{7}"]),
                ("/provider/requests/\(request)/materials", ["label": "Joint\u{0}", "quantity": 1, "unit_price": 500]),
                (
                    "/provider/requests/\(request)/calls",
                    ["direction": "out", "started_at": UTCTimestamp.format(Date()), "duration_seconds": 60, "note": "a\u{1B}[31m"]
                ),
            ]
            for (uri, body) in attempts {
                let response = try await client.execute(uri: uri, method: .post, headers: harness.bearer(token), body: harness.body(body))
                #expect(response.status == .badRequest, "\(uri) \(body)")
                #expect(Self.errorCode(response) == "control_character")
                #expect(Self.errorMessage(response)?.contains("caractère de contrôle") == true)
            }
            // A raw control byte (not escaped) is refused the same way; so is an escaped NUL in a key.
            for raw in ["{\"body\": \"a\u{0}b\"}", "{\"bo\\u0000dy\": \"a\"}", "{\"body\": \"\\u001f\"}"] {
                let response = try await client.execute(
                    uri: "/provider/requests/\(request)/message", method: .post, headers: harness.bearer(token), body: ByteBuffer(string: raw))
                #expect(response.status == .badRequest && Self.errorCode(response) == "control_character", "\(raw.debugDescription)")
            }
            #expect(try harness.changeCount() == before, "nothing stored, nothing in the change log")
            // Tabs, line feeds, an escaped backslash before "u0000" and ordinary accents are text.
            let fine = try await client.execute(
                uri: "/provider/requests/\(request)/message", method: .post, headers: harness.bearer(token),
                body: harness.body(["body": "Ligne 1\nLigne 2\tfin \\u0000 é"]))
            #expect(fine.status == .ok, "\(String(buffer: fine.body))")
            let stored = try await harness.database.read { db in
                try String.fetchOne(db, sql: "SELECT body FROM messages WHERE request_id = ? ORDER BY id DESC LIMIT 1", arguments: [request])
            }
            #expect(stored == "Ligne 1\nLigne 2\tfin \\u0000 é")
        }
    }

    @Test("another provider's request and an unknown id get byte-identical 404s on every provider route taking a request id")
    func identical404s() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let owner = try #require(harness.providers.first)
        let stranger = try #require(harness.providers.dropFirst().first)
        let theirs = try await MissionWorkAPITests.walkIn(harness, provider: owner.id)
        let unknown = DjobeaID.v7()
        let now = Date()
        let iso = UTCTimestamp.format
        let routeBodies: [(HTTPRequest.Method, String, [String: Any]?)] = [
            (.get, "", nil), (.put, "/accept", nil), (.put, "/decline", ["reason": "agenda_plein"]),
            (.put, "/update-status", ["stage": "arrived"]), (.post, "/message", ["body": "Bonjour"]),
            (.post, "/ask-details", ["question": "Quel étage ?"]),
            (.post, "/postpone", ["start": iso(now.addingTimeInterval(86_400)), "end": iso(now.addingTimeInterval(90_000))]),
            (.post, "/calls", ["direction": "out", "started_at": iso(now), "duration_seconds": 60]),
            (.put, "/calls/\(DjobeaID.v7())", ["note": "Rappeler"]), (.post, "/payments", ["method": "cash", "amount": 5_000]),
            (.post, "/materials", ["label": "Joint", "quantity": 1, "unit_price": 500]), (.delete, "/materials/\(DjobeaID.v7())", nil),
            (.post, "/timer", ["action": "start", "at": iso(now)]),
            (
                .post, "/photos",
                ["kind": "before", "sha256": String(repeating: "a", count: 64), "mime": "image/png", "width": 10, "height": 10, "taken_at": iso(now)]
            ),
            (.post, "/payment-request", ["labour": 10_000]),
        ]
        let routes = routeBodies.map { ($0.0, $0.1, $0.2.map(harness.body)) }
        try await harness.application().test(.live) { client in
            let token = try await harness.login(client, phone: stranger.phone)
            let before = try harness.changeCount()
            for (method, suffix, body) in routes {
                var answers: [(HTTPResponse.Status, [UInt8])] = []
                for id in [theirs, unknown] {
                    let response = try await client.execute(
                        uri: "/provider/requests/\(id)\(suffix)", method: method, headers: harness.bearer(token), body: body)
                    answers.append((response.status, Array(buffer: response.body)))
                }
                #expect(answers[0].0 == .notFound && answers[1].0 == .notFound, "\(method) \(suffix): \(answers[0].0) / \(answers[1].0)")
                #expect(
                    answers[0].1 == answers[1].1,
                    "\(method) \(suffix): \(String(decoding: answers[0].1, as: UTF8.self)) ≠ \(String(decoding: answers[1].1, as: UTF8.self))")
            }
            #expect(try harness.changeCount() == before)
        }
    }

    @Test("photos: another provider sees no upload for a known hash, cannot attach it, HTML is refused, bytes are served as image + nosniff")
    func photoUploads() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let owner = try #require(harness.providers.first)
        let stranger = try #require(harness.providers.dropFirst().first)
        let ownerRequest = try await MissionWorkAPITests.walkIn(harness, provider: owner.id)
        let strangerRequest = try await MissionWorkAPITests.walkIn(harness, provider: stranger.id)
        let photo = TinyImages.png(width: 320, height: 240, size: 30_000)
        let hash = BlobStore.sha256Hex(Data(photo))
        try await harness.application().test(.live) { client in
            let ownerToken = try await harness.login(client, phone: owner.phone)
            let strangerToken = try await harness.login(client, phone: stranger.phone)
            func octets(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/octet-stream"] }
            let uploaded = try await client.execute(
                uri: "/provider/uploads/\(hash)?offset=0&size=\(photo.count)", method: .put, headers: octets(ownerToken),
                body: ByteBuffer(bytes: photo))
            #expect(try decode(PhotoUploadStatus.self, uploaded).complete)

            // The stranger learns nothing from the hash, and cannot attach it.
            let status = try await client.execute(uri: "/provider/uploads/\(hash)", method: .get, headers: harness.bearer(strangerToken))
            #expect(status.status == .ok)
            let strangersUpload = try decode(PhotoUploadStatus.self, status)
            #expect(strangersUpload.received == 0 && !strangersUpload.complete)
            let photoBody: [String: Any] = [
                "kind": "before", "sha256": hash, "mime": "image/png", "width": 320, "height": 240, "taken_at": UTCTimestamp.format(Date()),
            ]
            let stolen = try await client.execute(
                uri: "/provider/requests/\(strangerRequest)/photos", method: .post, headers: harness.bearer(strangerToken),
                body: harness.body(photoBody))
            #expect(stolen.status == .conflict && Self.errorCode(stolen) == "photo_missing")

            // HTML, SVG and a 7-byte "JPEG" are no photos.
            let fakes: [[UInt8]] = [
                Array("<!doctype html><html><script>fetch('/provider/me')</script></html>".utf8),
                Array("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".utf8), [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A],
            ]
            for fake in fakes {
                let response = try await client.execute(
                    uri: "/provider/uploads/\(BlobStore.sha256Hex(Data(fake)))?offset=0", method: .put, headers: octets(strangerToken),
                    body: ByteBuffer(bytes: fake))
                #expect(response.status == .unsupportedMediaType && Self.errorCode(response) == "photo_not_image")
                #expect(Self.errorMessage(response)?.contains("JPEG, PNG ou WebP") == true)
            }

            // The owner attaches theirs; its bytes are served to them only, as the image they are, never sniffed.
            let attached = try await client.execute(
                uri: "/provider/requests/\(ownerRequest)/photos", method: .post, headers: harness.bearer(ownerToken), body: harness.body(photoBody))
            #expect(attached.status == .created)
            let photoId = try decode(MissionPhotoResult.self, attached).id
            let served = try await client.execute(uri: "/provider/photos/\(photoId)", method: .get, headers: harness.bearer(ownerToken))
            #expect(served.status == .ok && Array(buffer: served.body) == photo)
            #expect(served.headers[.contentType] == "image/png")
            #expect(served.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            let refused = try await client.execute(uri: "/provider/photos/\(photoId)", method: .get, headers: harness.bearer(strangerToken))
            #expect(refused.status == .notFound)
        }
    }

    @Test("a walk-in with an existing client's phone shows only what the provider typed and leaves that client's history alone")
    func walkInKeepsClientsApart() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let provider = try #require(harness.providers.first)
        let (clientId, phone, realName, requestsBefore) = try await harness.database.read { db -> (String, String, String, Int) in
            let row = try #require(
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT c.id, c.phone, c.name, count(r.id) AS requests FROM clients c JOIN service_requests r ON r.client_id = c.id
                        GROUP BY c.id ORDER BY count(r.id) DESC, c.id LIMIT 1
                        """))
            return (row["id"], row["phone"], row["name"], row["requests"])
        }
        let (zone, service) = try await harness.database.read { db -> (String, String) in
            let zone = try String.fetchOne(
                db,
                sql: """
                    SELECT z.code FROM zones z JOIN providers p ON p.id = ?1
                    WHERE z.hub_id = p.hub_id OR (p.hub_id IS NULL AND z.id IN (SELECT zone_id FROM provider_zones WHERE provider_id = ?1))
                    ORDER BY z.code LIMIT 1
                    """, arguments: [provider.id])
            return (zone ?? "", try String.fetchOne(db, sql: "SELECT code FROM services ORDER BY code LIMIT 1") ?? "")
        }
        #expect(realName != "Client de passage")
        try await harness.application().test(.live) { client in
            let token = try await harness.login(client, phone: provider.phone)
            let created = try await client.execute(
                uri: "/provider/requests/walk-in", method: .post, headers: harness.bearer(token),
                body: harness.body([
                    "zone": zone, "service": service, "urgency": "aujourd_hui", "description": "Robinet qui goutte",
                    "address": "Akwa, rue Joss", "client_name": "Client de passage", "client_phone": phone,
                ]))
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let requestId = try decode(CreatedId.self, created).id
            let detail = try await client.execute(uri: "/provider/requests/\(requestId)", method: .get, headers: harness.bearer(token))
            #expect(detail.status == .ok)
            let shown = try decode(ProviderRequestDetail.self, detail).client
            #expect(shown.name == "Client de passage")
            #expect(shown.requestsCount == 1 && shown.ratingsGiven == 0)
            #expect(!String(buffer: detail.body).contains(realName), "the existing client's name is not disclosed")
        }
        let after = try await harness.database.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM service_requests WHERE client_id = ?", arguments: [clientId]) ?? -1,
                try String.fetchOne(db, sql: "SELECT name FROM clients WHERE id = ?", arguments: [clientId]),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM clients WHERE phone = ?", arguments: [phone]) ?? 0
            )
        }
        #expect(after.0 == requestsBefore, "the existing client's history is unchanged")
        #expect(after.1 == realName)
        #expect(after.2 == 2, "the walk-in has a client row of its own")
        // A later request from the platform with this phone is the known client's, never the walk-in's row.
        let fields = [
            "zone": zone, "service": service, "urgency": "aujourd_hui", "description": "Prise qui chauffe", "address": "Akwa",
            "client_name": realName, "client_phone": phone,
        ]
        let platform = try await IntakeStore(harness.database).intakeRequest(
            try JSONCoding.decoder.decode(RequestIntakeBody.self, from: JSONSerialization.data(withJSONObject: fields)).intake)
        let owner = try await harness.database.read { db in
            try String.fetchOne(db, sql: "SELECT client_id FROM service_requests WHERE id = ?", arguments: [platform])
        }
        #expect(owner == clientId)
    }
}
