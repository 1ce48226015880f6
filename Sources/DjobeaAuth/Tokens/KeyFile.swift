import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A node secret key file (`jwt.key`, `totp.key`): 32 random bytes as base64url text, mode 0600, in a 0700 directory.
enum KeyFile {
    static let keyLength = 32

    /// Reads the key at `url`, or creates it once. Two processes racing to create it end up with the same key:
    /// the file is written under a temporary name, fsynced, then linked into place, which fails if it exists.
    static func readOrCreate(at url: URL, random: any RandomSource) throws -> [UInt8] {
        if let key = try read(at: url) { return key }
        let directory = url.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(Base64URL.encode(random.bytes(6)))")
        let text = Base64URL.encode(random.bytes(keyLength)) + "\n"
        let descriptor = open(temporary.path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw TokenKeysError.cannotCreateKeyFile(url.path) }
        defer { unlink(temporary.path) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced else { throw TokenKeysError.cannotCreateKeyFile(url.path) }
        if link(temporary.path, url.path) != 0 && errno != EEXIST {
            throw TokenKeysError.cannotCreateKeyFile(url.path)
        }
        syncDirectory(directory)
        guard let key = try read(at: url) else { throw TokenKeysError.unreadableKeyFile(url.path) }
        return key
    }

    /// The key at `url`, nil if there is no file.
    static func read(at url: URL) throws -> [UInt8]? {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw TokenKeysError.unreadableKeyFile(url.path)
        }
        guard info.st_mode & 0o077 == 0 else { throw TokenKeysError.keyFileTooOpen(url.path) }
        guard let data = FileManager.default.contents(atPath: url.path),
            let text = String(data: data, encoding: .utf8),
            let key = Base64URL.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            key.count >= keyLength
        else { throw TokenKeysError.unreadableKeyFile(url.path) }
        return key
    }

    private static func syncDirectory(_ directory: URL) {
        let descriptor = open(directory.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}

/// A node's own secret in `secrets/NAME` of its data directory (created once, 32 random bytes, mode 0600), as
/// base64url text: e.g. the key a hub not enrolled with central signs its client page links with.
public enum NodeSecretFile {
    public static func readOrCreate(dataDirectory: URL, name: String) throws -> String {
        let file = dataDirectory.appendingPathComponent("secrets", isDirectory: true).appendingPathComponent(name)
        return Base64URL.encode(try KeyFile.readOrCreate(at: file, random: SystemRandomSource()))
    }
}
