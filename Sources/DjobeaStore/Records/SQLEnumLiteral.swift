import DjobeaDomain

// States and kinds written into a query's text come from their enums, never from string literals, so that renaming
// a case or adding one is a compile error or a one-place change, and a typo cannot silently match nothing.
// Raw values are the schema's own strings (lowercase words and underscores): they never hold a quote, which
// `sqlLiteral` checks anyway. Values that vary per request are bound as arguments instead.

extension RawRepresentable where RawValue == String {
    /// The raw value as an SQL string literal: `RequestStatus.terminee.sqlLiteral` is `'terminee'`.
    public var sqlLiteral: String {
        precondition(!rawValue.contains("'"), "an enum raw value used in SQL holds a quote: \(rawValue)")
        return "'\(rawValue)'"
    }
}

extension Sequence where Element: RawRepresentable, Element.RawValue == String {
    /// The raw values as a comma-separated list of SQL literals, for `IN (…)`: `'acceptee', 'arrive'`.
    public var sqlList: String {
        map(\.sqlLiteral).joined(separator: ", ")
    }
}

extension RequestStatus {
    /// A mission a provider holds and has not finished: accepted or at a stage on site (`acceptee`, `arrive`,
    /// `diagnostic`, `reparation`).
    public static let openMission: [RequestStatus] = [.acceptee, .arrive, .diagnostic, .reparation]
}
