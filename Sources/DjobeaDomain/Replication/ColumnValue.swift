import Foundation

/// One column value of a synced row, as the change log and the sync protocol carry it.
///
/// Synced tables hold only integers, text and null (money is integer francs, times are UTC text, booleans are
/// 0/1), so a value survives any JSON round trip and any SQL engine unchanged.
public enum ColumnValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case null
    case integer(Int64)
    case text(String)

    public var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let value): String(value)
        case .text(let value): "'\(value)'"
        }
    }

    public var textValue: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    public var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .integer(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        }
    }
}

extension ColumnValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral,
    ExpressibleByBooleanLiteral
{
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .integer(value ? 1 : 0) }
}

extension ColumnValue {
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    public init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    public init(_ value: Int64?) { self = value.map { .integer($0) } ?? .null }
    public init(_ value: Bool) { self = .integer(value ? 1 : 0) }
    public init(_ value: XAF?) { self = value.map { .integer(Int64($0.francs)) } ?? .null }
    public init(_ value: HLC) { self = .integer(value.packed) }
    /// A date as stored: UTC ISO 8601 text with milliseconds.
    public init(_ value: Date?) { self = value.map { .text(UTCTimestamp.format($0)) } ?? .null }
}

/// The columns of one row change, in a stable (sorted) order so that encodings are byte-identical on every node.
public typealias ColumnValues = [String: ColumnValue]

/// Compact JSON for a column set: `{"a":1,"b":"x","c":null}` with sorted keys.
public enum ColumnValuesJSON {
    public static func encode(_ values: ColumnValues) -> String {
        var out = "{"
        for (index, key) in values.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            appendString(key, to: &out)
            out += ":"
            switch values[key] ?? .null {
            case .null: out += "null"
            case .integer(let value): out += String(value)
            case .text(let value): appendString(value, to: &out)
            }
        }
        return out + "}"
    }

    public static func decode(_ json: String) throws -> ColumnValues {
        try JSONDecoder().decode(ColumnValues.self, from: Data(json.utf8))
    }

    private static func appendString(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
