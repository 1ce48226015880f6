import DjobeaDomain
import DjobeaReplication
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A blob some row refers to, for the photo lane (SPEC.md §6).
public struct PhotoReference: Sendable, Equatable {
    public let sha256: String
    /// The size the row gives (`photos.bytes` for a full photo), when it gives one.
    public let bytes: Int64?
    /// The transfer order: thumbnails and profile pictures (0), photos of open missions (1), other photos (2).
    public let priority: Int
}

/// The store's side of the photo lane (SPEC.md §6): which hashes rows refer to, and which blobs a node holds.
extension NodeDatabase {
    /// Hub: the hashes referred to by rows this node made or changed (change-log origin = this node), to upload.
    public func ownPhotoReferences() async throws -> [PhotoReference] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT sha256 AS h, bytes AS n, 2 AS p FROM photos
                        WHERE id IN (SELECT row_key FROM change_log WHERE table_name = 'photos' AND origin_node = ?1)
                    UNION ALL
                    SELECT thumb_sha256, NULL, 0 FROM photos
                        WHERE thumb_sha256 IS NOT NULL
                          AND id IN (SELECT row_key FROM change_log WHERE table_name = 'photos' AND origin_node = ?1)
                    UNION ALL
                    SELECT photo_sha256, NULL, 0 FROM providers
                        WHERE photo_sha256 IS NOT NULL
                          AND id IN (SELECT row_key FROM change_log WHERE table_name = 'providers' AND origin_node = ?1
                                     AND json_extract(columns, '$.photo_sha256') IS NOT NULL)
                    """, arguments: [nodeId])
            return Self.references(rows)
        }
    }

    /// Hub: every hash its rows refer to (a hub holds only its partition), thumbnails first, then photos of open
    /// missions, then the rest (SPEC.md §6.4).
    public func partitionPhotoReferences() async throws -> [PhotoReference] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT thumb_sha256 AS h, NULL AS n, 0 AS p FROM photos WHERE thumb_sha256 IS NOT NULL
                    UNION ALL
                    SELECT photo_sha256, NULL, 0 FROM providers WHERE photo_sha256 IS NOT NULL
                    UNION ALL
                    SELECT p.sha256, p.bytes,
                           CASE WHEN m.status IN (\(([RequestStatus.nouvelle] + RequestStatus.openMission).sqlList)) THEN 1 ELSE 2 END
                        FROM photos p LEFT JOIN missions m ON m.request_id = p.request_id
                    """)
            return Self.references(rows)
        }
    }

    /// One reference per hash (its best priority and any known size), in transfer order.
    static func references(_ rows: [Row]) -> [PhotoReference] {
        var best: [String: PhotoReference] = [:]
        for row in rows {
            guard let hash: String = row["h"], BlobStore.isValidHash(hash) else { continue }
            let size: Int64? = row["n"]
            let priority: Int = row["p"]
            if let known = best[hash] {
                best[hash] = PhotoReference(sha256: hash, bytes: known.bytes ?? size, priority: min(known.priority, priority))
            } else {
                best[hash] = PhotoReference(sha256: hash, bytes: size, priority: priority)
            }
        }
        return best.values.sorted { ($0.priority, $0.sha256) < ($1.priority, $1.sha256) }
    }

    /// The highest sequence number of this node's own changes: it moves when a local write needs a row round.
    public func ownChangeHead() async throws -> Int64 {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT max(origin_seq) FROM change_log WHERE origin_node = ?", arguments: [self.nodeId]) ?? 0
        }
    }

}

/// Incomplete transfers of blobs, one file per hash under `<blobs>/partial/` (SPEC.md §6.3, §6.4), with the
/// announced total size beside it (`<hash>.size`). Every write is fsynced before it returns.
public struct PartialBlobs: Sendable {
    public let directory: URL
    /// A partial upload that has not grown for this long may be discarded (SPEC.md §6.3).
    public static let staleAfter: TimeInterval = 7 * 86_400

    /// Makes `<blobs>/partial/` if it is missing (a failure shows at the first write).
    public init(blobs: BlobStore) {
        directory = blobs.root.appendingPathComponent("partial", isDirectory: true)
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public func url(for sha256: String) -> URL { directory.appendingPathComponent(sha256) }
    func sizeURL(for sha256: String) -> URL { directory.appendingPathComponent(sha256 + ".size") }

    /// The current length of the partial file of `sha256`, nil when there is none. A partial left untouched for
    /// `staleAfter` is discarded here.
    public func length(of sha256: String, now: Date = Date()) -> Int64? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url(for: sha256).path) else { return nil }
        if let modified = attributes[.modificationDate] as? Date, now.timeIntervalSince(modified) > Self.staleAfter {
            remove(sha256)
            return nil
        }
        return Self.size(attributes) ?? 0
    }

    /// The total size announced for the partial upload of `sha256`.
    public func announcedSize(of sha256: String) -> Int64? {
        (try? String(contentsOf: sizeURL(for: sha256), encoding: .utf8)).flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    public func announce(size: Int64, for sha256: String) throws {
        try Self.writeSynced(Array(String(size).utf8), to: sizeURL(for: sha256), at: 0, truncate: true)
    }

    /// Writes `bytes` at `offset` of the partial file of `sha256` (creating it), then fsyncs it.
    public func write(_ bytes: [UInt8], at offset: Int64, for sha256: String) throws {
        try Self.writeSynced(bytes, to: url(for: sha256), at: offset, truncate: false)
    }

    /// Runs `body` holding an exclusive lock on the upload of `sha256` shared by every process using this blob
    /// directory (`flock` on `<hash>.lock`): central processes that share one blob directory never interleave the bytes
    /// of one blob. The lock file goes once the blob is stored (a later holder then finds the blob and does nothing).
    public func exclusively<T>(_ sha256: String, blobs: BlobStore, _ body: () throws -> T) throws -> T {
        let lockFile = directory.appendingPathComponent(sha256 + ".lock")
        let descriptor = open(lockFile.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
        let result = try body()
        if blobs.contains(sha256) { try? FileManager.default.removeItem(at: lockFile) }
        return result
    }

    public func remove(_ sha256: String) {
        try? FileManager.default.removeItem(at: url(for: sha256))
        try? FileManager.default.removeItem(at: sizeURL(for: sha256))
    }

    /// Verifies the complete partial file of `sha256` against its name; on a match stores it in `blobs` (atomic,
    /// content-addressed). Either way the partial file is dropped. Returns whether it matched, and the first bytes.
    public func complete(_ sha256: String, into blobs: BlobStore) throws -> (matched: Bool, leading: [UInt8]) {
        defer { remove(sha256) }
        let data = try Data(contentsOf: url(for: sha256))
        guard BlobStore.sha256Hex(data) == sha256 else { return (false, []) }
        if !blobs.contains(sha256) { try blobs.put(data) }
        return (true, Array(data.prefix(16)))
    }

    /// `[offset, offset + count)` of a file (fewer at its end).
    public static func readRange(of file: URL, offset: Int64, count: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        return Array(try handle.read(upToCount: count) ?? Data())
    }

    public static func fileSize(_ file: URL) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: file.path)).flatMap(size)
    }

    static func size(_ attributes: [FileAttributeKey: Any]) -> Int64? {
        switch attributes[.size] {
        case let value as UInt64: Int64(value)
        case let value as Int: Int64(value)
        case let value as NSNumber: value.int64Value
        default: nil
        }
    }

    /// The mime type a blob's first bytes announce (JPEG, PNG, WebP), else a generic one.
    public static func sniffMime(_ leading: [UInt8]) -> String {
        if leading.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if leading.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if leading.count >= 12, leading.starts(with: Array("RIFF".utf8)), Array(leading[8..<12]) == Array("WEBP".utf8) { return "image/webp" }
        return "application/octet-stream"
    }

    static func writeSynced(_ bytes: [UInt8], to file: URL, at offset: Int64, truncate: Bool) throws {
        let descriptor = open(file.path, O_CREAT | O_WRONLY | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0o644)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: file.path]) }
        defer { close(descriptor) }
        var written = 0
        try bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while written < buffer.count {
                let result = pwrite(descriptor, base + written, buffer.count - written, off_t(offset) + off_t(written))
                if result < 0 {
                    if errno == EINTR { continue }
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
                }
                written += result
            }
        }
        guard fsync(descriptor) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path]) }
    }
}
