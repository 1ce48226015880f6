import DjobeaDomain
import DjobeaTestSupport
import Foundation
import GRDB
import Testing

@testable import DjobeaStore

@Suite("Content-addressed photo blobs")
struct BlobStoreTests {
    @Test("a blob is stored under its SHA-256, once, and read back verified")
    func putDeduplicatesAndVerifies() throws {
        let root = try temporaryDirectory("blobs")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try BlobStore(root: root)
        let bytes = Data("photo avant réparation".utf8)
        let first = try store.put(bytes)
        let second = try store.put(bytes)
        #expect(first.sha256 == "\(BlobStore.sha256Hex(bytes))")
        #expect(first.created && !second.created)
        #expect(store.url(for: first.sha256).path.hasSuffix("/\(first.sha256.prefix(2))/\(first.sha256.dropFirst(2).prefix(2))/\(first.sha256)"))
        #expect(try store.read(first.sha256) == bytes)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("tmp").path)
        #expect(leftovers.isEmpty)
    }

    @Test("a blob whose bytes no longer match its name is refused, never served")
    func corruptBlobRefused() throws {
        let root = try temporaryDirectory("blobs")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try BlobStore(root: root)
        let hash = try store.put(Data(repeating: 7, count: 4096)).sha256
        try Data("abîmé".utf8).write(to: store.url(for: hash))
        #expect(throws: (any Error).self) { try store.read(hash) }
    }

    @Test("the known SHA-256 of the empty input and of 'abc'")
    func knownDigests() {
        #expect(BlobStore.sha256Hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(BlobStore.sha256Hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(BlobStore.isValidHash(String(repeating: "a", count: 64)))
        #expect(!BlobStore.isValidHash("../../etc/passwd"))
    }

    @Test("adding a photo records the bytes, the blob row and a synced photo row")
    func photoLibraryRecordsMetadata() throws {
        let root = try temporaryDirectory("blobs")
        defer { try? FileManager.default.removeItem(at: root) }
        let database = try NodeDatabase.inMemory()
        let fixture = try StoreFixture().install(in: database)
        let library = PhotoLibrary(blobs: try BlobStore(root: root))
        let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: UInt8(1), count: 100))
        let added = try database.writeBlocking { tx in
            try library.add(
                NewPhoto(
                    data: jpeg, mime: "image/jpeg", width: 320, height: 240, kind: .before, requestId: fixture.requestId,
                    providerId: fixture.providerId, takenAt: tx.now), in: tx)
        }
        let (photos, blobs) = try database.readBlocking { db in
            (
                try Row.fetchAll(db, sql: "SELECT sha256, kind FROM photos"),
                try Row.fetchAll(db, sql: "SELECT sha256, bytes FROM blobs")
            )
        }
        #expect(photos.count == 1 && blobs.count == 1)
        #expect(photos.first?["sha256"] == added.sha256)
        #expect(blobs.first?["bytes"] == 104)
        #expect(library.blobs.contains(added.sha256))
        #expect(try LoggedChange.all(in: database).last?.table == "photos")
    }
}
