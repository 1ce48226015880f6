import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Content-addressed files under `<data>/blobs`: a blob's name is the SHA-256 of its bytes
/// (`blobs/ab/cd/abcd…`), so the same photo is stored once however often it is uploaded or synced.
///
/// Writes are atomic: bytes go to a temp file, are fsynced, then renamed into place, and the directory is
/// fsynced, so a reader never sees a partial blob and a crash leaves at most a stray temp file.
public struct BlobStore: Sendable {
    public let root: URL
    private var tempURL: URL { root.appendingPathComponent("tmp", isDirectory: true) }

    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root.appendingPathComponent("tmp", isDirectory: true), withIntermediateDirectories: true)
    }

    /// The lowercase hex SHA-256 of `data`.
    public static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    public static func isValidHash(_ hash: String) -> Bool {
        hash.utf8.count == 64 && hash.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// Where the blob with `sha256` lives (whether or not it is there).
    public func url(for sha256: String) -> URL {
        let chars = Array(sha256)
        let first = chars.count >= 2 ? String(chars[0..<2]) : "xx"
        let second = chars.count >= 4 ? String(chars[2..<4]) : "xx"
        return root.appendingPathComponent(first, isDirectory: true).appendingPathComponent(second, isDirectory: true)
            .appendingPathComponent(sha256)
    }

    public func contains(_ sha256: String) -> Bool {
        BlobStore.isValidHash(sha256) && FileManager.default.fileExists(atPath: url(for: sha256).path)
    }

    /// Stores `data`; returns its hash and whether it was new (false when deduplicated).
    @discardableResult
    public func put(_ data: Data) throws -> (sha256: String, created: Bool) {
        let hash = BlobStore.sha256Hex(data)
        let destination = url(for: hash)
        if FileManager.default.fileExists(atPath: destination.path) { return (hash, false) }
        let directory = destination.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temp = tempURL.appendingPathComponent(UUID().uuidString)
        try writeSynced(data, to: temp)
        guard rename(temp.path, destination.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: temp)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination.path, "errno": code])
        }
        syncDirectory(directory)
        return (hash, true)
    }

    /// The bytes of a blob, verified against its name: a corrupt file is an error, never served.
    public func read(_ sha256: String) throws -> Data {
        let data = try Data(contentsOf: url(for: sha256))
        guard BlobStore.sha256Hex(data) == sha256 else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url(for: sha256).path])
        }
        return data
    }

    private func writeSynced(_ data: Data, to url: URL) throws {
        let descriptor = open(url.path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path]) }
        defer { close(descriptor) }
        var written = 0
        try data.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while written < buffer.count {
                let result = write(descriptor, base + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
                }
                written += result
            }
        }
        guard fsync(descriptor) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
    }

    private func syncDirectory(_ url: URL) {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
