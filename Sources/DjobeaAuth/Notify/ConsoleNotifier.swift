import DjobeaDomain
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The development driver: prints each message and appends it as one JSON line to `<outbox>/whatsapp.jsonl`.
///
/// The demo and the tests read one-time codes from that file. Each line is written with one `write(2)` on a file
/// opened with `O_APPEND`, under a process-wide lock, then fsynced: lines never interleave and a line that was
/// reported sent is on disk.
public struct ConsoleNotifier: WhatsAppNotifier {
    /// `<outbox directory>/whatsapp.jsonl`.
    public let fileURL: URL
    private let printsToStandardOutput: Bool
    private let clock: @Sendable () -> Date

    /// - Parameters:
    ///   - outboxDirectory: usually `DataDirectory.outboxURL`; created if missing.
    ///   - printsToStandardOutput: also print each message on stdout.
    ///   - clock: the time written as `created_at`.
    public init(outboxDirectory: URL, printsToStandardOutput: Bool = true, clock: @escaping @Sendable () -> Date = { Date() }) {
        fileURL = outboxDirectory.appendingPathComponent("whatsapp.jsonl")
        self.printsToStandardOutput = printsToStandardOutput
        self.clock = clock
    }

    public func send(_ message: OutgoingMessage) async throws {
        let line = try Self.jsonLine(message, createdAt: clock())
        try Self.lock.withLock { _ in try append(line) }
        if printsToStandardOutput {
            FileHandle.standardOutput.write(Data("[whatsapp] → \(message.to) (\(message.template)) : \(message.body)\n".utf8))
        }
    }

    // MARK: - File

    private static let lock = LockedValue(())

    /// `{"body":…,"created_at":…,"template":…,"to":…,"variables":{…}}` and a newline.
    static func jsonLine(_ message: OutgoingMessage, createdAt: Date) throws -> [UInt8] {
        struct Line: Encodable {
            let to: String
            let template: String
            let variables: [String: String]
            let body: String
            let createdAt: String

            enum CodingKeys: String, CodingKey {
                case to, template, variables, body
                case createdAt = "created_at"
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(
            Line(
                to: message.to, template: message.template, variables: message.variables, body: message.body,
                createdAt: UTCTimestamp.format(createdAt)))
        return Array(data) + [UInt8(ascii: "\n")]
    }

    private func append(_ line: [UInt8]) throws {
        try FileManager.default.createDirectory(at: fileURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let descriptor = open(fileURL.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw NotifierError.transient("outbox: cannot open \(fileURL.path) (errno \(errno))") }
        defer { close(descriptor) }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else { throw NotifierError.transient("outbox: short write to \(fileURL.path) (errno \(errno))") }
        guard fsync(descriptor) == 0 else { throw NotifierError.transient("outbox: fsync failed (errno \(errno))") }
    }
}
