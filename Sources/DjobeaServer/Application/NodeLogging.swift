import DjobeaDomain
import Foundation
import Logging

/// How a node writes its logs (`--log-format`, `DJOBEA_LOG_FORMAT`).
public enum LogFormat: String, CaseIterable, Sendable {
    /// swift-log's line on stderr: `<time> <level> <label> : <metadata> <message>`.
    case human
    /// One JSON object per line on stderr, for log collectors: `time` (ISO 8601, UTC, milliseconds), `level`,
    /// `label`, `message`, `metadata` (an object). The lines a command announces on stdout too.
    case json
}

/// The process's log output: installed once by the commands that start a node, before any logger is made.
public enum NodeLogging {
    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var format: LogFormat?
    }

    private static let state = State()

    /// The installed format (human until `bootstrap`).
    public static var format: LogFormat {
        state.lock.withLock { state.format ?? .human }
    }

    /// Installs `format` for the whole process; only the first call counts (swift-log's bootstrap is once per process).
    public static func bootstrap(_ format: LogFormat) {
        let first = state.lock.withLock {
            guard state.format == nil else { return false }
            state.format = format
            return true
        }
        guard first, format == .json else { return }
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
    }

    /// A line a command tells its operator on stdout (addresses, hints): as is, or a JSON log object (level notice,
    /// label `djobea`; blank lines dropped) under the JSON format. Unbuffered, so a supervising process sees it at once.
    public static func announce(_ text: String) {
        // A blank spacer line means nothing to a collector.
        if text.isEmpty, format == .json { return }
        let line =
            format == .json
            ? JSONLogHandler.line(time: Date(), level: .notice, label: "djobea", message: text, metadata: [:])
            : text
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// A swift-log handler writing one JSON object per line on stderr (`LogFormat.json`).
public struct JSONLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// Serializes writes: a line is never interleaved with another.
    private static let output = NSLock()

    public init(label: String, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let given = event.metadata { merged.merge(given) { $1 } }
        let line = Self.line(time: Date(), level: event.level, label: label, message: event.message.description, metadata: merged)
        let data = Data((line + "\n").utf8)
        Self.output.withLock { FileHandle.standardError.write(data) }
    }

    /// One log object: `{"time":…,"level":…,"label":…,"message":…,"metadata":{…}}`, keys in that order.
    public static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        let fields = [
            ("time", quoted(timestamp(time))), ("level", quoted(level.rawValue)), ("label", quoted(label)), ("message", quoted(message)),
            ("metadata", object(metadata)),
        ]
        return "{" + fields.map { "\(quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    /// ISO 8601, UTC, milliseconds: `2026-03-02T08:05:00.123Z`.
    static func timestamp(_ date: Date) -> String { UTCTimestamp.format(date) }

    static func object(_ metadata: Logger.Metadata) -> String {
        "{" + metadata.sorted { $0.key < $1.key }.map { "\(quoted($0.key)):\(value($0.value))" }.joined(separator: ",") + "}"
    }

    static func value(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .stringConvertible(let convertible): quoted(convertible.description)
        case .array(let values): "[" + values.map(Self.value).joined(separator: ",") + "]"
        case .dictionary(let metadata): object(metadata)
        }
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
