import DjobeaDomain
import Foundation
import GRDB
import Synchronization

/// A photo the phone uploaded, to attach to a mission.
public struct MissionPhotoInput: Sendable {
    public var kind: PhotoKind
    public var sha256: String
    public var thumbSha256: String?
    public var mime: String
    public var width: Int
    public var height: Int
    public var takenAt: Date

    public init(kind: PhotoKind, sha256: String, thumbSha256: String?, mime: String, width: Int, height: Int, takenAt: Date) {
        self.kind = kind
        self.sha256 = sha256
        self.thumbSha256 = thumbSha256
        self.mime = mime
        self.width = width
        self.height = height
        self.takenAt = takenAt
    }
}

/// The photo recorded on the mission.
public struct MissionPhotoResult: Codable, Sendable, Hashable, MissionWorkAnswer {
    public var command: String
    public var requestId: String
    public var id: String
    public var kind: String
    public var sha256: String
    public var recordedAt: String
    /// True when nothing was written: a key replay, or the same photo (hash and kind) already on the mission.
    public var replayed: Bool
}

/// A photo's bytes to serve, with their type and validator.
public struct MissionPhotoFile: Sendable {
    public var data: Data
    public var mime: String
    public var sha256: String
}

extension ProviderRequestCommands {
    /// The largest photo (full or thumbnail) a mission takes; the phone compresses to about 250 KB.
    public static let photoMaxBytes = 256_000
    public static let photoMaxSide = 1_280
    public static let photoMimes: Set<String> = ["image/jpeg", "image/webp", "image/png"]

    /// Records a before or after photo on a mission assigned to `providerId`, between Acceptée and Terminée, from a
    /// blob this provider uploaded themselves (`PhotoUploads`) or one already on a request of theirs: knowing a hash
    /// is not enough to attach someone else's photo (that answers `photo_missing`, like a hash never uploaded).
    ///
    /// The bytes decide: their magic bytes must be the announced `mime`, and the pixel size read from the header (or
    /// announced when the header does not say) at most 1280 × 1280. The same hash and kind already on the mission is
    /// that photo again (no duplicate, `replayed`). The row and the blob's presence are recorded as `PhotoLibrary`
    /// does, so the sync photo lane ships the bytes to central.
    ///
    /// - Throws: `not_found`, `invalid_parameter`, `photo_missing` (409, blob not uploaded by this provider yet),
    ///   `photo_too_large` (422, over 256 000 bytes or 1280 px), `photo_not_image` (415), `illegal_transition`,
    ///   `idempotency_key_reused`.
    public func addPhoto(
        providerId: String, requestId: String, photo: MissionPhotoInput, uploads: PhotoUploads, idempotencyKey: String? = nil,
        now: Date = Date()
    ) async throws -> MissionPhotoResult {
        let blobs = uploads.blobs
        guard photo.kind == .before || photo.kind == .after else { throw ProviderRequestError.invalid("kind", "Type de photo : before ou after") }
        let sha256 = try PhotoUploads.checkHash(photo.sha256)
        let thumb = try photo.thumbSha256.map { try PhotoUploads.checkHash($0, field: "thumb_sha256") }
        guard Self.photoMimes.contains(photo.mime) else {
            throw ProviderRequestError.invalid("mime", "Format de photo : image/jpeg, image/webp ou image/png")
        }
        guard (1...Self.photoMaxSide).contains(photo.width) else { throw ProviderRequestError.invalid("width", "Largeur : 1 à 1280 pixels") }
        guard (1...Self.photoMaxSide).contains(photo.height) else { throw ProviderRequestError.invalid("height", "Hauteur : 1 à 1280 pixels") }
        guard photo.takenAt <= now.addingTimeInterval(Self.timerSkew), photo.takenAt >= now.addingTimeInterval(-365 * 86_400) else {
            throw ProviderRequestError.invalid("taken_at", "Date de prise de vue invalide")
        }
        let library = PhotoLibrary(blobs: blobs)
        return try await work("add_photo", providerId, requestId, idempotencyKey, .standard, now) { tx, context in
            guard Self.workingStatuses.contains(context.missionStatus) else {
                throw ProviderRequestError.missionNotActive("Photo", context.missionStatus)
            }
            if let existing = try String.fetchOne(
                tx.db, sql: "SELECT id FROM photos WHERE request_id = ? AND provider_id = ? AND sha256 = ? AND kind = ? ORDER BY id LIMIT 1",
                arguments: [requestId, providerId, sha256, photo.kind.rawValue])
            {
                return MissionPhotoResult(
                    command: "add_photo", requestId: requestId, id: existing, kind: photo.kind.rawValue, sha256: sha256,
                    recordedAt: UTCTimestamp.format(now), replayed: true)
            }
            for (hash, field) in [(sha256, "sha256")] + (thumb.map { [($0, "thumb_sha256")] } ?? []) {
                let mine =
                    try uploads.hasCompleted(providerId: providerId, sha256: hash) || Self.isOnOwnRequest(hash, providerId: providerId, in: tx.db)
                guard mine else { throw Self.photoMissing(hash, field: field) }
            }
            let full = try Self.checkedBlob(sha256, field: "sha256", declaredMime: photo.mime, blobs: blobs)
            if (full.info.width ?? photo.width) > Self.photoMaxSide || (full.info.height ?? photo.height) > Self.photoMaxSide {
                throw ProviderRequestError(code: "photo_too_large", messageFR: "Photo trop grande : 1280 pixels de côté au plus", kind: .invalid)
            }
            if let thumb { _ = try Self.checkedBlob(thumb, field: "thumb_sha256", declaredMime: nil, blobs: blobs) }
            try library.recordBlob(sha256: sha256, bytes: full.bytes, mime: full.info.mime, in: tx.db, now: tx.now)
            if let thumb {
                let bytes = Int(PartialBlobs.fileSize(blobs.url(for: thumb)) ?? 1)
                try library.recordBlob(
                    sha256: thumb, bytes: bytes, mime: ImageHeader.inspect(try Self.leading(thumb, blobs))?.mime ?? photo.mime, in: tx.db, now: tx.now
                )
            }
            let id = DjobeaID.v7(now: tx.now)
            try tx.insert(
                PhotoRecord(
                    id: id, requestId: requestId, providerId: providerId, kind: photo.kind, sha256: sha256, thumbSha256: thumb,
                    mime: full.info.mime, bytes: Int64(full.bytes), width: Int64(full.info.width ?? photo.width),
                    height: Int64(full.info.height ?? photo.height), takenAt: UTCTimestamp.format(photo.takenAt),
                    createdAt: UTCTimestamp.format(tx.now)))
            return MissionPhotoResult(
                command: "add_photo", requestId: requestId, id: id, kind: photo.kind.rawValue, sha256: sha256, recordedAt: UTCTimestamp.format(now),
                replayed: false)
        }
    }

    /// Whether a photo with these bytes (full or thumbnail) is already on a request assigned to `providerId`, or was
    /// taken by them.
    static func isOnOwnRequest(_ sha256: String, providerId: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS (SELECT 1 FROM photos p LEFT JOIN missions m ON m.request_id = p.request_id
                    WHERE (p.sha256 = ?1 OR p.thumb_sha256 = ?1) AND (p.provider_id = ?2 OR m.provider_id = ?2))
                """, arguments: [sha256, providerId]) ?? false
    }

    static func photoMissing(_ sha256: String, field: String) -> ProviderRequestError {
        ProviderRequestError(
            code: "photo_missing", messageFR: "Photo pas encore reçue : terminez l'envoi (PUT /provider/uploads/\(sha256))", kind: .conflict,
            field: field
        )
    }

    /// The blob's size and header, checked: present, ≤ 256 000 bytes, a whole image (of `declaredMime` when given).
    static func checkedBlob(_ sha256: String, field: String, declaredMime: String?, blobs: BlobStore) throws -> (bytes: Int, info: ImageHeader.Info) {
        guard blobs.contains(sha256), let size = PartialBlobs.fileSize(blobs.url(for: sha256)) else { throw photoMissing(sha256, field: field) }
        guard size <= photoMaxBytes else {
            throw ProviderRequestError(code: "photo_too_large", messageFR: "Photo trop lourde : 256 000 octets au plus", kind: .invalid, field: field)
        }
        guard let info = ImageHeader.validated(try leading(sha256, blobs)) else { throw PhotoUploads.notImage }
        guard declaredMime == nil || info.mime == declaredMime else {
            throw ProviderRequestError.invalid(
                field == "sha256" ? "mime" : field, "Le fichier n'est pas une image \(declaredMime ?? "JPEG, PNG ou WebP") valide")
        }
        return (Int(size), info)
    }

    /// A blob's bytes (≤ 256 000 here), enough for any header.
    static func leading(_ sha256: String, _ blobs: BlobStore) throws -> [UInt8] {
        Array(try Data(contentsOf: blobs.url(for: sha256)))
    }
}
