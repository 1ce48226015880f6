import DjobeaDomain
import Foundation
import GRDB
import Synchronization

/// How much of a photo the hub holds: `complete` once the blob is stored (nothing more to send).
public struct PhotoUploadStatus: Codable, Sendable, Hashable {
    public var sha256: String
    /// Bytes received so far (the whole size once complete): the next chunk's `offset`.
    public var received: Int
    public var complete: Bool
}

/// A chunk sent at the wrong offset: the phone resumes at `received`.
public struct PhotoUploadOffsetMismatch: Error, Sendable, Equatable {
    public let received: Int
}

/// The phone's resumable photo uploads (`PUT /provider/uploads/{sha256}?offset=N`): chunks appended to a partial file
/// per provider and hash, `<data>/uploads/<provider>/<sha256>`; once the bytes hash to their name and are a whole
/// JPEG, PNG or WebP image they move into the content-addressed `BlobStore`, and `<sha256>.done` beside the partial
/// file records that this provider sent them. Rows are recorded separately (`ProviderRequestCommands.addPhoto`),
/// only for blobs the provider completed themselves (or already on one of their requests).
///
/// Uploads are scoped to their provider: another provider asking about the same hash sees an upload not started
/// (offset 0) and must send the bytes themselves, so a hash tells nobody whether the hub holds that photo.
public final class PhotoUploads: Sendable {
    /// The most bytes one upload may reach (the phone sends ≤ 250 KB; a photo row takes ≤ 256 000).
    public static let maxUploadBytes = 300_000
    /// The largest chunk (the global body cap is 64 KB).
    public static let maxChunkBytes = 48 * 1024
    /// A partial upload untouched this long is dropped.
    public static let staleAfter: TimeInterval = 2 * 86_400

    public let blobs: BlobStore
    public let directory: URL
    /// Serialises appends: a chunk is read, checked against the file's length and written as one step.
    private let lock = Mutex(())

    /// - Parameters:
    ///   - directory: where partial uploads live (`<data>/uploads`), made if missing.
    public init(blobs: BlobStore, directory: URL) throws {
        self.blobs = blobs
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The blob store and upload directory of the data directory holding `databasePath`.
    public convenience init(dataDirectory: URL) throws {
        try self.init(
            blobs: try BlobStore(root: dataDirectory.appendingPathComponent("blobs", isDirectory: true)),
            directory: dataDirectory.appendingPathComponent("uploads", isDirectory: true))
    }

    /// A lowercase 64-hex SHA-256, or `invalid_parameter` (field `sha256`).
    public static func checkHash(_ text: String, field: String = "sha256") throws -> String {
        let hash = text.lowercased()
        guard BlobStore.isValidHash(hash) else {
            throw ProviderRequestError.invalid(field, "Empreinte SHA-256 attendue (64 caractères hexadécimaux)")
        }
        return hash
    }

    func partialURL(providerId: String, sha256: String) -> URL {
        directory.appendingPathComponent(providerId, isDirectory: true).appendingPathComponent(sha256)
    }

    /// Where `providerId`'s completion of `sha256` is recorded.
    func doneURL(providerId: String, sha256: String) -> URL {
        directory.appendingPathComponent(providerId, isDirectory: true).appendingPathComponent(sha256 + ".done")
    }

    /// Whether `providerId` completed an upload of `sha256` themselves (and the blob is here).
    public func hasCompleted(providerId: String, sha256: String) -> Bool {
        guard DjobeaID.isValid(providerId), BlobStore.isValidHash(sha256) else { return false }
        return FileManager.default.fileExists(atPath: doneURL(providerId: providerId, sha256: sha256).path) && blobs.contains(sha256)
    }

    /// How much of `sha256` `providerId` has sent: complete once they sent all of it (another provider's upload of
    /// the same bytes does not count).
    public func status(providerId: String, sha256 text: String, now: Date = Date()) throws -> PhotoUploadStatus {
        let sha256 = try Self.checkHash(text)
        guard DjobeaID.isValid(providerId) else { throw ProviderRequestError.notFound }
        return lock.withLock { _ in currentStatus(providerId: providerId, sha256: sha256, now: now) }
    }

    private func currentStatus(providerId: String, sha256: String, now: Date) -> PhotoUploadStatus {
        if FileManager.default.fileExists(atPath: doneURL(providerId: providerId, sha256: sha256).path), blobs.contains(sha256) {
            return PhotoUploadStatus(sha256: sha256, received: Int(PartialBlobs.fileSize(blobs.url(for: sha256)) ?? 0), complete: true)
        }
        let file = partialURL(providerId: providerId, sha256: sha256)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file.path) else {
            return PhotoUploadStatus(sha256: sha256, received: 0, complete: false)
        }
        if let modified = attributes[.modificationDate] as? Date, now.timeIntervalSince(modified) > Self.staleAfter {
            try? FileManager.default.removeItem(at: file)
            return PhotoUploadStatus(sha256: sha256, received: 0, complete: false)
        }
        return PhotoUploadStatus(sha256: sha256, received: Int(PartialBlobs.size(attributes) ?? 0), complete: false)
    }

    /// Appends `chunk` at `offset` of `providerId`'s upload of `sha256`.
    ///
    /// - Parameter size: the photo's total size when the phone says it: reaching it with bytes that do not hash to
    ///   `sha256` is then `photo_hash_mismatch` at once. Without it, the bytes are checked after every chunk and
    ///   the upload completes as soon as they match.
    /// - Returns: the new status; `complete` once the blob is stored. An upload this provider already completed is
    ///   complete whatever was sent, and nothing is written.
    /// - Throws: `PhotoUploadOffsetMismatch` when `offset` is not the bytes received so far; `photo_too_large` (413)
    ///   past 300 000 bytes; `photo_hash_mismatch` (the partial file is then discarded); `photo_not_image` (415) when
    ///   the first bytes or the completed file are no whole JPEG, PNG or WebP image (discarded too);
    ///   `invalid_parameter`.
    public func append(providerId: String, sha256 text: String, offset: Int, size: Int? = nil, chunk: [UInt8], now: Date = Date()) throws
        -> PhotoUploadStatus
    {
        let sha256 = try Self.checkHash(text)
        guard DjobeaID.isValid(providerId) else { throw ProviderRequestError.notFound }
        guard offset >= 0 else { throw ProviderRequestError.invalid("offset", "Décalage entier positif ou nul attendu") }
        guard chunk.count <= Self.maxChunkBytes else {
            throw ProviderRequestError(code: "chunk_too_large", messageFR: "Morceau trop gros : 48 Kio au plus par envoi", kind: .tooLarge)
        }
        if let size {
            guard size > 0 else { throw ProviderRequestError.invalid("size", "Taille entière positive attendue") }
            guard size <= Self.maxUploadBytes else { throw Self.tooLarge }
        }
        return try lock.withLock { _ in
            let current = currentStatus(providerId: providerId, sha256: sha256, now: now)
            if current.complete { return current }
            guard offset == current.received else { throw PhotoUploadOffsetMismatch(received: current.received) }
            let file = partialURL(providerId: providerId, sha256: sha256)
            // The first bytes already tell an image (HTML, SVG, anything else is refused before it is stored).
            if offset == 0, chunk.count >= ImageHeader.signatureBytes, ImageHeader.inspect(chunk) == nil {
                try? FileManager.default.removeItem(at: file)
                throw Self.notImage
            }
            let received = offset + chunk.count
            if received > Self.maxUploadBytes || (size.map { received > $0 } ?? false) {
                try? FileManager.default.removeItem(at: file)
                throw size.map { received > $0 } == true && received <= Self.maxUploadBytes
                    ? ProviderRequestError.invalid("size", "Plus d'octets que la taille annoncée") : Self.tooLarge
            }
            if !chunk.isEmpty {
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try PartialBlobs.writeSynced(chunk, to: file, at: Int64(offset), truncate: false)
            }
            guard received > 0 else { return PhotoUploadStatus(sha256: sha256, received: 0, complete: false) }
            let data = try Data(contentsOf: file)
            if BlobStore.sha256Hex(data) == sha256 {
                try? FileManager.default.removeItem(at: file)
                guard ImageHeader.validated(Array(data)) != nil else { throw Self.notImage }
                try blobs.put(data)
                try Data().write(to: doneURL(providerId: providerId, sha256: sha256))
                return PhotoUploadStatus(sha256: sha256, received: data.count, complete: true)
            }
            if let size, received == size {
                try? FileManager.default.removeItem(at: file)
                throw Self.hashMismatch
            }
            return PhotoUploadStatus(sha256: sha256, received: received, complete: false)
        }
    }

    static let tooLarge = ProviderRequestError(code: "photo_too_large", messageFR: "Photo trop lourde : 300 000 octets au plus", kind: .tooLarge)
    public static let notImage = ProviderRequestError(
        code: "photo_not_image", messageFR: "Ce fichier n'est pas une photo : une image JPEG, PNG ou WebP complète est attendue",
        kind: .unsupportedContent)
    static let hashMismatch = ProviderRequestError(
        code: "photo_hash_mismatch", messageFR: "Photo corrompue : l'empreinte ne correspond pas, renvoyez-la depuis le début", kind: .invalid)
}

/// What an image file's first bytes say: its type and pixel size (JPEG, PNG, WebP), read from the header only.
public enum ImageHeader {
    public struct Info: Sendable, Equatable {
        public var mime: String
        public var width: Int?
        public var height: Int?
    }

    /// Bytes enough to tell the three signatures apart (WebP's is 12).
    public static let signatureBytes = 12

    /// The type and pixel size of a whole image file, or nil: the magic bytes must be JPEG, PNG or WebP, the header
    /// must give a width and height above 0, and the file must not be cut (a JPEG ends with its EOI marker, a PNG's
    /// chunks run to exactly its IEND, a WebP's RIFF size is the file's).
    public static func validated(_ bytes: [UInt8]) -> Info? {
        guard let info = inspect(bytes), let width = info.width, let height = info.height, width > 0, height > 0 else { return nil }
        switch info.mime {
        case "image/png":
            var index = 8
            var first = true
            while index + 12 <= bytes.count {
                let length = bigEndian(bytes, index, 4)
                let type = Array(bytes[index + 4..<index + 8])
                if first, type != Array("IHDR".utf8) || length != 13 { return nil }
                first = false
                let next = index + 12 + length
                guard next <= bytes.count else { return nil }
                if type == Array("IEND".utf8) { return next == bytes.count ? info : nil }
                index = next
            }
            return nil
        case "image/jpeg":
            return bytes.count >= 4 && bytes[bytes.count - 2] == 0xFF && bytes[bytes.count - 1] == 0xD9 ? info : nil
        case "image/webp":
            return littleEndian(bytes, 4, 4) + 8 == bytes.count ? info : nil
        default:
            return nil
        }
    }

    /// The type and, when the header gives them, the dimensions; nil when the bytes are no JPEG, PNG or WebP.
    public static func inspect(_ bytes: [UInt8]) -> Info? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            guard bytes.count >= 24, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return Info(mime: "image/png") }
            return Info(mime: "image/png", width: bigEndian(bytes, 16, 4), height: bigEndian(bytes, 20, 4))
        }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return jpeg(bytes) }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return webp(bytes) }
        return nil
    }

    static func bigEndian(_ bytes: [UInt8], _ at: Int, _ count: Int) -> Int {
        (at..<at + count).reduce(0) { $0 << 8 | Int(bytes[$1]) }
    }

    static func littleEndian(_ bytes: [UInt8], _ at: Int, _ count: Int) -> Int {
        (at..<at + count).reversed().reduce(0) { $0 << 8 | Int(bytes[$1]) }
    }

    /// Walks the JPEG segments to the first start-of-frame marker.
    static func jpeg(_ bytes: [UInt8]) -> Info {
        var index = 2
        while index + 3 < bytes.count {
            guard bytes[index] == 0xFF else { break }
            let marker = bytes[index + 1]
            if marker == 0xFF {
                index += 1
                continue
            }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) {
                index += 2
                continue
            }
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard index + 8 < bytes.count else { break }
                return Info(mime: "image/jpeg", width: bigEndian(bytes, index + 7, 2), height: bigEndian(bytes, index + 5, 2))
            }
            if marker == 0xD9 || marker == 0xDA { break }
            index += 2 + bigEndian(bytes, index + 2, 2)
        }
        return Info(mime: "image/jpeg")
    }

    static func webp(_ bytes: [UInt8]) -> Info {
        guard bytes.count >= 30 else { return Info(mime: "image/webp") }
        switch String(decoding: bytes[12..<16], as: UTF8.self) {
        case "VP8 " where bytes[23] == 0x9D && bytes[24] == 0x01 && bytes[25] == 0x2A:
            return Info(mime: "image/webp", width: littleEndian(bytes, 26, 2) & 0x3FFF, height: littleEndian(bytes, 28, 2) & 0x3FFF)
        case "VP8L" where bytes[20] == 0x2F:
            let bits = littleEndian(bytes, 21, 4)
            return Info(mime: "image/webp", width: (bits & 0x3FFF) + 1, height: ((bits >> 14) & 0x3FFF) + 1)
        case "VP8X":
            return Info(mime: "image/webp", width: littleEndian(bytes, 24, 3) + 1, height: littleEndian(bytes, 27, 3) + 1)
        default:
            return Info(mime: "image/webp")
        }
    }
}

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

    enum CodingKeys: String, CodingKey {
        case command, id, kind, sha256, replayed
        case requestId = "request_id"
        case recordedAt = "recorded_at"
    }
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
                .photos,
                [
                    "id": .text(id), "request_id": .text(requestId), "provider_id": .text(providerId), "kind": .text(photo.kind.rawValue),
                    "sha256": .text(sha256), "thumb_sha256": ColumnValue(thumb), "mime": .text(full.info.mime),
                    "bytes": ColumnValue(full.bytes), "width": ColumnValue(full.info.width ?? photo.width),
                    "height": ColumnValue(full.info.height ?? photo.height), "taken_at": ColumnValue(photo.takenAt),
                    "created_at": ColumnValue(tx.now),
                ])
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

extension PhotoUploads {
    /// The uploads of the node whose database file is `database`'s: `<data>/blobs` and `<data>/uploads` beside
    /// `djobea.sqlite`. Nil for an in-memory database (no data directory, so no photo bytes).
    public static func beside(_ database: NodeDatabase) -> PhotoUploads? {
        guard let pool = database.writer as? DatabasePool else { return nil }
        return try? PhotoUploads(dataDirectory: URL(fileURLWithPath: pool.path).deletingLastPathComponent())
    }
}
