import Foundation

/// Derives a JSON Schema from a `Decodable` type by decoding it from a recording decoder, so that the OpenAPI
/// document describes the very types the routes encode and cannot drift from them. Keys are the key policy's wire
/// names (`JSONCoding.wireName`).
///
/// Optional fields (`decodeIfPresent`) are left out of `required`; `CaseIterable` enums list their cases;
/// dictionaries become objects with `additionalProperties`.
public enum SchemaReflector {
    public static func schema<T: Decodable>(for type: T.Type) -> [String: Any] {
        let recorder = SchemaNode()
        _ = try? T(from: RecordingDecoder(node: recorder))
        return recorder.json
    }
}

/// The schema being recorded for one value.
final class SchemaNode {
    var kind = "object"
    var properties: [(String, SchemaNode)] = []
    var required: [String] = []
    var items: SchemaNode?
    var enumValues: [String]?
    var format: String?
    /// The key whose `decodeNil` was just asked: the default `decodeIfPresent` asks it before `decode`.
    var optionalKey: String?

    var json: [String: Any] {
        var out: [String: Any] = ["type": kind]
        switch kind {
        case "object":
            if properties.isEmpty {
                out["additionalProperties"] = true
            } else {
                out["properties"] = Dictionary(properties.map { ($0.0, $0.1.json) }, uniquingKeysWith: { first, _ in first })
                if !required.isEmpty { out["required"] = required }
            }
        case "array":
            out["items"] = items?.json ?? [String: Any]()
        default:
            break
        }
        if let enumValues { out["enum"] = enumValues }
        if let format { out["format"] = format }
        return out
    }
}

private struct RecordingDecoder: Decoder {
    let node: SchemaNode
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        node.kind = "object"
        return KeyedDecodingContainer(KeyedRecorder<Key>(node: node))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        node.kind = "array"
        let element = SchemaNode()
        node.items = element
        return UnkeyedRecorder(element: element)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleRecorder(node: node)
    }
}

/// Decodes one value of `type` into `node`, recovering enum values that refuse the placeholder.
private func record<T: Decodable>(_ type: T.Type, into node: SchemaNode) throws -> T {
    if let iterable = T.self as? any (CaseIterable & RawRepresentable).Type {
        node.kind = "string"
        node.enumValues = allRawValues(iterable)
        if let first = firstCase(iterable) as? T { return first }
    }
    return try T(from: RecordingDecoder(node: node))
}

private func allRawValues<E: CaseIterable & RawRepresentable>(_ type: E.Type) -> [String] {
    type.allCases.map { "\($0.rawValue)" }
}

private func firstCase<E: CaseIterable & RawRepresentable>(_ type: E.Type) -> Any? {
    type.allCases.first
}

private struct KeyedRecorder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let node: SchemaNode
    var codingPath: [any CodingKey] = []
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }

    func decodeNil(forKey key: Key) throws -> Bool {
        node.optionalKey = key.stringValue
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let child = SchemaNode()
        node.properties.append((JSONCoding.wireName(key.stringValue), child))
        if node.optionalKey != key.stringValue { node.required.append(JSONCoding.wireName(key.stringValue)) }
        node.optionalKey = nil
        return try record(type, into: child)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        let child = SchemaNode()
        node.properties.append((JSONCoding.wireName(key.stringValue), child))
        _ = try? record(type, into: child)
        return nil
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        let child = SchemaNode()
        node.properties.append((JSONCoding.wireName(key.stringValue), child))
        return KeyedDecodingContainer(KeyedRecorder<NestedKey>(node: child))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let child = SchemaNode()
        child.kind = "array"
        node.properties.append((JSONCoding.wireName(key.stringValue), child))
        let element = SchemaNode()
        child.items = element
        return UnkeyedRecorder(element: element)
    }

    func superDecoder() throws -> any Decoder { RecordingDecoder(node: node) }
    func superDecoder(forKey key: Key) throws -> any Decoder { RecordingDecoder(node: node) }
}

private struct UnkeyedRecorder: UnkeyedDecodingContainer {
    let element: SchemaNode
    var codingPath: [any CodingKey] = []
    var count: Int? { 1 }
    var currentIndex = 0
    var isAtEnd: Bool { currentIndex >= 1 }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        currentIndex += 1
        return try record(type, into: element)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        currentIndex += 1
        return KeyedDecodingContainer(KeyedRecorder<NestedKey>(node: element))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        currentIndex += 1
        element.kind = "array"
        let inner = SchemaNode()
        element.items = inner
        return UnkeyedRecorder(element: inner)
    }

    mutating func superDecoder() throws -> any Decoder { RecordingDecoder(node: element) }
}

private struct SingleRecorder: SingleValueDecodingContainer {
    let node: SchemaNode
    var codingPath: [any CodingKey] = []

    func decodeNil() -> Bool { false }
    func decode(_ type: Bool.Type) throws -> Bool { mark("boolean", false) }
    func decode(_ type: String.Type) throws -> String { mark("string", "") }
    func decode(_ type: Double.Type) throws -> Double { mark("number", 0) }
    func decode(_ type: Float.Type) throws -> Float { mark("number", 0) }
    func decode(_ type: Int.Type) throws -> Int { mark("integer", 0) }
    func decode(_ type: Int8.Type) throws -> Int8 { mark("integer", 0) }
    func decode(_ type: Int16.Type) throws -> Int16 { mark("integer", 0) }
    func decode(_ type: Int32.Type) throws -> Int32 { mark("integer", 0) }
    func decode(_ type: Int64.Type) throws -> Int64 { mark("integer", 0) }
    func decode(_ type: UInt.Type) throws -> UInt { mark("integer", 0) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { mark("integer", 0) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { mark("integer", 0) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { mark("integer", 0) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { mark("integer", 0) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try record(type, into: node) }

    private func mark<V>(_ kind: String, _ value: V) -> V {
        node.kind = kind
        return value
    }
}
