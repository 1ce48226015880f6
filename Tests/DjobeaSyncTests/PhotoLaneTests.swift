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

/// The photo byte lane (SPEC.md §6) between an in-process central on a live port and hub engines.
@Suite("Photo lane between central and hubs over HTTP", .serialized)
struct PhotoLaneTests {
    /// A linked hub: its engine (with the photo lane), its lane and its client.
    struct Hub {
        let database: NodeDatabase
        let blobs: BlobStore
        let client: SyncClient
        let lane: PhotoLane
        let engine: SyncEngine

        init(_ database: NodeDatabase, _ blobs: BlobStore, _ link: CentralLink, interval: Duration = .seconds(10)) {
            self.database = database
            self.blobs = blobs
            client = SyncClient(link: link, database: database)
            lane = PhotoLane(database: database, client: client, blobs: blobs, logger: Logger(label: "test.photos"))
            engine = SyncEngine(database: database, client: client, logger: Logger(label: "test.hub"), interval: interval, photos: lane)
        }

        static func enrol(_ base: String, _ token: String, _ database: NodeDatabase, _ blobs: BlobStore, interval: Duration = .seconds(10))
            async throws -> Hub
        {
            Hub(database, blobs, try await SyncClient.enroll(centralURL: base, token: token, database: database), interval: interval)
        }
    }

    /// A request for `zone` made at central through the platform API; returns its id.
    static func request(_ client: some TestClientProtocol, zone: String, phone: String) async throws -> String {
        let body: [String: Any] = [
            "zone": zone, "service": "plomberie", "urgency": "urgent", "description": "Fuite sous l'évier", "address": "Carrefour Kotto",
            "client_name": "Awa Ndiaye", "client_phone": phone, "budget_min": 5000, "budget_max": 15000,
        ]
        let response = try await client.execute(
            uri: "/central/requests", method: .post, headers: [.authorization: "Bearer \(SyncedNodes.apiKey)", .contentType: "application/json"],
            body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        #expect(response.status == .created, "\(String(buffer: response.body))")
        return try decode(CreatedId.self, response).id
    }

    /// Bytes that look like a JPEG, random beyond the header.
    static func jpeg(_ count: Int) -> Data {
        var bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0]
        bytes += (0..<(count - 4)).map { _ in UInt8.random(in: 0...255) }
        return Data(bytes)
    }

    /// A photo taken on `database`'s node: bytes into `blobs`, a `photos` row for `requestId` (change-logged).
    @discardableResult
    static func takePhoto(_ database: NodeDatabase, _ blobs: BlobStore, requestId: String, _ data: Data) async throws -> String {
        let hash = try blobs.put(data).sha256
        try await database.write { tx in
            _ = try tx.insert(
                .photos,
                [
                    "id": .text(DjobeaID.v7(now: tx.now)), "request_id": .text(requestId), "provider_id": .null, "kind": "before",
                    "sha256": .text(hash), "thumb_sha256": .null, "mime": "image/jpeg", "bytes": .integer(Int64(data.count)),
                    "width": .integer(320), "height": .integer(240), "taken_at": ColumnValue(tx.now), "created_at": ColumnValue(tx.now),
                ])
        }
        return hash
    }

    static func backlog(_ central: NodeDatabase, of hub: NodeDatabase) throws -> Int64 {
        try central.readBlocking { db in
            try Int64.fetchOne(db, sql: "SELECT photo_backlog_bytes FROM peers WHERE node_id = ?", arguments: [hub.nodeId]) ?? -1
        }
    }

    @Test("a photo taken at a hub reaches central byte-identical, recorded once; the hub's backlog goes back to 0")
    func photoTakenAtHubReachesCentral() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application(photos: true).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let hub = try await Hub.enrol(base, nodes.enrolA.token, nodes.hubA, nodes.blobsA)
            let requestId = try await Self.request(client, zone: "zone-a", phone: "+237677000002")
            _ = try await hub.engine.syncOnce()
            let data = Self.jpeg(200_000)
            let hash = try await Self.takePhoto(nodes.hubA, nodes.blobsA, requestId: requestId, data)
            _ = try await hub.engine.syncOnce()
            _ = try await hub.engine.syncOnce()
            #expect(try Self.backlog(nodes.central, of: nodes.hubA) == 200_000, "the pull reports what is left to upload")

            let report = try await hub.engine.syncPhotosOnce()
            #expect(report.uploaded == 1)
            #expect(report.chunks == 4, "200 000 bytes in 64 KiB chunks")
            #expect(report.bytesSent == 200_000)
            #expect(report.resends == 0)
            #expect(try nodes.centralBlobs.read(hash) == data)
            #expect(
                try SyncedNodes.count(nodes.central, "SELECT count(*) FROM blobs WHERE sha256 = ? AND bytes = 200000 AND mime = 'image/jpeg'", [hash])
                    == 1)
            #expect(!FileManager.default.fileExists(atPath: nodes.centralBlobs.root.appendingPathComponent("partial/\(hash)").path))
            _ = try await hub.engine.syncOnce()
            #expect(try Self.backlog(nodes.central, of: nodes.hubA) == 0)
            let again = try await hub.lane.syncPhotosOnce()
            #expect(again == PhotoLaneReport(), "nothing moves twice")
            let status = try await hub.client.photoStatus([hash])
            #expect(status.have == [hash])
        }
    }

    @Test("rows sync without waiting for bytes: a round completes while the photo is still unuploaded")
    func rowsDoNotWaitForBytes() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application(photos: true).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let hub = try await Hub.enrol(base, nodes.enrolA.token, nodes.hubA, nodes.blobsA)
            let requestId = try await Self.request(client, zone: "zone-a", phone: "+237677000002")
            _ = try await hub.engine.syncOnce()
            let hash = try await Self.takePhoto(nodes.hubA, nodes.blobsA, requestId: requestId, Self.jpeg(70_000))
            let round = try await hub.engine.syncOnce()
            #expect(round.pushed == 1)
            #expect(try SyncedNodes.count(nodes.central, "SELECT count(*) FROM photos WHERE sha256 = ?", [hash]) == 1, "the row is at central")
            #expect(!nodes.centralBlobs.contains(hash), "its bytes are not, yet")
            // A download of a photo not uploaded yet is simply "not available yet".
            let status = try await hub.client.photoStatus([hash])
            #expect(status.have.isEmpty && status.partial.isEmpty)
            let unknown = await #expect(throws: SyncError.self) { _ = try await hub.client.getPhoto(sha256: hash, offset: 0) }
            #expect(unknown == .photoUnknown)
        }
    }

    @Test("an upload cut after 2 chunks resumes at central's offset and re-sends at most one chunk")
    func uploadResumesAfterCut() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application(photos: true).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let hub = try await Hub.enrol(base, nodes.enrolA.token, nodes.hubA, nodes.blobsA)
            let requestId = try await Self.request(client, zone: "zone-a", phone: "+237677000002")
            _ = try await hub.engine.syncOnce()

            // Cut after 2 chunks, then the next pass asks status and goes on from 131 072: nothing sent twice.
            let first = Self.jpeg(200_000)
            let hashFirst = try await Self.takePhoto(nodes.hubA, nodes.blobsA, requestId: requestId, first)
            _ = try await hub.engine.syncOnce()
            let cut = try await hub.lane.syncPhotosOnce(maxChunks: 2)
            #expect(cut.chunks == 2 && cut.stopped && cut.uploaded == 0)
            #expect(try await hub.client.photoStatus([hashFirst]).partial == [hashFirst: 131_072])
            #expect(!nodes.centralBlobs.contains(hashFirst))
            let resumed = try await hub.lane.syncPhotosOnce()
            #expect(resumed.uploaded == 1 && resumed.chunks == 2 && resumed.resends == 0)
            #expect(try nodes.centralBlobs.read(hashFirst) == first)

            // Cut after 2 chunks with the second answer lost: the hub believes central holds 65 536; central answers
            // 409 with its offset and the upload goes on from there, one chunk re-sent.
            let second = Self.jpeg(200_000)
            let hashSecond = try await Self.takePhoto(nodes.hubA, nodes.blobsA, requestId: requestId, second)
            _ = try await hub.engine.syncOnce()
            _ = try await hub.lane.uploadBlob(hashSecond, maxChunks: 2)
            let conflict = await #expect(throws: SyncError.self) {
                _ = try await hub.client.putPhoto(
                    sha256: hashSecond, offset: 65_536, size: 200_000, chunk: Array(second[65_536..<131_072]))
            }
            #expect(conflict == .photoOffset(131_072))
            let lost = try await hub.lane.uploadBlob(hashSecond, from: 65_536)
            #expect(lost.uploaded == 1)
            #expect(lost.resends == 1, "at most one chunk re-sent")
            #expect(lost.chunks == 3)
            #expect(try nodes.centralBlobs.read(hashSecond) == second)
        }
    }

    @Test("the 409 carries the offset in the error object and in Djobea-Photo-Offset")
    func offsetConflictShape() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application(photos: true).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let hub = try await Hub.enrol(base, nodes.enrolA.token, nodes.hubA, nodes.blobsA)
            let requestId = try await Self.request(client, zone: "zone-a", phone: "+237677000002")
            _ = try await hub.engine.syncOnce()
            let data = Self.jpeg(100_000)
            let hash = try await Self.takePhoto(nodes.hubA, nodes.blobsA, requestId: requestId, data)
            _ = try await hub.engine.syncOnce()
            let chunk = Array(data[65_536...])
            let (headers, raw) = try await Self.signedPut(hub.client, hash: hash, offset: 65_536, size: 100_000, chunk: chunk)
            #expect(headers.status == 409)
            #expect(headers.offset == "0")
            let error = (try JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any])?["error"] as? [String: Any]
            #expect(error?["code"] as? String == "sync_photo_offset")
            #expect(error?["offset"] as? Int == 0)
            #expect(error?["message"] is String)
        }
    }

    /// A signed PUT sent by hand, to look at the raw answer.
    static func signedPut(_ client: SyncClient, hash: String, offset: Int64, size: Int64, chunk: [UInt8]) async throws -> (
        (status: Int, offset: String?), [UInt8]
    ) {
        let link = client.link
        let counter = Date().unixMillis + 1_000_000
        let time = Date().unixMillis
        let path = "/sync/v1/photos/\(hash)"
        var request = HTTPClientRequest(url: link.centralURL + path + "?offset=\(offset)")
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.headers.add(name: "Djobea-Photo-Size", value: String(size))
        request.headers.add(name: SyncSignature.Header.hub, value: link.hubId)
        request.headers.add(name: SyncSignature.Header.counter, value: String(counter))
        request.headers.add(name: SyncSignature.Header.time, value: String(time))
        request.headers.add(
            name: SyncSignature.Header.signature,
            value: SyncSignature.sign(secret: link.secret, method: "PUT", path: path, hubId: link.hubId, counter: counter, time: time, body: chunk))
        request.body = .bytes(ByteBuffer(bytes: chunk))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return ((Int(response.status.code), response.headers.first(name: "Djobea-Photo-Offset")), Array(body.readableBytesView))
    }

    @Test("a tampered chunk ends in 422 and nothing is stored; the upload then starts over at 0")
    func tamperedChunkIsRefused() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application(photos: true).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let hub = try await Hub.enrol(base, nodes.enrolA.token, nodes.hubA, nodes.blobsA)
            let requestId = try await Self.request(client, zone: "zone-a", phone: "+237677000002")
            _ = try await hub.engine.syncOnce()
            let data = Self.jpeg(100_000)
            let hash = try await Self.takePhoto(nodes.hubA, nodes.blobsA, requestId: requestId, data)
            _ = try await hub.engine.syncOnce()
            let first = try await hub.client.putPhoto(sha256: hash, offset: 0, size: 100_000, chunk: Array(data[0..<65_536]))
            #expect(first == PhotoUploadResponse(sha256: hash, offset: 65_536, complete: false))
            var tampered = Array(data[65_536...])
            tampered[100] ^= 0xFF
            let refused = await #expect(throws: SyncError.self) {
                _ = try await hub.client.putPhoto(sha256: hash, offset: 65_536, size: 100_000, chunk: tampered)
            }
            #expect(refused == .photoHashMismatch)
            #expect(refused?.status == 422)
            #expect(!nodes.centralBlobs.contains(hash))
            #expect(try SyncedNodes.count(nodes.central, "SELECT count(*) FROM blobs") == 0)
            let status = try await hub.client.photoStatus([hash])
            #expect(status.have.isEmpty && status.partial.isEmpty, "the partial upload was dropped")
            // A different size than the partial upload's is malformed.
            _ = try await hub.client.putPhoto(sha256: hash, offset: 0, size: 100_000, chunk: Array(data[0..<65_536]))
            let resized = await #expect(throws: SyncError.self) {
                _ = try await hub.client.putPhoto(sha256: hash, offset: 65_536, size: 100_001, chunk: Array(data[65_536...]))
            }
            #expect(resized?.code == "sync_malformed")
            let report = try await hub.lane.syncPhotosOnce()
            #expect(report.uploaded == 1)
            #expect(try nodes.centralBlobs.read(hash) == data)
        }
    }

    @Test("hashes outside the hub's partition are refused (403 up, 404 down); unsigned requests are 401")
    func partitionAndSignature() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application(photos: true).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let hubA = try await Hub.enrol(base, nodes.enrolA.token, nodes.hubA, nodes.blobsA)
            let hubB = try await Hub.enrol(base, nodes.enrolB.token, nodes.hubB, nodes.blobsB)
            let requestB = try await Self.request(client, zone: "zone-b", phone: "+237677000003")
            _ = try await hubA.engine.syncOnce()
            _ = try await hubB.engine.syncOnce()

            // Bytes no row refers to: central is not storage for arbitrary bytes.
            let stray = Self.jpeg(1_000)
            let strayHash = BlobStore.sha256Hex(stray)
            let refused = await #expect(throws: SyncError.self) {
                _ = try await hubA.client.putPhoto(sha256: strayHash, offset: 0, size: 1_000, chunk: Array(stray))
            }
            #expect(refused?.code == "sync_out_of_partition")
            #expect(refused?.status == 403)

            // A photo of zone b, taken at hub B: hub A may neither upload nor download it.
            let photoB = Self.jpeg(5_000)
            let hashB = try await Self.takePhoto(nodes.hubB, nodes.blobsB, requestId: requestB, photoB)
            _ = try await hubB.engine.syncOnce()
            let foreign = await #expect(throws: SyncError.self) {
                _ = try await hubA.client.putPhoto(sha256: hashB, offset: 0, size: 5_000, chunk: Array(photoB))
            }
            #expect(foreign?.status == 403)
            #expect(try await hubB.lane.syncPhotosOnce().uploaded == 1)
            let hidden = await #expect(throws: SyncError.self) { _ = try await hubA.client.getPhoto(sha256: hashB, offset: 0) }
            #expect(hidden == .photoUnknown)
            #expect(try await hubA.lane.syncPhotosOnce() == PhotoLaneReport(), "hub A has no row referring to it")

            // Unsigned.
            var put = HTTPClientRequest(url: base + "/sync/v1/photos/\(hashB)?offset=0")
            put.method = .PUT
            put.headers.add(name: "Djobea-Photo-Size", value: "5000")
            put.body = .bytes(ByteBuffer(bytes: Array(photoB)))
            let response = try await HTTPClient.shared.execute(put, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            #expect(response.status.code == 401)
            #expect(try JSONCoding.decoder.decode(APIErrorBody.self, from: Data(buffer: body)).error.code == "sync_unauthenticated")
            var get = HTTPClientRequest(url: base + "/sync/v1/photos/\(hashB)?offset=0")
            get.method = .GET
            #expect(try await HTTPClient.shared.execute(get, timeout: .seconds(30)).status.code == 401)

            // Malformed: a bad hash, an offset past the blob.
            let badHash = await #expect(throws: SyncError.self) { _ = try await hubB.client.getPhoto(sha256: "ABC", offset: 0) }
            #expect(badHash?.code == "sync_malformed")
            let past = await #expect(throws: SyncError.self) { _ = try await hubB.client.getPhoto(sha256: hashB, offset: 5_000) }
            #expect(past?.code == "sync_malformed")
            let tooBig = await #expect(throws: SyncError.self) {
                _ = try await hubB.client.putPhoto(sha256: hashB, offset: 0, size: 16_777_217, chunk: [1])
            }
            #expect(tooBig?.status == 413)
            let tooMany = await #expect(throws: SyncError.self) {
                _ = try await hubB.client.photoStatus(Array(repeating: hashB, count: 1_001))
            }
            #expect(tooMany?.code == "sync_too_large")
        }
    }

    @Test("a photo made at central reaches the hub by download, resumed at the hub's partial length")
    func photoFromCentralIsDownloaded() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application(photos: true).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let hub = try await Hub.enrol(base, nodes.enrolA.token, nodes.hubA, nodes.blobsA)
            let requestId = try await Self.request(client, zone: "zone-a", phone: "+237677000002")
            let data = Self.jpeg(150_000)
            let hash = try await Self.takePhoto(nodes.central, nodes.centralBlobs, requestId: requestId, data)
            _ = try await hub.engine.syncOnce()
            #expect(try SyncedNodes.count(nodes.hubA, "SELECT count(*) FROM photos WHERE sha256 = ?", [hash]) == 1)

            let cut = try await hub.lane.syncPhotosOnce(maxChunks: 1)
            #expect(cut.chunks == 1 && cut.downloaded == 0 && cut.bytesReceived == 65_536)
            let partial = nodes.blobsA.root.appendingPathComponent("partial/\(hash)")
            #expect(PartialBlobs.fileSize(partial) == 65_536)
            let rest = try await hub.lane.syncPhotosOnce()
            #expect(rest.downloaded == 1 && rest.chunks == 2 && rest.bytesReceived == 150_000 - 65_536)
            #expect(try nodes.blobsA.read(hash) == data)
            #expect(!FileManager.default.fileExists(atPath: partial.path))
            #expect(try SyncedNodes.count(nodes.hubA, "SELECT count(*) FROM blobs WHERE sha256 = ? AND mime = 'image/jpeg'", [hash]) == 1)
            #expect(try await hub.lane.syncPhotosOnce() == PhotoLaneReport())
        }
    }

    @Test("the same photo at two requests is uploaded and stored once")
    func samePhotoStoredOnce() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application(photos: true).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let hub = try await Hub.enrol(base, nodes.enrolA.token, nodes.hubA, nodes.blobsA)
            let first = try await Self.request(client, zone: "zone-a", phone: "+237677000002")
            let second = try await Self.request(client, zone: "zone-a", phone: "+237677000004")
            _ = try await hub.engine.syncOnce()
            let data = Self.jpeg(80_000)
            let hash = try await Self.takePhoto(nodes.hubA, nodes.blobsA, requestId: first, data)
            #expect(try await Self.takePhoto(nodes.hubA, nodes.blobsA, requestId: second, data) == hash)
            _ = try await hub.engine.syncOnce()
            #expect(try SyncedNodes.count(nodes.central, "SELECT count(*) FROM photos WHERE sha256 = ?", [hash]) == 2)
            let report = try await hub.lane.syncPhotosOnce()
            #expect(report.uploaded == 1 && report.chunks == 2)
            #expect(try SyncedNodes.count(nodes.central, "SELECT count(*) FROM blobs WHERE sha256 = ?", [hash]) == 1)
            let stored = try FileManager.default.subpathsOfDirectory(atPath: nodes.centralBlobs.root.path).filter { $0.hasSuffix(hash) }
            #expect(stored.count == 1)
        }
    }

    @Test("the running engine moves photos when rows are idle, both ways; a central without blob store answers 503")
    func engineRunsTheLane() async throws {
        let nodes = try await SyncedNodes.make()
        defer { try? FileManager.default.removeItem(at: nodes.directory) }
        try await nodes.application(photos: true).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let hub = try await Hub.enrol(base, nodes.enrolA.token, nodes.hubA, nodes.blobsA, interval: .milliseconds(300))
            let requestId = try await Self.request(client, zone: "zone-a", phone: "+237677000002")
            let fromCentral = Self.jpeg(90_000)
            let hashDown = try await Self.takePhoto(nodes.central, nodes.centralBlobs, requestId: requestId, fromCentral)
            let running = Task { await hub.engine.run() }
            defer { running.cancel() }
            var waited = 0
            while !nodes.blobsA.contains(hashDown), waited < 300 {
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
            #expect(try nodes.blobsA.read(hashDown) == fromCentral)
            let fromHub = Self.jpeg(90_000)
            let hashUp = try await Self.takePhoto(nodes.hubA, nodes.blobsA, requestId: requestId, fromHub)
            waited = 0
            while !nodes.centralBlobs.contains(hashUp), waited < 300 {
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
            #expect(try nodes.centralBlobs.read(hashUp) == fromHub)
            running.cancel()
            _ = await running.value
        }
        try await nodes.application(photos: false).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let hubC = try NodeDatabase.open(path: nodes.directory.appendingPathComponent("c.sqlite").path, role: .hub)
            let link = try await SyncClient.enroll(
                centralURL: base, token: try await nodes.central.enrolHub(name: "Hub C", zoneCodes: ["zone-c"]).token, database: hubC)
            let unavailable = await #expect(throws: SyncError.self) {
                _ = try await SyncClient(link: link, database: hubC).photoStatus([String(repeating: "a", count: 64)])
            }
            #expect(unavailable == .photoUnavailable)
            #expect(unavailable?.status == 503)
        }
    }
}
