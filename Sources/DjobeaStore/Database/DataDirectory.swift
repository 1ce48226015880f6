import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a data directory cannot be used, in one line a hub operator can act on (French first).
public enum DataDirectoryError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing(String)
    /// The directory (given) holds no `djobea.sqlite`: for the commands that read an existing node.
    case noDatabase(String)
    case notADirectory(String)
    case notWritable(String)
    case locked(String)

    public var description: String {
        switch self {
        case .missing(let path):
            "Dossier de données introuvable : \(path) (data directory not found) ; créez-le avec « djobea migrate --data \(path) »"
        case .noDatabase(let path):
            "Base de nœud introuvable dans \(path) (no djobea.sqlite) : vérifiez le chemin, ou créez-la avec « djobea migrate --data \(path) »"
        case .notADirectory(let path): "\(path) n'est pas un dossier (not a directory)"
        case .notWritable(let path): "Dossier de données non inscriptible : \(path) (data directory not writable)"
        case .locked(let path): "Dossier de données déjà utilisé par un autre processus djobea : \(path) (data directory locked)"
        }
    }
}

/// A node's data directory: the SQLite file, the photo blobs, the outbox. Held with an exclusive lock
/// (`flock`, released by the kernel even if the process is killed) so two nodes never share one directory.
public final class DataDirectory: Sendable {
    public let url: URL
    private let lockDescriptor: Int32

    public var databasePath: String { url.appendingPathComponent("djobea.sqlite").path }
    public var blobsURL: URL { url.appendingPathComponent("blobs", isDirectory: true) }
    public var outboxURL: URL { url.appendingPathComponent("outbox", isDirectory: true) }

    /// Opens and locks `path`. With `create`, a missing directory is made.
    public init(path: String, create: Bool) throws {
        let url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard create else { throw DataDirectoryError.missing(url.path) }
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                throw DataDirectoryError.notWritable(url.path)
            }
        } else if !isDirectory.boolValue {
            throw DataDirectoryError.notADirectory(url.path)
        }
        guard access(url.path, W_OK) == 0 else { throw DataDirectoryError.notWritable(url.path) }
        let descriptor = open(url.appendingPathComponent("djobea.lock").path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw DataDirectoryError.notWritable(url.path) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw DataDirectoryError.locked(url.path)
        }
        self.url = url
        self.lockDescriptor = descriptor
    }

    /// Whether the directory holds no database yet.
    public var isEmpty: Bool { !FileManager.default.fileExists(atPath: databasePath) }

    deinit {
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
    }
}
