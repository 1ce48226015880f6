import DjobeaDomain
import Foundation
import GRDB

/// What a photo is of.
public enum PhotoKind: String, Sendable, CaseIterable {
    case before, after, profile, other
}

/// A photo to record: its bytes and what the uploader (or the header check) says about them.
public struct NewPhoto: Sendable {
    public var data: Data
    public var mime: String
    public var width: Int
    public var height: Int
    public var kind: PhotoKind
    public var requestId: String?
    public var providerId: String?
    public var takenAt: Date

    public init(data: Data, mime: String, width: Int, height: Int, kind: PhotoKind, requestId: String?, providerId: String?, takenAt: Date) {
        self.data = data
        self.mime = mime
        self.width = width
        self.height = height
        self.kind = kind
        self.requestId = requestId
        self.providerId = providerId
        self.takenAt = takenAt
    }
}

/// Photos: bytes in the blob store, metadata rows in SQLite (`photos`, synced; `blobs`, local presence).
public struct PhotoLibrary: Sendable {
    public let blobs: BlobStore

    public init(blobs: BlobStore) {
        self.blobs = blobs
    }

    /// Stores the bytes (deduplicated, atomic), then records the blob and a `photos` row in `transaction`.
    ///
    /// The file is written before the row: a crash in between leaves an unreferenced blob (harmless, collectable),
    /// never a row pointing at missing bytes.
    @discardableResult
    public func add(_ photo: NewPhoto, in transaction: SyncedTransaction) throws -> (photoId: String, sha256: String) {
        let stored = try blobs.put(photo.data)
        try recordBlob(sha256: stored.sha256, bytes: photo.data.count, mime: photo.mime, in: transaction.db, now: transaction.now)
        let id = DjobeaID.v7(now: transaction.now)
        try transaction.insert(
            .photos,
            [
                "id": .text(id), "request_id": ColumnValue(photo.requestId), "provider_id": ColumnValue(photo.providerId),
                "kind": .text(photo.kind.rawValue), "sha256": .text(stored.sha256), "thumb_sha256": .null, "mime": .text(photo.mime),
                "bytes": .integer(Int64(photo.data.count)), "width": .integer(Int64(photo.width)), "height": .integer(Int64(photo.height)),
                "taken_at": ColumnValue(photo.takenAt), "created_at": ColumnValue(transaction.now),
            ])
        return (id, stored.sha256)
    }

    /// Notes that this node holds the bytes of `sha256` (idempotent).
    public func recordBlob(sha256: String, bytes: Int, mime: String, in db: Database, now: Date) throws {
        try db.execute(
            sql: "INSERT INTO blobs (sha256, bytes, mime, stored_at) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
            arguments: [sha256, bytes, mime, UTCTimestamp.format(now)])
    }
}
