import DjobeaDomain
import Foundation

/// The development driver: appends each client message as one JSON line to `<directory>/whatsapp.jsonl` or
/// `<directory>/sms.jsonl`, and answers `console-<messageId>`.
///
/// A line is `{"at","channel","external_id","id","kind","parameters","quick_replies","template","text","to"}` (sorted
/// keys; `template` is null and the lists are empty for free text), appended by `OutboxFile` (0700 directory, 0600
/// files, one fsynced `write(2)` per line under one process-wide lock).
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
        do {
            try OutboxFile.append(line, to: fileURL(for: message.channel))
        } catch {
            throw ClientSendError.transient(reason: error.reason, retryAfter: nil)
        }
        return SendReceipt(externalId: externalId)
    }

    // MARK: - Lines

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
}
