import DjobeaDomain
import DjobeaReplication

/// Decodes a record from a row read through the storage seam (`ReplicaRow`), the inverse of `ColumnValuesEncoder`:
/// text as `String`, integers as any integer type, 0/1 as `Bool`, enums through their raw values, NULL or a missing
/// column as nil. Central's stores read records this way on any storage (SQLite or PostgreSQL).
public enum ColumnValuesDecoder {
    public static func decode<Record: Decodable>(_ type: Record.Type, from row: ReplicaRow) throws -> Record {
        try Record(from: RowDecoder(columns: row.columns, table: String(describing: type)))
    }
}

extension ReplicaConnection {
    /// The records a query returns.
    public func records<Record: Decodable>(_ type: Record.Type, _ sql: String, _ arguments: [ColumnValue] = []) throws -> [Record] {
        try query(sql, arguments).map { try ColumnValuesDecoder.decode(type, from: $0) }
    }

    /// The first record a query returns, or nil.
    public func record<Record: Decodable>(_ type: Record.Type, _ sql: String, _ arguments: [ColumnValue] = []) throws -> Record? {
        try query(sql, arguments).first.map { try ColumnValuesDecoder.decode(type, from: $0) }
    }
}

private struct RowDecoder: Decoder {
    let columns: ColumnValues
    let table: String
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowContainer<Key>(columns: columns, table: table))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw StoreError.invalid("\(table): a row is not a list")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw StoreError.invalid("\(table): a row is not one value")
    }
}

private struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let columns: ColumnValues
    let table: String
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { columns.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { columns[key.stringValue] != nil }

    func decodeNil(forKey key: Key) throws -> Bool { (columns[key.stringValue] ?? .null) == .null }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try T(from: ValueDecoder(value: columns[key.stringValue] ?? .null, key: key, table: table))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw StoreError.invalid("\(table).\(key.stringValue): not a nested object")
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw StoreError.invalid("\(table).\(key.stringValue): not a list")
    }

    func superDecoder() throws -> any Decoder { RowDecoder(columns: columns, table: table) }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        ValueDecoder(value: columns[key.stringValue] ?? .null, key: key, table: table)
    }
}

/// One column's value, decoded as what the record's property asks for.
private struct ValueDecoder: Decoder, SingleValueDecodingContainer {
    let value: ColumnValue
    let key: any CodingKey
    let table: String
    var codingPath: [any CodingKey] { [key] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Nested: CodingKey>(keyedBy type: Nested.Type) throws -> KeyedDecodingContainer<Nested> {
        throw mismatch("an object")
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw mismatch("a list") }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool { try integer() != 0 }
    func decode(_ type: String.Type) throws -> String {
        guard case .text(let text) = value else { throw mismatch("text") }
        return text
    }
    func decode(_ type: Double.Type) throws -> Double { throw mismatch("a real number") }
    func decode(_ type: Float.Type) throws -> Float { throw mismatch("a real number") }
    func decode(_ type: Int.Type) throws -> Int { try exact(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try exact(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try exact(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try exact(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    func decode(_ type: UInt.Type) throws -> UInt { try exact(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try exact(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try exact(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try exact(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try exact(UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }

    private func integer() throws -> Int64 {
        guard case .integer(let number) = value else { throw mismatch("an integer") }
        return number
    }

    private func exact<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard let number = T(exactly: try integer()) else { throw mismatch("an integer in range") }
        return number
    }

    private func mismatch(_ expected: String) -> StoreError {
        StoreError.invalid("\(table).\(key.stringValue): \(value) is not \(expected)")
    }
}
