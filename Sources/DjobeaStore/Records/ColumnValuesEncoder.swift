import DjobeaDomain

/// Encodes a record straight to change-log column values, through its `Encodable` conformance keyed by its `Columns`:
/// strings as text, integers as integers, `Bool` as 0 or 1, enums through their raw values, nil as absent (the caller
/// fills NULL). Anything else (a `Double`, `Data`, a nested array or object) is refused: synced tables hold only
/// integers, text and null.
///
/// It gives what GRDB's `EncodableRecord` encoding gives for those types (`SyncedRecordTests` compares both on every
/// row of the demo), without GRDB's general-purpose containers and dictionaries: every synced write encodes one record
/// per row, and this path is several times cheaper.
enum ColumnValuesEncoder {
    static func encode(_ value: some Encodable, table: String) throws -> ColumnValues {
        let state = EncodingState(table: table)
        try value.encode(to: RecordEncoder(state: state))
        if let failure = state.failure { throw failure }
        return state.values
    }
}

/// What the containers write into, and the first refusal.
private final class EncodingState {
    let table: String
    var values: ColumnValues = [:]
    var failure: StoreError?

    init(table: String) {
        self.table = table
    }

    func refuse(_ what: String, at key: (any CodingKey)?) -> StoreError {
        let error = StoreError.invalid("\(table).\(key?.stringValue ?? "?"): \(what) is not stored (only integers, text and null)")
        if failure == nil { failure = error }
        return error
    }
}

/// The top-level encoder: a record is one keyed container.
private struct RecordEncoder: Encoder {
    let state: EncodingState
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(ColumnsContainer<Key>(state: state))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        _ = state.refuse("a list", at: nil)
        return RefusingContainer(state: state, key: nil)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        _ = state.refuse("a bare value", at: nil)
        return RefusingContainer(state: state, key: nil)
    }
}

/// The record's columns.
private struct ColumnsContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let state: EncodingState
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { state.values[key.stringValue] = .null }
    mutating func encode(_ value: Bool, forKey key: Key) throws { state.values[key.stringValue] = .integer(value ? 1 : 0) }
    mutating func encode(_ value: String, forKey key: Key) throws { state.values[key.stringValue] = .text(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { state.values[key.stringValue] = .integer(Int64(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { state.values[key.stringValue] = .integer(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { state.values[key.stringValue] = .integer(Int64(value)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { state.values[key.stringValue] = .integer(Int64(value)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { state.values[key.stringValue] = .integer(Int64(value)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { state.values[key.stringValue] = .integer(Int64(value)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { state.values[key.stringValue] = .integer(Int64(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { state.values[key.stringValue] = .integer(Int64(value)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try encodeUnsigned(UInt64(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try encodeUnsigned(value, key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { throw state.refuse("a real number", at: key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { throw state.refuse("a real number", at: key) }

    /// An enum, or any type that encodes itself as one value (written under `key` by `SingleValueEncoder`).
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try value.encode(to: SingleValueEncoder(state: state, key: key))
        if state.values[key.stringValue] == nil { throw state.refuse("a value that encodes nothing", at: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        _ = state.refuse("a nested object", at: key)
        return KeyedEncodingContainer(ColumnsContainer<NestedKey>(state: EncodingState(table: state.table)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        _ = state.refuse("a list", at: key)
        return RefusingContainer(state: state, key: key)
    }

    mutating func superEncoder() -> any Encoder { RecordEncoder(state: state) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { SingleValueEncoder(state: state, key: key) }

    private func encodeUnsigned(_ value: UInt64, _ key: Key) throws {
        guard let signed = Int64(exactly: value) else { throw state.refuse("an integer beyond 64 bits", at: key) }
        state.values[key.stringValue] = .integer(signed)
    }
}

/// One column's value, as a type that encodes itself through a single-value container gives it (a `String` or `Int`
/// raw value of an enum, a wrapper's inner value), written straight under its column's name.
private struct SingleValueEncoder: Encoder, SingleValueEncodingContainer {
    let state: EncodingState
    let key: any CodingKey
    var codingPath: [any CodingKey] { [key] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    private func store(_ value: ColumnValue) { state.values[key.stringValue] = value }

    func container<Nested: CodingKey>(keyedBy type: Nested.Type) -> KeyedEncodingContainer<Nested> {
        _ = state.refuse("a nested object", at: key)
        return KeyedEncodingContainer(ColumnsContainer<Nested>(state: EncodingState(table: state.table)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        _ = state.refuse("a list", at: key)
        return RefusingContainer(state: state, key: key)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    mutating func encodeNil() throws { store(.null) }
    mutating func encode(_ value: Bool) throws { store(.integer(value ? 1 : 0)) }
    mutating func encode(_ value: String) throws { store(.text(value)) }
    mutating func encode(_ value: Int) throws { store(.integer(Int64(value))) }
    mutating func encode(_ value: Int64) throws { store(.integer(value)) }
    mutating func encode(_ value: Int32) throws { store(.integer(Int64(value))) }
    mutating func encode(_ value: Int16) throws { store(.integer(Int64(value))) }
    mutating func encode(_ value: Int8) throws { store(.integer(Int64(value))) }
    mutating func encode(_ value: UInt32) throws { store(.integer(Int64(value))) }
    mutating func encode(_ value: UInt16) throws { store(.integer(Int64(value))) }
    mutating func encode(_ value: UInt8) throws { store(.integer(Int64(value))) }
    mutating func encode(_ value: UInt) throws { try encode(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws {
        guard let signed = Int64(exactly: value) else { throw state.refuse("an integer beyond 64 bits", at: key) }
        store(.integer(signed))
    }
    mutating func encode(_ value: Double) throws { throw state.refuse("a real number", at: key) }
    mutating func encode(_ value: Float) throws { throw state.refuse("a real number", at: key) }
    mutating func encode<T: Encodable>(_ value: T) throws { try value.encode(to: self) }
}

/// Where a list or a bare value would go: every write is refused (the refusal is already recorded).
private struct RefusingContainer: UnkeyedEncodingContainer, SingleValueEncodingContainer {
    let state: EncodingState
    let key: (any CodingKey)?
    var codingPath: [any CodingKey] { key.map { [$0] } ?? [] }
    var count: Int { 0 }

    private func refused() -> StoreError { state.refuse("a list or bare value", at: key) }

    mutating func encodeNil() throws { throw refused() }
    mutating func encode(_ value: Bool) throws { throw refused() }
    mutating func encode(_ value: String) throws { throw refused() }
    mutating func encode(_ value: Double) throws { throw refused() }
    mutating func encode(_ value: Float) throws { throw refused() }
    mutating func encode(_ value: Int) throws { throw refused() }
    mutating func encode(_ value: Int8) throws { throw refused() }
    mutating func encode(_ value: Int16) throws { throw refused() }
    mutating func encode(_ value: Int32) throws { throw refused() }
    mutating func encode(_ value: Int64) throws { throw refused() }
    mutating func encode(_ value: UInt) throws { throw refused() }
    mutating func encode(_ value: UInt8) throws { throw refused() }
    mutating func encode(_ value: UInt16) throws { throw refused() }
    mutating func encode(_ value: UInt32) throws { throw refused() }
    mutating func encode(_ value: UInt64) throws { throw refused() }
    mutating func encode<T: Encodable>(_ value: T) throws { throw refused() }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        _ = refused()
        return KeyedEncodingContainer(ColumnsContainer<NestedKey>(state: EncodingState(table: state.table)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        _ = refused()
        return self
    }

    mutating func superEncoder() -> any Encoder { RecordEncoder(state: state) }
}
