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

extension PhotoUploads {
    /// The uploads of the node whose database file is `database`'s: `<data>/blobs` and `<data>/uploads` beside
    /// `djobea.sqlite`. Nil for an in-memory database (no data directory, so no photo bytes).
    public static func beside(_ database: NodeDatabase) -> PhotoUploads? {
        guard let pool = database.writer as? DatabasePool else { return nil }
        return try? PhotoUploads(dataDirectory: URL(fileURLWithPath: pool.path).deletingLastPathComponent())
    }
}
