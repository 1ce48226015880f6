import DjobeaDomain
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The console drivers' outbox files (`<data>/outbox/whatsapp.jsonl`, `sms.jsonl`), written by the gateway's
/// `ConsoleMessenger` and by `DjobeaAuth`'s `ConsoleNotifier` (provider codes), sometimes into the same file.
///
/// The directory is created with mode 0700 and the files with 0600 (they hold phone numbers and codes). Each line goes
/// in one `write(2)` on a file opened with `O_APPEND`, under one process-wide lock, then is fsynced: lines never
/// interleave, and a message reported sent is on disk.
package enum OutboxFile {
    /// Why a line could not be appended, in French.
    package struct Failure: Error, Sendable {
        package let reason: String
    }

    private static let lock = LockedValue(())

    /// Appends `line` (a whole line, its newline included) to `file`, creating its directory if missing.
    package static func append(_ line: [UInt8], to file: URL) throws(Failure) {
        do {
            try lock.withLock { _ in try appendUnlocked(line, to: file) }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(reason: "console : \(error)")
        }
    }

    private static func appendUnlocked(_ line: [UInt8], to file: URL) throws(Failure) {
        let directory = file.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: directory.path) {
            do {
                try FileManager.default.createDirectory(
                    at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw Failure(reason: "console : impossible de créer \(directory.path) (\(error))")
            }
        }
        let descriptor = open(file.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(reason: "console : impossible d'ouvrir \(file.path) (errno \(errno))") }
        defer { close(descriptor) }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else { throw Failure(reason: "console : écriture incomplète dans \(file.path) (errno \(errno))") }
        guard fsync(descriptor) == 0 else { throw Failure(reason: "console : fsync impossible sur \(file.path) (errno \(errno))") }
    }
}
