import DjobeaDomain
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

/// A request accepted by provider A at `world.now`, optionally moved on to `stage`.
private func acceptedMission(_ world: RequestsWorld, through stages: [MissionStage] = []) async throws -> String {
    let request = try world.request()
    try world.offer(request, to: world.providerA)
    _ = try await world.commands.accept(providerId: world.providerA, requestId: request, now: world.now)
    for (index, stage) in stages.enumerated() {
        _ = try await world.commands.updateStatus(
            providerId: world.providerA, requestId: request, stage: stage, now: world.now.addingTimeInterval(Double(index + 1) * 600))
    }
    return request
}

@Suite("Mission work: materials, timer, photos, payment request")
struct MissionWorkTests {
    // MARK: - Scoping

    @Test("another provider, an offered-only request and an unknown id get not_found, and nothing is written")
    func scoping() async throws {
        let world = try RequestsWorld()
        let request = try await acceptedMission(world, through: [.arrived, .diagnosed, .repairing])
        let offeredOnly = try world.request("Prise grillée")
        try world.offer(offeredOnly, to: world.providerB)
        let uploads = try PhotoUploads(dataDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("mw-\(UUID())"))
        defer { try? FileManager.default.removeItem(at: uploads.directory.deletingLastPathComponent()) }
        let before = try world.changeCount()
        let photo = MissionPhotoInput(
            kind: .before, sha256: String(repeating: "a", count: 64), thumbSha256: nil, mime: "image/png", width: 10, height: 10, takenAt: world.now)
        for (provider, target) in [(world.providerB, request), (world.providerB, offeredOnly), (world.providerA, DjobeaID.v7())] {
            let later = world.now.addingTimeInterval(3_600)
            #expect(
                await providerRequestError {
                    try await world.commands.addMaterial(
                        providerId: provider, requestId: target, label: "Joint", quantity: 1, unitPrice: 500, now: later)
                } == .notFound)
            #expect(
                await providerRequestError {
                    try await world.commands.timer(providerId: provider, requestId: target, action: .start, at: later, now: later)
                } == .notFound)
            #expect(
                await providerRequestError {
                    try await world.commands.addPhoto(providerId: provider, requestId: target, photo: photo, uploads: uploads, now: later)
                } == .notFound)
            #expect(
                await providerRequestError {
                    try await world.commands.requestPayment(providerId: provider, requestId: target, labour: 10_000, now: later)
                } == .notFound)
        }
        #expect(try world.changeCount() == before)
        #expect(try world.detail(world.providerB, offeredOnly)?.timer == MissionTimer.empty)
        #expect(try world.detail(world.providerB, offeredOnly)?.invoice == nil)
    }

    // MARK: - Materials

    @Test("materials: added with the total, validated field by field, deleted, replayed by key without a second row")
    func materials() async throws {
        let world = try RequestsWorld()
        let request = try await acceptedMission(world)
        let at = world.now.addingTimeInterval(600)
        let first = try await world.commands.addMaterial(
            providerId: world.providerA, requestId: request, label: "  Joint de robinet ", quantity: 2, unitPrice: 750, idempotencyKey: "m-1",
            now: at)
        #expect(first.material.label == "Joint de robinet" && first.material.total == 1_500 && first.materialsTotal == 1_500)
        #expect(first.materialsTotalLabel == XAF(1_500).formatted && !first.replayed)
        let changes = try world.changeCount()
        let replay = try await world.commands.addMaterial(
            providerId: world.providerA, requestId: request, label: "Joint de robinet", quantity: 2, unitPrice: 750, idempotencyKey: "m-1",
            now: at.addingTimeInterval(60))
        #expect(replay.replayed && replay.material.id == first.material.id)
        #expect(try world.changeCount() == changes)
        #expect(try world.count("SELECT count(*) FROM mission_materials") == 1)
        let second = try await world.commands.addMaterial(
            providerId: world.providerA, requestId: request, label: "Tuyau PVC", quantity: 1, unitPrice: 3_000, now: at)
        #expect(second.materialsTotal == 4_500)
        #expect(try world.detail(world.providerA, request)?.materialsTotal == 4_500)

        for (label, quantity, price, field) in [
            ("", 1, 100, "label"), (String(repeating: "é", count: 161), 1, 100, "label"), ("Vis", 0, 100, "quantity"),
            ("Vis", 10_001, 100, "quantity"), ("Vis", 1, -1, "unit_price"), ("Vis", 1, 10_000_001, "unit_price"),
        ] {
            let error = await providerRequestError {
                try await world.commands.addMaterial(
                    providerId: world.providerA, requestId: request, label: label, quantity: quantity, unitPrice: price)
            }
            #expect(error?.code == "invalid_parameter" && error?.field == field && error?.kind == .invalid, "\(field)")
        }
        #expect(
            try await world.commands.addMaterial(
                providerId: world.providerA, requestId: request, label: String(repeating: "é", count: 160), quantity: 10_000, unitPrice: 0, now: at
            ).material.total == 0)

        let deleted = try await world.commands.deleteMaterial(
            providerId: world.providerA, requestId: request, materialId: second.material.id, idempotencyKey: "d-1", now: at)
        #expect(deleted.materialsTotal == 1_500 && deleted.material.id == second.material.id)
        #expect(try world.count("SELECT count(*) FROM tombstones WHERE table_name = 'mission_materials'") == 1)
        let deleteReplay = try await world.commands.deleteMaterial(
            providerId: world.providerA, requestId: request, materialId: second.material.id, idempotencyKey: "d-1", now: at)
        #expect(deleteReplay.replayed)
        let again = await providerRequestError {
            try await world.commands.deleteMaterial(providerId: world.providerA, requestId: request, materialId: second.material.id, now: at)
        }
        #expect(again?.code == "not_found")
        // Another provider cannot delete A's material.
        let foreign = await providerRequestError {
            try await world.commands.deleteMaterial(providerId: world.providerB, requestId: request, materialId: first.material.id, now: at)
        }
        #expect(foreign == .notFound)
    }

    @Test("materials are refused on a cancelled mission and once the payment request is sent")
    func materialsClosed() async throws {
        let world = try RequestsWorld()
        let cancelled = try await acceptedMission(world)
        try world.event(cancelled, .cancelled, by: .client, at: world.now.addingTimeInterval(60))
        let refused = await providerRequestError {
            try await world.commands.addMaterial(
                providerId: world.providerA, requestId: cancelled, label: "Joint", quantity: 1, unitPrice: 500, now: world.now.addingTimeInterval(120)
            )
        }
        #expect(refused?.code == "illegal_transition" && refused?.kind == .conflict)
        #expect(refused?.messageFR.contains("Annulée") == true)

        let invoiced = try await acceptedMission(world, through: [.arrived, .diagnosed, .repairing])
        let later = world.now.addingTimeInterval(3_600)
        _ = try await world.commands.requestPayment(providerId: world.providerA, requestId: invoiced, labour: 10_000, now: later)
        let frozen = await providerRequestError {
            try await world.commands.addMaterial(
                providerId: world.providerA, requestId: invoiced, label: "Joint", quantity: 1, unitPrice: 500, now: later)
        }
        #expect(frozen?.code == "invoice_exists")
    }

    // MARK: - Timer

    @Test("timer: counts from the tap, start while running and stop while stopped write nothing, totals closed plus running")
    func timer() async throws {
        let world = try RequestsWorld()
        let request = try await acceptedMission(world)
        let t0 = world.now.addingTimeInterval(600)
        let started = try await world.commands.timer(
            providerId: world.providerA, requestId: request, action: .start, at: t0, idempotencyKey: "t-1", now: t0.addingTimeInterval(900))
        // Replayed from an offline outbox 15 minutes later: counts from the tap.
        #expect(started.timer.runningSince == UTCTimestamp.format(t0) && started.timer.totalSeconds == 900 && !started.replayed)
        let changes = try world.changeCount()
        let again = try await world.commands.timer(
            providerId: world.providerA, requestId: request, action: .start, at: t0.addingTimeInterval(30), now: t0.addingTimeInterval(960))
        #expect(again.replayed && again.timer.sessions.count == 1 && again.timer.runningSince == UTCTimestamp.format(t0))
        let keyReplay = try await world.commands.timer(
            providerId: world.providerA, requestId: request, action: .start, at: t0, idempotencyKey: "t-1", now: t0.addingTimeInterval(990))
        #expect(keyReplay.replayed && keyReplay.timer == started.timer)
        #expect(try world.changeCount() == changes)

        let stopped = try await world.commands.timer(
            providerId: world.providerA, requestId: request, action: .stop, at: t0.addingTimeInterval(1_200), now: t0.addingTimeInterval(1_300))
        #expect(stopped.timer.runningSince == nil && stopped.timer.totalSeconds == 1_200 && !stopped.replayed)
        let stopAgain = try await world.commands.timer(
            providerId: world.providerA, requestId: request, action: .stop, at: t0.addingTimeInterval(1_250), now: t0.addingTimeInterval(1_300))
        #expect(stopAgain.replayed && stopAgain.timer.totalSeconds == 1_200)

        // A second session, overlapping the first's end: it starts at that end.
        _ = try await world.commands.timer(
            providerId: world.providerA, requestId: request, action: .start, at: t0.addingTimeInterval(1_100), now: t0.addingTimeInterval(1_400))
        let detail = try #require(
            try world.read {
                try ProviderRequestsQuery.detail(providerId: world.providerA, requestId: request, now: t0.addingTimeInterval(1_500), in: $0)
            })
        #expect(detail.timer.sessions.count == 2)
        #expect(detail.timer.sessions[1].startedAt == UTCTimestamp.format(t0.addingTimeInterval(1_200)))
        #expect(detail.timer.runningSince == UTCTimestamp.format(t0.addingTimeInterval(1_200)))
        #expect(detail.timer.totalSeconds == 1_200 + 300)
        let json = String(decoding: try snakeCaseEncoder().encode(detail), as: UTF8.self)
        #expect(json.contains("\"stopped_at\":null") && json.contains("\"total_seconds\":1500"))

        // Refused: more than 5 minutes ahead, before the acceptance.
        let future = await providerRequestError {
            try await world.commands.timer(
                providerId: world.providerA, requestId: request, action: .stop, at: t0.addingTimeInterval(2_000), now: t0.addingTimeInterval(1_600))
        }
        #expect(future?.field == "at" && future?.kind == .invalid)
        let early = await providerRequestError {
            try await world.commands.timer(
                providerId: world.providerA, requestId: request, action: .stop, at: world.now.addingTimeInterval(-3_600), now: t0)
        }
        #expect(early?.field == "at" && early?.kind == .invalid)
    }

    // MARK: - Photos

    @Test("uploads: resumed at the right offset, refused at a wrong one, capped at 300 000 bytes, hash mismatch discards")
    func uploads() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mw-up-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let uploads = try PhotoUploads(dataDirectory: root)
        let provider = DjobeaID.v7()
        let bytes = MissionWorkTests.png(width: 800, height: 600, size: 100_000)
        let hash = BlobStore.sha256Hex(Data(bytes))
        #expect(try uploads.status(providerId: provider, sha256: hash) == PhotoUploadStatus(sha256: hash, received: 0, complete: false))
        let first = try uploads.append(providerId: provider, sha256: hash, offset: 0, chunk: Array(bytes[0..<40_000]))
        #expect(first.received == 40_000 && !first.complete)
        // A replayed chunk (the answer was lost) or a skipped one: told where to resume.
        #expect(throws: PhotoUploadOffsetMismatch(received: 40_000)) {
            try uploads.append(providerId: provider, sha256: hash, offset: 0, chunk: Array(bytes[0..<40_000]))
        }
        #expect(throws: PhotoUploadOffsetMismatch(received: 40_000)) {
            try uploads.append(providerId: provider, sha256: hash, offset: 80_000, chunk: Array(bytes[80_000...]))
        }
        // Another provider's upload of the same hash is theirs.
        #expect(try uploads.status(providerId: DjobeaID.v7(), sha256: hash).received == 0)
        #expect(try uploads.status(providerId: provider, sha256: hash).received == 40_000)
        #expect(throws: ProviderRequestError.self) {
            try uploads.append(providerId: provider, sha256: hash, offset: 40_000, chunk: Array(repeating: 0, count: PhotoUploads.maxChunkBytes + 1))
        }
        let second = try uploads.append(providerId: provider, sha256: hash, offset: 40_000, chunk: Array(bytes[40_000..<80_000]))
        #expect(second.received == 80_000)
        let done = try uploads.append(providerId: provider, sha256: hash, offset: 80_000, size: bytes.count, chunk: Array(bytes[80_000...]))
        #expect(done == PhotoUploadStatus(sha256: hash, received: bytes.count, complete: true))
        #expect(uploads.blobs.contains(hash))
        // Complete for this provider only: another one must send the bytes themselves.
        #expect(try uploads.status(providerId: DjobeaID.v7(), sha256: hash) == PhotoUploadStatus(sha256: hash, received: 0, complete: false))
        #expect(try uploads.append(providerId: provider, sha256: hash, offset: 5, chunk: [1, 2, 3]).complete)

        // Too large: past 300 000 bytes (announced or sent).
        let big = String(repeating: "b", count: 64)
        let bigBytes = MissionWorkTests.png(width: 10, height: 10, size: PhotoUploads.maxUploadBytes + PhotoUploads.maxChunkBytes)
        #expect(throws: ProviderRequestError.self) { try uploads.append(providerId: provider, sha256: big, offset: 0, size: 300_001, chunk: [1]) }
        var offset = 0
        var tooLarge: ProviderRequestError?
        do {
            while offset <= PhotoUploads.maxUploadBytes {
                offset = try uploads.append(
                    providerId: provider, sha256: big, offset: offset, chunk: Array(bigBytes[offset..<offset + PhotoUploads.maxChunkBytes])
                ).received
            }
        } catch let error as ProviderRequestError {
            tooLarge = error
        }
        #expect(tooLarge?.code == "photo_too_large" && tooLarge?.kind == .tooLarge)
        #expect(try uploads.status(providerId: provider, sha256: big).received == 0, "the oversize partial is discarded")

        // Full size reached with other bytes: mismatch, partial discarded.
        let other = String(repeating: "c", count: 64)
        let otherBytes = Array(MissionWorkTests.png(width: 2, height: 2, size: 0).prefix(20))
        _ = try uploads.append(providerId: provider, sha256: other, offset: 0, size: 20, chunk: Array(otherBytes[0..<10]))
        #expect(throws: ProviderRequestError.self) {
            try uploads.append(providerId: provider, sha256: other, offset: 10, size: 20, chunk: Array(otherBytes[10..<20]))
        }
        do {
            _ = try uploads.append(providerId: provider, sha256: other, offset: 0, size: 20, chunk: otherBytes)
        } catch let error as ProviderRequestError {
            #expect(error.code == "photo_hash_mismatch" && error.kind == .invalid)
        }
        #expect(try uploads.status(providerId: provider, sha256: other).received == 0)
        #expect(throws: ProviderRequestError.self) { try uploads.status(providerId: provider, sha256: "not-a-hash") }
    }

    @Test("photos: recorded from an uploaded blob, same hash and kind is the same photo, missing, too large, wrong type refused")
    func photos() async throws {
        let world = try RequestsWorld()
        let request = try await acceptedMission(world, through: [.arrived])
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mw-ph-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let uploads = try PhotoUploads(dataDirectory: root)
        let full = MissionWorkTests.png(width: 1_280, height: 960, size: 200_000)
        let thumb = MissionWorkTests.png(width: 320, height: 240, size: 20_000)
        let fullHash = try MissionWorkTests.upload(full, by: world.providerA, to: uploads)
        let thumbHash = try MissionWorkTests.upload(thumb, by: world.providerA, to: uploads)
        let at = world.now.addingTimeInterval(3_600)
        func input(_ sha: String, kind: PhotoKind = .before, mime: String = "image/png", thumb: String? = nil) -> MissionPhotoInput {
            MissionPhotoInput(kind: kind, sha256: sha, thumbSha256: thumb, mime: mime, width: 1_280, height: 960, takenAt: at)
        }
        let first = try await world.commands.addPhoto(
            providerId: world.providerA, requestId: request, photo: input(fullHash, thumb: thumbHash), uploads: uploads, idempotencyKey: "p-1",
            now: at)
        #expect(!first.replayed && first.kind == "before")
        let row = try #require(try world.read { try Row.fetchOne($0, sql: "SELECT * FROM photos WHERE id = ?", arguments: [first.id]) })
        #expect(row["bytes"] as Int == 200_000 && row["width"] as Int == 1_280 && row["thumb_sha256"] as String == thumbHash)
        #expect(try world.count("SELECT count(*) FROM blobs WHERE sha256 IN (?, ?)", [fullHash, thumbHash]) == 2)
        #expect(try world.count("SELECT count(*) FROM change_log WHERE table_name = 'photos' AND row_key = ?", [first.id]) == 1)
        let changes = try world.changeCount()
        let sameKey = try await world.commands.addPhoto(
            providerId: world.providerA, requestId: request, photo: input(fullHash, thumb: thumbHash), uploads: uploads, idempotencyKey: "p-1",
            now: at)
        let sameHash = try await world.commands.addPhoto(
            providerId: world.providerA, requestId: request, photo: input(fullHash), uploads: uploads, idempotencyKey: "p-2", now: at)
        #expect(sameKey.replayed && sameKey.id == first.id && sameHash.replayed && sameHash.id == first.id)
        #expect(try world.changeCount() == changes)
        let after = try await world.commands.addPhoto(
            providerId: world.providerA, requestId: request, photo: input(fullHash, kind: .after), uploads: uploads, now: at)
        #expect(after.id != first.id)
        #expect(try world.detail(world.providerA, request)?.photos.map(\.kind) == ["before", "after"])

        let missing = await providerRequestError {
            try await world.commands.addPhoto(
                providerId: world.providerA, requestId: request, photo: input(String(repeating: "d", count: 64)), uploads: uploads, now: at)
        }
        #expect(missing?.code == "photo_missing" && missing?.kind == .conflict)
        let heavy = try MissionWorkTests.upload(MissionWorkTests.png(width: 100, height: 100, size: 256_001), by: world.providerA, to: uploads)
        let heavyError = await providerRequestError {
            try await world.commands.addPhoto(providerId: world.providerA, requestId: request, photo: input(heavy), uploads: uploads, now: at)
        }
        #expect(heavyError?.code == "photo_too_large" && heavyError?.kind == .invalid)
        let huge = try MissionWorkTests.upload(MissionWorkTests.png(width: 4_000, height: 3_000, size: 1_000), by: world.providerA, to: uploads)
        let hugeError = await providerRequestError {
            try await world.commands.addPhoto(providerId: world.providerA, requestId: request, photo: input(huge), uploads: uploads, now: at)
        }
        #expect(hugeError?.code == "photo_too_large")
        let wrongType = await providerRequestError {
            try await world.commands.addPhoto(
                providerId: world.providerA, requestId: request, photo: input(fullHash, kind: .other, mime: "image/jpeg"), uploads: uploads,
                now: at)
        }
        #expect(wrongType?.field == "kind")
        let mimeLie = await providerRequestError {
            try await world.commands.addPhoto(
                providerId: world.providerA, requestId: request, photo: input(thumbHash, kind: .after, mime: "image/jpeg"), uploads: uploads,
                now: at)
        }
        #expect(mimeLie?.field == "mime")
        var wide = input(fullHash, kind: .after)
        wide.width = 1_281
        #expect(
            await providerRequestError {
                try await world.commands.addPhoto(providerId: world.providerA, requestId: request, photo: wide, uploads: uploads, now: at)
            }?.field == "width")

        // Served to A (thumb or full), not to B.
        let served = try #require(
            try await RequestStore(world.database).photo(
                providerId: world.providerA, photoId: first.id, thumbnail: true, blobs: uploads.blobs, now: at))
        #expect(served.sha256 == thumbHash && served.mime == "image/png" && served.data == Data(thumb))
        let afterFull = try #require(
            try await RequestStore(world.database).photo(
                providerId: world.providerA, photoId: after.id, thumbnail: true, blobs: uploads.blobs, now: at))
        #expect(afterFull.sha256 == fullHash, "no thumbnail: the full photo")
        #expect(
            try await RequestStore(world.database).photo(
                providerId: world.providerB, photoId: first.id, thumbnail: false, blobs: uploads.blobs, now: at)
                == nil)
    }

    @Test("uploads are the uploader's: another provider knowing the hash sees nothing, cannot attach it, and must send the bytes")
    func uploadsAreScoped() async throws {
        let world = try RequestsWorld()
        let requestA = try await acceptedMission(world, through: [.arrived])
        let requestB = try world.request("Prise grillée")
        try world.offer(requestB, to: world.providerB)
        _ = try await world.commands.accept(providerId: world.providerB, requestId: requestB, now: world.now)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mw-scope-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let uploads = try PhotoUploads(dataDirectory: root)
        let bytes = MissionWorkTests.png(width: 640, height: 480, size: 60_000)
        let hash = try MissionWorkTests.upload(bytes, by: world.providerA, to: uploads)
        #expect(try uploads.status(providerId: world.providerA, sha256: hash).complete)
        // B asks about A's photo: not started, offset 0, exactly like an unknown hash.
        #expect(try uploads.status(providerId: world.providerB, sha256: hash) == PhotoUploadStatus(sha256: hash, received: 0, complete: false))
        let at = world.now.addingTimeInterval(3_600)
        let photo = MissionPhotoInput(kind: .before, sha256: hash, thumbSha256: nil, mime: "image/png", width: 640, height: 480, takenAt: at)
        let stolen = await providerRequestError {
            try await world.commands.addPhoto(providerId: world.providerB, requestId: requestB, photo: photo, uploads: uploads, now: at)
        }
        #expect(stolen?.code == "photo_missing" && stolen?.kind == .conflict)
        _ = try await world.commands.addPhoto(providerId: world.providerA, requestId: requestA, photo: photo, uploads: uploads, now: at)
        // Once B sends the bytes themselves, they are B's too.
        _ = try MissionWorkTests.upload(bytes, by: world.providerB, to: uploads)
        let attached = try await world.commands.addPhoto(providerId: world.providerB, requestId: requestB, photo: photo, uploads: uploads, now: at)
        #expect(!attached.replayed)
        // A photo already on one of A's own requests can go on another without a new upload (A's own bytes).
        let second = try await acceptedMission(world, through: [.arrived])
        var withThumb = photo
        withThumb.thumbSha256 = hash
        let reused = try await world.commands.addPhoto(providerId: world.providerA, requestId: second, photo: withThumb, uploads: uploads, now: at)
        #expect(!reused.replayed)
    }

    @Test("completed uploads must be whole images: HTML, SVG, a 7-byte JPEG and a cut PNG are refused with 415 photo_not_image")
    func uploadsMustBeImages() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mw-img-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let uploads = try PhotoUploads(dataDirectory: root)
        let provider = DjobeaID.v7()
        let png = MissionWorkTests.png(width: 40, height: 30, size: 2_000)
        let attacks: [(String, [UInt8])] = [
            ("html", Array("<html><body><script>alert(document.cookie)</script></body></html>".utf8)),
            ("svg", Array("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".utf8)),
            ("7-byte jpeg", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A]),
            ("cut png", Array(png.prefix(1_500))),
            ("png without size", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 30)),
            ("jpeg without frame", [0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x04, 0x41, 0x42, 0xFF, 0xD9, 0x00, 0x00, 0xFF, 0xD9]),
            ("cut jpeg", Array(TinyImages.jpeg(width: 64, height: 48, size: 600).dropLast(2))),
        ]
        for (name, bytes) in attacks {
            let hash = BlobStore.sha256Hex(Data(bytes))
            do {
                _ = try MissionWorkTests.upload(bytes, by: provider, to: uploads)
                Issue.record("\(name) was accepted")
            } catch let error as ProviderRequestError {
                #expect(error.code == "photo_not_image" && error.kind == .unsupportedContent, "\(name): \(error.code)")
                #expect(error.messageFR.contains("JPEG, PNG ou WebP"))
            }
            #expect(!uploads.blobs.contains(hash), "\(name) is not stored")
            #expect(try uploads.status(providerId: provider, sha256: hash).received == 0, "\(name): the partial upload is discarded")
        }
        for (name, bytes) in [("png", png), ("jpeg", TinyImages.jpeg(width: 64, height: 48, size: 600))] {
            let hash = try MissionWorkTests.upload(bytes, by: provider, to: uploads)
            #expect(uploads.blobs.contains(hash) && uploads.hasCompleted(providerId: provider, sha256: hash), "\(name)")
        }
    }

    @Test("whole-image check: sizes from JPEG SOF, PNG IHDR and WebP VP8/VP8L/VP8X, nothing cut or zero-sized")
    func imageValidation() {
        #expect(ImageHeader.validated(TinyImages.png(width: 3, height: 2)) == .init(mime: "image/png", width: 3, height: 2))
        #expect(ImageHeader.validated(TinyImages.jpeg(width: 1_280, height: 960)) == .init(mime: "image/jpeg", width: 1_280, height: 960))
        #expect(ImageHeader.validated(TinyImages.png(width: 0, height: 2)) == nil)
        #expect(ImageHeader.validated(TinyImages.png(width: 3, height: 2) + [0]) == nil, "bytes after IEND")
        func riff(_ chunk: String, _ payload: [UInt8]) -> [UInt8] {
            let body = Array("WEBP".utf8) + Array(chunk.utf8) + [UInt8(payload.count & 0xFF), UInt8(payload.count >> 8), 0, 0] + payload
            return Array("RIFF".utf8) + [UInt8(body.count & 0xFF), UInt8(body.count >> 8), 0, 0] + body
        }
        // VP8X: 24-bit width - 1 and height - 1 at bytes 24 and 27.
        let vp8x = riff("VP8X", [0, 0, 0, 0, 0x7F, 0x02, 0x00, 0xDF, 0x01, 0x00])
        #expect(ImageHeader.validated(vp8x) == .init(mime: "image/webp", width: 640, height: 480))
        // VP8L: signature 0x2F, then 14-bit width - 1 and height - 1.
        let bits = (99) | (49 << 14)
        let vp8l = riff("VP8L", [0x2F, UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24), 0, 0, 0, 0, 0])
        #expect(ImageHeader.validated(vp8l) == .init(mime: "image/webp", width: 100, height: 50))
        // VP8: frame tag, start code 9D 01 2A, 14-bit width and height.
        let vp8 = riff("VP8 ", [0, 0, 0, 0x9D, 0x01, 0x2A, 0x40, 0x01, 0xF0, 0x00])
        #expect(ImageHeader.validated(vp8) == .init(mime: "image/webp", width: 320, height: 240))
        #expect(ImageHeader.validated(Array(vp8.dropLast())) == nil, "RIFF size larger than the file")
        #expect(ImageHeader.validated(Array("<svg></svg>".utf8)) == nil)
    }

    @Test("image headers: PNG, JPEG and WebP sizes read from the bytes")
    func imageHeaders() {
        #expect(ImageHeader.inspect(MissionWorkTests.png(width: 640, height: 480, size: 100)) == .init(mime: "image/png", width: 640, height: 480))
        let jpeg: [UInt8] =
            [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x03, 0xC0, 0x05, 0x00] + Array(repeating: 0, count: 20)
        #expect(ImageHeader.inspect(jpeg) == .init(mime: "image/jpeg", width: 1_280, height: 960))
        var webp = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8X".utf8) + Array(repeating: 0, count: 18)
        webp[24] = 0x7F
        webp[25] = 0x02
        webp[27] = 0xDF
        webp[28] = 0x01
        #expect(ImageHeader.inspect(webp) == .init(mime: "image/webp", width: 640, height: 480))
        #expect(ImageHeader.inspect(Array("<svg></svg>".utf8)) == nil)
    }

    // MARK: - Payment request

    @Test("payment request: invoice lines and total, numbering, WhatsApp message, detail status from the ledger, invoice_exists")
    func paymentRequest() async throws {
        let world = try RequestsWorld()
        let early = try await acceptedMission(world, through: [.arrived])
        let refused = await providerRequestError {
            try await world.commands.requestPayment(
                providerId: world.providerA, requestId: early, labour: 10_000, now: world.now.addingTimeInterval(3_600))
        }
        #expect(refused?.code == "illegal_transition")

        let request = try await acceptedMission(world, through: [.arrived, .diagnosed, .repairing])
        let at = world.now.addingTimeInterval(3_600)
        _ = try await world.commands.addMaterial(
            providerId: world.providerA, requestId: request, label: "Joint", quantity: 2, unitPrice: 750, now: at)
        _ = try await world.commands.addMaterial(
            providerId: world.providerA, requestId: request, label: "Tuyau PVC", quantity: 1, unitPrice: 3_000, now: at.addingTimeInterval(1))
        for (labour, travel, field) in [(0, 0, "labour"), (10_000_001, 0, "labour"), (1_000, -5, "travel")] {
            let error = await providerRequestError {
                try await world.commands.requestPayment(providerId: world.providerA, requestId: request, labour: labour, travel: travel, now: at)
            }
            #expect(error?.field == field)
        }
        let result = try await world.commands.requestPayment(
            providerId: world.providerA, requestId: request, labour: 15_000, travel: 2_000, note: "Merci !", idempotencyKey: "pay-1",
            now: at.addingTimeInterval(10))
        #expect(result.number == "F-2026-0001" && result.total == 15_000 + 1_500 + 3_000 + 2_000)
        #expect(result.totalLabel == XAF(21_500).formatted)
        #expect(result.lines.map(\.kind) == ["main_oeuvre", "materiel", "materiel", "deplacement"])
        #expect(result.lines.map(\.total) == [15_000, 1_500, 3_000, 2_000])
        let invoice = try #require(try world.read { try Row.fetchOne($0, sql: "SELECT * FROM invoices WHERE id = ?", arguments: [result.invoiceId]) })
        #expect(invoice["total"] as Int == 21_500 && invoice["client_id"] as String == world.client)
        #expect(invoice["due_at"] as String == UTCTimestamp.format(at.addingTimeInterval(10 + 7 * 86_400)))
        #expect(invoice["sent_at"] as String == UTCTimestamp.format(at.addingTimeInterval(10)))
        #expect(try world.count("SELECT count(*) FROM invoice_lines WHERE invoice_id = ?", [result.invoiceId]) == 4)
        #expect(try world.count("SELECT count(*) FROM change_log WHERE table_name IN ('invoices', 'invoice_lines')") == 5)
        let message: String = try #require(
            try world.read { try String.fetchOne($0, sql: "SELECT body FROM messages WHERE id = ?", arguments: [result.messageId]) })
        #expect(message.hasPrefix("Bonjour Awa, voici le détail de votre mission « Fuite sous l'évier »"))
        #expect(message.contains("main d'œuvre \(XAF(15_000).formatted)") && message.contains("matériel \(XAF(4_500).formatted)"))
        #expect(message.contains("déplacement \(XAF(2_000).formatted)") && message.contains("Total à payer : \(XAF(21_500).formatted)"))
        #expect(message.contains("espèces, par MTN MoMo ou par Orange Money") && message.hasSuffix("Merci !"))

        let changes = try world.changeCount()
        let replay = try await world.commands.requestPayment(
            providerId: world.providerA, requestId: request, labour: 15_000, travel: 2_000, idempotencyKey: "pay-1", now: at.addingTimeInterval(20))
        #expect(replay.replayed && replay.invoiceId == result.invoiceId)
        let again = await providerRequestError {
            try await world.commands.requestPayment(
                providerId: world.providerA, requestId: request, labour: 9_000, idempotencyKey: "pay-2", now: at.addingTimeInterval(30))
        }
        #expect(again == .invoiceExists)
        #expect(try world.changeCount() == changes)

        var detail = try #require(try world.detail(world.providerA, request))
        #expect(detail.invoice?.number == "F-2026-0001" && detail.invoice?.status == "envoyee" && detail.invoice?.paid == 0)
        _ = try await IntakeStore(world.database).recordPayment(
            PaymentIntake(requestId: request, method: "cash", reference: nil, amount: 10_000), recordedBy: .provider, now: at.addingTimeInterval(60))
        detail = try #require(try world.detail(world.providerA, request))
        #expect(detail.invoice?.status == "partielle" && detail.invoice?.paid == 10_000 && detail.invoice?.paidLabel == XAF(10_000).formatted)

        // The provider's next invoice takes the next number; travel 0 adds no line.
        let next = try await acceptedMission(world, through: [.arrived, .diagnosed, .repairing, .completed])
        let second = try await world.commands.requestPayment(
            providerId: world.providerA, requestId: next, labour: 5_000, now: at.addingTimeInterval(90))
        #expect(second.number == "F-2026-0002" && second.lines.map(\.kind) == ["main_oeuvre"] && second.total == 5_000)
    }

    /// Sends `bytes` as `provider` would, in chunks; returns their hash.
    static func upload(_ bytes: [UInt8], by provider: String, to uploads: PhotoUploads) throws -> String {
        let hash = BlobStore.sha256Hex(Data(bytes))
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + PhotoUploads.maxChunkBytes)
            offset = try uploads.append(providerId: provider, sha256: hash, offset: offset, chunk: Array(bytes[offset..<end])).received
        }
        return hash
    }

    /// A real PNG (`TinyImages`) of that pixel size, padded to `size` bytes.
    static func png(width: Int, height: Int, size: Int) -> [UInt8] {
        TinyImages.png(width: width, height: height, size: size)
    }
}
