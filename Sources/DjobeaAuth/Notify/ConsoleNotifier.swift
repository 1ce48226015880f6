import DjobeaDomain
import DjobeaGateway
import Foundation

/// The development driver: prints each message and appends it as one JSON line to `<outbox>/whatsapp.jsonl`.
///
/// The demo and the tests read one-time codes from that file. Lines are appended by the gateway's `OutboxFile`, as the
/// client messages' console driver does (the same file on a hub that is its own gateway): one fsynced `write(2)` per
/// line under one process-wide lock, so lines never interleave and a line reported sent is on disk.
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
        do {
            try OutboxFile.append(line, to: fileURL)
        } catch {
            throw NotifierError.transient(error.reason)
        }
        if printsToStandardOutput {
            FileHandle.standardOutput.write(Data("[whatsapp] → \(message.to) (\(message.template)) : \(message.body)\n".utf8))
        }
    }

    // MARK: - Line

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
        let encoder = GatewayHTTP.jsonEncoder()
        let data = try encoder.encode(
            Line(
                to: message.to, template: message.template, variables: message.variables, body: message.body,
                createdAt: UTCTimestamp.format(createdAt)))
        return Array(data) + [UInt8(ascii: "\n")]
    }
}
