import DjobeaDomain
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The development driver: appends each client message as one JSON line to `<directory>/whatsapp.jsonl` or
/// `<directory>/sms.jsonl`, and answers `console-<messageId>`.
///
/// A line is `{"at","channel","external_id","id","kind","parameters","quick_replies","template","text","to"}` (sorted
/// keys; `template` is null and the lists are empty for free text). The directory is created with mode 0700 and the
/// files with 0600 (they hold phone numbers). Each line goes in one `write(2)` on a file opened with `O_APPEND`, under
/// a process-wide lock, then is fsynced: lines never interleave, and a message reported sent is on disk.
public struct ConsoleMessenger: ClientMessenger {
    public let directory: URL
    public let channels: Set<ClientChannel> = [.whatsapp, .sms]
    private let clock: @Sendable () -> Date

    /// - Parameters:
    ///   - directory: usually `<data>/outbox`; created if missing.
    ///   - clock: the time written as `at`.
    public init(directory: URL, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.directory = directory
        self.clock = clock
    }

    /// The file the messages of `channel` go to.
    public func fileURL(for channel: ClientChannel) -> URL {
        directory.appendingPathComponent("\(channel.rawValue).jsonl")
    }

    public func send(_ message: ClientOutbound) async throws -> SendReceipt {
        let externalId = "console-\(message.messageId)"
        let line: [UInt8]
        do {
            line = try Self.jsonLine(message, externalId: externalId, at: clock())
        } catch {
            throw ClientSendError.permanent(code: "console_encoding", reason: "console : message impossible à encoder (\(error))")
        }
        let file = fileURL(for: message.channel)
        try Self.lock.withLock { _ in try append(line, to: file) }
        return SendReceipt(externalId: externalId)
    }

    // MARK: - File

    private static let lock = LockedValue(())

    /// One line of the outbox.
    public struct Line: Codable, Equatable, Sendable {
        public var at: String
        public var id: String
        public var externalId: String
        public var to: String
        public var channel: String
        /// `text` or `template`.
        public var kind: String
        public var template: String?
        public var parameters: [String]
        public var quickReplies: [String]
        public var text: String

        enum CodingKeys: String, CodingKey {
            case at, id, to, channel, kind, template, parameters, text
            case externalId = "external_id"
            case quickReplies = "quick_replies"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(at, forKey: .at)
            try container.encode(id, forKey: .id)
            try container.encode(externalId, forKey: .externalId)
            try container.encode(to, forKey: .to)
            try container.encode(channel, forKey: .channel)
            try container.encode(kind, forKey: .kind)
            try container.encode(template, forKey: .template)  // null for free text, written all the same
            try container.encode(parameters, forKey: .parameters)
            try container.encode(quickReplies, forKey: .quickReplies)
            try container.encode(text, forKey: .text)
        }
    }

    static func jsonLine(_ message: ClientOutbound, externalId: String, at: Date) throws -> [UInt8] {
        var line = Line(
            at: UTCTimestamp.format(at), id: message.messageId, externalId: externalId, to: message.to,
            channel: message.channel.rawValue, kind: "text", template: nil, parameters: [], quickReplies: [], text: message.content.text)
        if case .template(let call) = message.content {
            line.kind = "template"
            line.template = call.name
            line.parameters = call.parameters
            line.quickReplies = call.quickReplies
        }
        return Array(try GatewayHTTP.jsonEncoder().encode(line)) + [UInt8(ascii: "\n")]
    }

    private func append(_ line: [UInt8], to file: URL) throws(ClientSendError) {
        if !FileManager.default.fileExists(atPath: directory.path) {
            do {
                try FileManager.default.createDirectory(
                    at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .transient(reason: "console : impossible de créer \(directory.path) (\(error))", retryAfter: nil)
            }
        }
        let descriptor = open(file.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .transient(reason: "console : impossible d'ouvrir \(file.path) (errno \(errno))", retryAfter: nil)
        }
        defer { close(descriptor) }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else {
            throw .transient(reason: "console : écriture incomplète dans \(file.path) (errno \(errno))", retryAfter: nil)
        }
        guard fsync(descriptor) == 0 else {
            throw .transient(reason: "console : fsync impossible sur \(file.path) (errno \(errno))", retryAfter: nil)
        }
    }
}
