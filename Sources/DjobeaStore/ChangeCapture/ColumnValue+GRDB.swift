import DjobeaDomain
import GRDB

extension ColumnValue {
    /// The SQLite value. Synced tables hold only integers, text and null.
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .text(let value): value.databaseValue
        }
    }

    /// Reads a stored value back. A REAL or BLOB never appears in a synced table; it is rendered as text so a
    /// corrupt value is visible rather than silently dropped.
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let number): self = .integer(number)
        case .string(let text): self = .text(text)
        case .double(let number): self = .text(String(number))
        case .blob(let data): self = .text(data.base64EncodedString())
        }
    }
}
