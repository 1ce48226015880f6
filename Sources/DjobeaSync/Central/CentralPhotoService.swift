import DjobeaReplication
import DjobeaStore
import Foundation
import Logging

/// `POST /sync/v1/photos/status` (SPEC.md §6.2): which of these blobs does central hold?
public struct PhotoStatusRequest: Codable, Sendable, Equatable {
    public var protocolVersion: Int
    public var hashes: [String]

    public init(hashes: [String]) {
        protocolVersion = syncProtocolVersion
        self.hashes = hashes
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", hashes
    }
}

/// The answer to a status: the hashes held complete, and the length of each incomplete upload.
public struct PhotoStatusResponse: Codable, Sendable, Equatable {
    public var protocolVersion: Int
    public var have: [String]
    public var partial: [String: Int64]

    public init(have: [String], partial: [String: Int64]) {
        protocolVersion = syncProtocolVersion
        self.have = have
        self.partial = partial
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", have, partial
    }
}

/// The answer to one uploaded chunk (SPEC.md §6.3).
public struct PhotoUploadResponse: Codable, Sendable, Equatable {
    public var protocolVersion: Int
    public var sha256: String
    /// The length central now holds: where the next chunk starts (the size once complete).
    public var offset: Int64
    public var complete: Bool

    public init(sha256: String, offset: Int64, complete: Bool) {
        protocolVersion = syncProtocolVersion
        self.sha256 = sha256
        self.offset = offset
        self.complete = complete
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", sha256, offset, complete
    }
}

/// One downloaded chunk (SPEC.md §6.4): `bytes` are `[offset, offset + bytes.count)` of a blob of `size` bytes.
public struct PhotoChunk: Sendable, Equatable {
    public var bytes: [UInt8]
    public var offset: Int64
    public var size: Int64

    public init(bytes: [UInt8], offset: Int64, size: Int64) {
        self.bytes = bytes
        self.offset = offset
        self.size = size
    }
}

/// The photo lane's bounds (SPEC.md §6).
public enum PhotoLaneLimits {
    /// A chunk, up or down.
    public static let chunkBytes = 65_536
    /// The largest blob.
    public static let maxPhotoBytes: Int64 = 16 << 20
    /// The most hashes one status asks about.
    public static let maxStatusHashes = 1_000
    /// Header: the blob's total size (upload and download).
    public static let sizeHeader = "Djobea-Photo-Size"
    /// Header: the chunk's offset (download) or central's current length (a `409` to an upload).
    public static let offsetHeader = "Djobea-Photo-Offset"

    /// A decimal integer ≥ 0 written with digits only (no sign, no blank).
    public static func parseCount(_ text: String?) -> Int64? {
        guard let text, !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int64(text)
    }
}

/// Central's side of the photo lane (SPEC.md §6.2–6.4): blob status, resumable uploads kept in
/// `<blobs>/partial/<sha256>` (fsynced before each answer, verified when complete, then stored content-addressed and
/// recorded in `blobs`), and chunked downloads. Every hash is checked against the hub's partition.
///
/// An actor: between the partition check and the answer, a chunk's checks and its write run without suspension, so
/// two uploads of the same blob (two hubs holding the same photo) never interleave their bytes.
public actor CentralPhotoService {
    let database: any ReplicaStorage
    public let blobs: BlobStore
    let partials: PartialBlobs
    let logger: Logger

    public init(storage: any ReplicaStorage, blobs: BlobStore, logger: Logger) {
        self.database = storage
        self.blobs = blobs
        self.partials = PartialBlobs(blobs: blobs)
        self.logger = logger
    }

    public func status(_ request: PhotoStatusRequest, from hub: AuthenticatedHub) async throws -> PhotoStatusResponse {
        // The body's `protocol` is admitted by central's range (`CentralSyncService.admitProtocol`) before this.
        guard request.hashes.count <= PhotoLaneLimits.maxStatusHashes else { throw SyncError.tooLarge }
        guard request.hashes.allSatisfy(BlobStore.isValidHash) else { throw SyncError.malformed("empreinte SHA-256 invalide") }
        var have: [String] = []
        var partial: [String: Int64] = [:]
        for hash in Set(request.hashes).sorted() {
            // A hash no row of the hub's partition refers to is reported absent: status tells a hub nothing about
            // another hub's photos (the upload of such a hash is refused anyway).
            guard blobs.contains(hash) || partials.length(of: hash) != nil else { continue }
            guard try await database.isPhotoReferenced(hash, inPartitionOf: hub.hubId) else { continue }
            if blobs.contains(hash) {
                have.append(hash)
            } else if let length = partials.length(of: hash) {
                partial[hash] = length
            }
        }
        return PhotoStatusResponse(have: have, partial: partial)
    }

    /// One chunk of an upload, `PUT /sync/v1/photos/{sha256}?offset=N` (SPEC.md §6.3).
    public func upload(sha256: String, offset offsetText: String?, size sizeText: String?, chunk: [UInt8], from hub: AuthenticatedHub)
        async throws -> PhotoUploadResponse
    {
        guard BlobStore.isValidHash(sha256) else { throw SyncError.malformed("empreinte SHA-256 invalide") }
        guard let offset = PhotoLaneLimits.parseCount(offsetText) else { throw SyncError.malformed("décalage « offset » invalide") }
        guard let size = PhotoLaneLimits.parseCount(sizeText), size >= 1 else {
            throw SyncError.malformed("en-tête \(PhotoLaneLimits.sizeHeader) invalide")
        }
        guard size <= PhotoLaneLimits.maxPhotoBytes else { throw SyncError.tooLarge }
        guard !chunk.isEmpty, chunk.count <= PhotoLaneLimits.chunkBytes, offset + Int64(chunk.count) <= size else {
            throw SyncError.malformed("morceau vide, trop long ou au-delà de la taille annoncée")
        }
        guard try await database.isPhotoReferenced(sha256, inPartitionOf: hub.hubId) else {
            throw SyncError.outOfPartition("photo \(sha256)")
        }
        // From here to the answer's bytes being durable, no suspension: the actor serialises uploads of a blob in this
        // process, and the partial's file lock across the central processes sharing the blob directory.
        let outcome = try partials.exclusively(sha256, blobs: blobs) { () throws -> (response: PhotoUploadResponse, leading: [UInt8]?) in
            if blobs.contains(sha256) { return (PhotoUploadResponse(sha256: sha256, offset: size, complete: true), nil) }
            var current = partials.length(of: sha256)
            if current != nil, let announced = partials.announcedSize(of: sha256), announced != size {
                throw SyncError.malformed("taille \(size) différente de celle des morceaux précédents (\(announced))")
            }
            if let length = current, length > size {
                // Left by an upload announced with no size record: unusable, start over.
                partials.remove(sha256)
                current = nil
            }
            guard offset == current ?? 0 else { throw SyncError.photoOffset(current ?? 0) }
            if current == nil || partials.announcedSize(of: sha256) == nil { try partials.announce(size: size, for: sha256) }
            try partials.write(chunk, at: offset, for: sha256)
            let length = offset + Int64(chunk.count)
            guard length == size else { return (PhotoUploadResponse(sha256: sha256, offset: length, complete: false), nil) }
            let (matched, leading) = try partials.complete(sha256, into: blobs)
            guard matched else {
                logger.warning("sync.photo.hash_mismatch", metadata: ["hub": "\(hub.name)", "sha256": "\(sha256)"])
                throw SyncError.photoHashMismatch
            }
            return (PhotoUploadResponse(sha256: sha256, offset: size, complete: true), leading)
        }
        guard let leading = outcome.leading else { return outcome.response }
        try await database.recordReceivedBlob(sha256: sha256, bytes: size, sniffedMime: PartialBlobs.sniffMime(leading))
        logger.info("sync.photo.received", metadata: ["hub": "\(hub.name)", "sha256": "\(sha256)", "bytes": "\(size)"])
        return PhotoUploadResponse(sha256: sha256, offset: size, complete: true)
    }

    /// One chunk of a blob, `GET /sync/v1/photos/{sha256}?offset=N` (SPEC.md §6.4).
    public func download(sha256: String, offset offsetText: String?, from hub: AuthenticatedHub) async throws -> PhotoChunk {
        guard BlobStore.isValidHash(sha256) else { throw SyncError.malformed("empreinte SHA-256 invalide") }
        guard let offset = PhotoLaneLimits.parseCount(offsetText) else { throw SyncError.malformed("décalage « offset » invalide") }
        // Not held and not in the partition get the same answer: a hub learns nothing about other partitions.
        guard blobs.contains(sha256), try await database.isPhotoReferenced(sha256, inPartitionOf: hub.hubId) else {
            throw SyncError.photoUnknown
        }
        let file = blobs.url(for: sha256)
        guard let size = PartialBlobs.fileSize(file) else { throw SyncError.photoUnknown }
        guard offset < size else { throw SyncError.malformed("décalage \(offset) au-delà de la taille \(size)") }
        // Never serve bytes that do not match their name: the whole blob is verified when a download starts.
        if offset == 0 { _ = try blobs.read(sha256) }
        let bytes = try PartialBlobs.readRange(of: file, offset: offset, count: PhotoLaneLimits.chunkBytes)
        return PhotoChunk(bytes: bytes, offset: offset, size: size)
    }
}
