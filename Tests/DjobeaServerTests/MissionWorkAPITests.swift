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

@Suite("Mission work API over HTTP: materials, timer, photos, payment request", .serialized)
struct MissionWorkAPITests: ReadsJSONResponses {
    /// A walk-in request (accepted by `provider` at once) in one of the provider's zones.
    static func walkIn(_ harness: ProviderAPIHarness, provider: String) async throws -> String {
        let (zone, service) = try await harness.database.read { db -> (String, String) in
            let zone = try String.fetchOne(
                db,
                sql: """
                    SELECT z.code FROM zones z JOIN providers p ON p.id = ?1
                    WHERE z.hub_id = p.hub_id OR (p.hub_id IS NULL AND z.id IN (SELECT zone_id FROM provider_zones WHERE provider_id = ?1))
                    ORDER BY z.code LIMIT 1
                    """, arguments: [provider])
            let service = try String.fetchOne(db, sql: "SELECT code FROM services ORDER BY code LIMIT 1")
            return (zone ?? "", service ?? "")
        }
        let fields = [
            "zone": zone, "service": service, "urgency": "aujourd_hui", "title": "Robinet qui fuit", "description": "Le robinet de la cuisine fuit.",
            "address": "Bonamoussadi, carrefour Kotto", "client_name": "Awa Ngo", "client_phone": "+237677000156",
        ]
        let intake = try JSONCoding.decoder.decode(RequestIntakeBody.self, from: JSONSerialization.data(withJSONObject: fields)).intake
        return try await IntakeStore(harness.database).walkInRequest(intake, providerId: provider)
    }

    func keyed(_ harness: ProviderAPIHarness, _ token: String, _ key: String) -> HTTPFields {
        var headers = harness.bearer(token)
        if let name = HTTPField.Name("Idempotency-Key") { headers[name] = key }
        return headers
    }

    @Test("a stranger gets 404 on every mission-work route and writes nothing")
    func strangerGets404() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let owner = try #require(harness.providers.first)
        let stranger = try #require(harness.providers.dropFirst().first)
        let request = try await Self.walkIn(harness, provider: owner.id)
        let material = try await ProviderRequestCommands(database: harness.database).addMaterial(
            providerId: owner.id, requestId: request, label: "Joint", quantity: 1, unitPrice: 500)
        try await harness.application().test(.live) { client in
            let token = try await harness.login(client, phone: stranger.phone)
            let before = try harness.changeCount()
            let now = UTCTimestamp.format(Date())
            let attempts: [(HTTPRequest.Method, String, [String: Any]?)] = [
                (.post, "/provider/requests/\(request)/materials", ["label": "Vis", "quantity": 1, "unit_price": 100]),
                (.delete, "/provider/requests/\(request)/materials/\(material.material.id)", nil),
                (.post, "/provider/requests/\(request)/timer", ["action": "start", "at": now]),
                (
                    .post, "/provider/requests/\(request)/photos",
                    [
                        "kind": "before", "sha256": String(repeating: "a", count: 64), "mime": "image/png", "width": 10, "height": 10,
                        "taken_at": now,
                    ]
                ),
                (.post, "/provider/requests/\(request)/payment-request", ["labour": 10_000]),
            ]
            for (method, uri, body) in attempts {
                let response = try await client.execute(uri: uri, method: method, headers: harness.bearer(token), body: body.map(harness.body))
                #expect(response.status == .notFound, "\(method) \(uri) answered \(response.status)")
                #expect(Self.errorCode(response) == "not_found")
            }
            #expect(try harness.changeCount() == before)
        }
    }

    @Test("the provider's mission screen: materials, timer, resumable photo upload, photo bytes, payment request, detail")
    func missionScreen() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let owner = try #require(harness.providers.first)
        let stranger = try #require(harness.providers.dropFirst().first)
        let request = try await Self.walkIn(harness, provider: owner.id)
        let base = "/provider/requests/\(request)"
        try await harness.application().test(.live) { client in
            let token = try await harness.login(client, phone: owner.phone)

            // Materials: created, replayed by key, refused when invalid, deleted.
            let material = ["label": "Joint de robinet", "quantity": 2, "unit_price": 750] as [String: Any]
            let created = try await client.execute(
                uri: "\(base)/materials", method: .post, headers: keyed(harness, token, "mat-1"), body: harness.body(material))
            #expect(created.status == .created)
            let createdMaterial = try decode(MissionMaterialResult.self, created)
            let materialId = createdMaterial.material.id
            #expect(createdMaterial.materialsTotal == 1_500)
            let changes = try harness.changeCount()
            let replayed = try await client.execute(
                uri: "\(base)/materials", method: .post, headers: keyed(harness, token, "mat-1"), body: harness.body(material))
            let replayedMaterial = try decode(MissionMaterialResult.self, replayed)
            #expect(replayed.status == .created && replayedMaterial.replayed)
            #expect(replayedMaterial.material.id == materialId)
            #expect(try harness.changeCount() == changes)
            let invalid = try await client.execute(
                uri: "\(base)/materials", method: .post, headers: harness.bearer(token),
                body: harness.body(["label": "Vis", "quantity": 0, "unit_price": 10]))
            #expect(invalid.status == .unprocessableContent)
            #expect(Self.errorCode(invalid) == "invalid_parameter")
            #expect(Self.errorMessage(invalid)?.contains("quantity") == true)
            let extra = try await client.execute(
                uri: "\(base)/materials", method: .post, headers: harness.bearer(token),
                body: harness.body(["label": "Tuyau", "quantity": 1, "unit_price": 3_000]))
            let extraId = try decode(MissionMaterialResult.self, extra).material.id
            let deleted = try await client.execute(uri: "\(base)/materials/\(extraId)", method: .delete, headers: harness.bearer(token))
            #expect(deleted.status == .ok)
            #expect(try decode(MissionMaterialResult.self, deleted).materialsTotal == 1_500)
            let deletedAgain = try await client.execute(uri: "\(base)/materials/\(extraId)", method: .delete, headers: harness.bearer(token))
            #expect(deletedAgain.status == .notFound)

            // Timer: started from the tap's time.
            let tap = Date()
            let started = try await client.execute(
                uri: "\(base)/timer", method: .post, headers: harness.bearer(token),
                body: harness.body(["action": "start", "at": UTCTimestamp.format(tap)]))
            #expect(started.status == .ok)
            let timer = try decode(MissionTimerResult.self, started).timer
            #expect(timer.runningSince == UTCTimestamp.format(tap) && timer.totalSeconds >= 0)
            let future = try await client.execute(
                uri: "\(base)/timer", method: .post, headers: harness.bearer(token),
                body: harness.body(["action": "stop", "at": UTCTimestamp.format(Date().addingTimeInterval(3_600))]))
            #expect(future.status == .unprocessableContent)

            // Photo: resumable upload, then attached, then served.
            let photo = MissionWorkAPITests.png(width: 1_024, height: 768, size: 90_000)
            let thumb = MissionWorkAPITests.png(width: 320, height: 240, size: 9_000)
            let hash = BlobStore.sha256Hex(Data(photo))
            let thumbHash = BlobStore.sha256Hex(Data(thumb))
            let octets: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/octet-stream"]
            let status0 = try await client.execute(uri: "/provider/uploads/\(hash)", method: .get, headers: harness.bearer(token))
            #expect(status0.status == .ok)
            let upload0 = try decode(PhotoUploadStatus.self, status0)
            #expect(upload0.received == 0 && !upload0.complete)
            let part1 = try await client.execute(
                uri: "/provider/uploads/\(hash)?offset=0&size=\(photo.count)", method: .put, headers: octets,
                body: ByteBuffer(bytes: photo[0..<45_000]))
            #expect(part1.status == .ok)
            #expect(try decode(PhotoUploadStatus.self, part1).received == 45_000)
            let wrongOffset = try await client.execute(
                uri: "/provider/uploads/\(hash)?offset=0&size=\(photo.count)", method: .put, headers: octets,
                body: ByteBuffer(bytes: photo[0..<45_000]))
            let offsetName = try #require(HTTPField.Name("Upload-Offset"))
            #expect(wrongOffset.status == .conflict && wrongOffset.headers[offsetName] == "45000")
            // The offset error carries `received` beside the error shape's code and message: read on the raw JSON.
            let offsetError = Self.json(wrongOffset)["error"] as? [String: Any]
            #expect(offsetError?["code"] as? String == "upload_offset" && offsetError?["received"] as? Int == 45_000)
            let tooBig = try await client.execute(
                uri: "/provider/uploads/\(hash)?offset=45000", method: .put, headers: octets,
                body: ByteBuffer(bytes: [UInt8](repeating: 1, count: 50_000)))
            #expect(tooBig.status == .contentTooLarge)
            let part2 = try await client.execute(
                uri: "/provider/uploads/\(hash)?offset=45000&size=\(photo.count)", method: .put, headers: octets,
                body: ByteBuffer(bytes: photo[45_000...]))
            #expect(part2.status == .ok)
            let upload2 = try decode(PhotoUploadStatus.self, part2)
            #expect(upload2.complete && upload2.received == photo.count)
            let thumbUpload = try await client.execute(
                uri: "/provider/uploads/\(thumbHash)?offset=0", method: .put, headers: octets, body: ByteBuffer(bytes: thumb))
            #expect(try decode(PhotoUploadStatus.self, thumbUpload).complete)
            let missing = try await client.execute(
                uri: "\(base)/photos", method: .post, headers: harness.bearer(token),
                body: harness.body([
                    "kind": "after", "sha256": String(repeating: "e", count: 64), "mime": "image/png", "width": 100, "height": 100,
                    "taken_at": UTCTimestamp.format(Date()),
                ]))
            #expect(missing.status == .conflict && Self.errorCode(missing) == "photo_missing")
            let photoBody: [String: Any] = [
                "kind": "before", "sha256": hash, "thumb_sha256": thumbHash, "mime": "image/png", "width": 1_024, "height": 768,
                "taken_at": UTCTimestamp.format(Date()),
            ]
            let attached = try await client.execute(
                uri: "\(base)/photos", method: .post, headers: keyed(harness, token, "photo-1"), body: harness.body(photoBody))
            #expect(attached.status == .created)
            let photoId = try decode(MissionPhotoResult.self, attached).id
            let again = try await client.execute(
                uri: "\(base)/photos", method: .post, headers: keyed(harness, token, "photo-2"), body: harness.body(photoBody))
            let attachedAgain = try decode(MissionPhotoResult.self, again)
            #expect(attachedAgain.id == photoId && attachedAgain.replayed)
            let served = try await client.execute(uri: "/provider/photos/\(photoId)?size=thumb", method: .get, headers: harness.bearer(token))
            #expect(served.status == .ok && Array(buffer: served.body) == thumb)
            #expect(served.headers[.contentType] == "image/png" && served.headers[.eTag] == "\"\(thumbHash)\"")
            #expect(served.headers[.cacheControl] == "private, max-age=31536000, immutable")
            var conditional = harness.bearer(token)
            conditional[.ifNoneMatch] = "\"\(hash)\""
            let notModified = try await client.execute(uri: "/provider/photos/\(photoId)", method: .get, headers: conditional)
            #expect(notModified.status == .notModified)
            let fullPhoto = try await client.execute(uri: "/provider/photos/\(photoId)?size=full", method: .get, headers: harness.bearer(token))
            #expect(Array(buffer: fullPhoto.body) == photo)
            let strangerToken = try await harness.login(client, phone: stranger.phone)
            let strangers = try await client.execute(uri: "/provider/photos/\(photoId)", method: .get, headers: harness.bearer(strangerToken))
            #expect(strangers.status == .notFound)

            // Payment request: refused before Réparation, then made once.
            let early = try await client.execute(
                uri: "\(base)/payment-request", method: .post, headers: harness.bearer(token), body: harness.body(["labour": 10_000]))
            #expect(early.status == .conflict && Self.errorCode(early) == "illegal_transition")
            for stage in ["arrived", "diagnosed", "repairing"] {
                let moved = try await client.execute(
                    uri: "\(base)/update-status", method: .put, headers: harness.bearer(token), body: harness.body(["stage": stage]))
                #expect(moved.status == .ok)
            }
            let payment = try await client.execute(
                uri: "\(base)/payment-request", method: .post, headers: keyed(harness, token, "pay-1"),
                body: harness.body(["labour": 15_000, "travel": 2_000, "note": "Merci pour votre confiance"]))
            #expect(payment.status == .created)
            let answer = try decode(MissionPaymentRequestResult.self, payment)
            #expect(answer.total == 18_500 && answer.number.hasPrefix("F-"))
            #expect(answer.lines.map(\.kind) == ["main_oeuvre", "materiel", "deplacement"])
            let second = try await client.execute(
                uri: "\(base)/payment-request", method: .post, headers: keyed(harness, token, "pay-2"), body: harness.body(["labour": 9_000]))
            #expect(second.status == .conflict && Self.errorCode(second) == "invoice_exists")

            // The card shows it all, and matches its documented schema.
            let detail = try await client.execute(uri: base, method: .get, headers: harness.bearer(token))
            let card = try decode(ProviderRequestDetail.self, detail)
            #expect(card.invoice?.status == "envoyee")
            #expect(card.invoice?.number == answer.number)
            #expect(card.timer.sessions.count == 1)
            #expect(card.photos.first?.id == photoId)
            // The schema check reads the OpenAPI document and the card's raw JSON: the wire, on purpose.
            let document = try await client.execute(uri: "/openapi.json", method: .get)
            let paths = Self.json(document)["paths"] as? [String: [String: Any]]
            let operation = paths?["/provider/requests/{request_id}"]?["get"] as? [String: Any]
            let success = (operation?["responses"] as? [String: Any])?["200"] as? [String: Any]
            let content = (success?["content"] as? [String: Any])?["application/json"] as? [String: Any]
            let schema = try #require(content?["schema"] as? [String: Any])
            let problems = SchemaCheck.problems(try JSONDecoder().decode(JSONValue.self, from: Data(buffer: detail.body)), schema, at: "$")
            #expect(problems.isEmpty, "\(problems.prefix(5))")
            for path in ["/provider/uploads/{sha256}", "/provider/photos/{photo_id}", "/provider/requests/{request_id}/timer"] {
                #expect(paths?[path] != nil, "\(path) is documented")
            }
        }
    }

    @Test("malformed input on the mission-work routes: always a 4xx with the error shape, nothing written")
    func malformedInput() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let owner = try #require(harness.providers.first)
        let request = try await Self.walkIn(harness, provider: owner.id)
        try await harness.application().test(.router) { client in
            let token = try await harness.login(client, phone: owner.phone)
            var rng = SeededRandom(seed: 20_261_202)
            let before = try harness.changeCount()
            let endpoints: [(HTTPRequest.Method, String)] = [
                (.post, "/provider/requests/{id}/materials"), (.delete, "/provider/requests/{id}/materials/{junk}"),
                (.post, "/provider/requests/{id}/timer"), (.post, "/provider/requests/{id}/photos"),
                (.post, "/provider/requests/{id}/payment-request"), (.put, "/provider/uploads/{junk}"), (.get, "/provider/uploads/{junk}"),
                (.get, "/provider/photos/{junk}"),
            ]
            for index in 0..<240 {
                let (method, template) = endpoints[index % endpoints.count]
                let id = rng.chance(0.8) ? request : rng.junkPathSegment()
                let junk = rng.junkPathSegment()
                let path = template.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{junk}", with: junk)
                let uri = path + (rng.chance(0.5) ? "?" + rng.junkQuery() + "&offset=" + rng.pick(["-1", "x", "0", "99999999999"]) : "")
                var headers: HTTPFields = [.authorization: "Bearer \(token)"]
                headers[.contentType] = rng.pick(["application/json", "text/plain", "application/octet-stream", ""])
                let body = method == .get || method == .delete ? nil : rng.junkBody()
                let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
                #expect(response.status.code >= 400 && response.status.code < 500, "\(method) \(uri) answered \(response.status)")
                let error = try? JSONDecoder().decode(APIErrorBody.self, from: Data(buffer: response.body))
                #expect(error?.error.message.isEmpty == false, "\(method) \(uri): JSON error with a French message")
            }
            #expect(try harness.changeCount() == before)
        }
    }

    /// A real PNG (`TinyImages`) of that pixel size, padded to `size` bytes.
    static func png(width: Int, height: Int, size: Int) -> [UInt8] {
        TinyImages.png(width: width, height: height, size: size)
    }
}
