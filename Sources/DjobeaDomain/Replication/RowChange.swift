import Foundation

/// What a change did to its row.
public enum RowOperation: String, Codable, Sendable, CaseIterable {
    /// A new row: `columns` holds every column.
    case insert
    /// Some columns changed: `columns` holds only those.
    case update
    /// A tombstone: the row is gone; `columns` is empty.
    case delete
}

/// One entry of the change log: the unit that sync moves between nodes (DESIGN.md, sync principle 1).
public struct RowChange: Hashable, Codable, Sendable {
    /// The node that made the change.
    public var originNode: String
    /// Per-origin sequence number, 1, 2, 3… without gaps: what version vectors count.
    public var originSeq: Int64
    public var hlc: HLC
    public var table: String
    /// The row's primary key (its UUID).
    public var key: String
    public var operation: RowOperation
    public var columns: ColumnValues

    public init(
        originNode: String, originSeq: Int64, hlc: HLC, table: String, key: String, operation: RowOperation,
        columns: ColumnValues
    ) {
        self.originNode = originNode
        self.originSeq = originSeq
        self.hlc = hlc
        self.table = table
        self.key = key
        self.operation = operation
        self.columns = columns
    }
}
