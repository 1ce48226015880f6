import DjobeaDomain
import Foundation

/// The order of the requests list.
public enum ProviderRequestSort: String, Codable, Sendable, CaseIterable {
    case createdDesc = "created_desc"
    case createdAsc = "created_asc"
    /// Most pressing first (urgent, today, this week, planned), newest first within each.
    case urgency
}

/// The seed's list filters; an empty list means "any".
public struct ProviderRequestFilter: Sendable, Hashable {
    public var statuses: [StatusGroup]
    public var urgencies: [Urgency]
    public var serviceCodes: [String]
    public var zoneCodes: [String]
    /// First Douala day of the creation range, "2026-11-01", inclusive.
    public var from: String?
    /// Last Douala day of the creation range, inclusive.
    public var to: String?
    /// Words looked up in the title, description and address (SQLite `LIKE`: case folds for ASCII only).
    public var search: String?
    public var sort: ProviderRequestSort

    public static let maxRangeDays = 366

    public init(
        statuses: [StatusGroup] = [], urgencies: [Urgency] = [], serviceCodes: [String] = [], zoneCodes: [String] = [],
        from: String? = nil, to: String? = nil, search: String? = nil, sort: ProviderRequestSort = .createdDesc
    ) {
        self.statuses = statuses
        self.urgencies = urgencies
        self.serviceCodes = serviceCodes
        self.zoneCodes = zoneCodes
        self.from = from
        self.to = to
        self.search = search
        self.sort = sort
    }

    /// The creation range as UTC instants `[start, end)`, checked: real days, from ≤ to, at most 366 days.
    func createdRange() throws -> (start: Date?, end: Date?) {
        let calendar = DoualaCalendar()
        func day(_ key: String?, _ field: String) throws -> Date? {
            guard let key else { return nil }
            guard key.count == 10, let start = calendar.startOfDay(dayKey: key) else {
                throw ProviderRequestError.invalid(field, "Date invalide : utilisez le format AAAA-MM-JJ")
            }
            return start
        }
        let start = try day(from, "from")
        let end = try day(to, "to").map { $0.addingTimeInterval(86_400) }
        if let start, let end {
            guard start < end else { throw ProviderRequestError.invalid("from", "La date de début doit précéder la date de fin") }
            guard end.timeIntervalSince(start) <= Double(Self.maxRangeDays) * 86_400 else {
                throw ProviderRequestError.invalid("to", "Période trop longue : 366 jours au plus")
            }
        }
        return (start, end)
    }

    /// The search words, trimmed; nil when empty. Refuses more than 100 characters.
    func searchText() throws -> String? {
        guard let trimmed = search?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        guard trimmed.count <= 100 else { throw ProviderRequestError.invalid("q", "Recherche trop longue : 100 caractères au plus") }
        return trimmed
    }

    func checkCodes() throws {
        for code in serviceCodes where !ServiceCatalogue.isValidCode(code) {
            throw ProviderRequestError.invalid("service", "Service inconnu : \(code.prefix(40))")
        }
        for code in zoneCodes where !(2...60).contains(code.count) {
            throw ProviderRequestError.invalid("zone", "Zone inconnue : \(code.prefix(60))")
        }
    }
}

/// Which page of the list: page ≥ 1, 1...100 items per page.
public struct ProviderRequestPaging: Sendable, Hashable {
    public var page: Int
    public var pageSize: Int

    public static let defaultPageSize = 20
    public static let maxPageSize = 100

    public init(page: Int = 1, pageSize: Int = ProviderRequestPaging.defaultPageSize) {
        self.page = page
        self.pageSize = pageSize
    }

    func check() throws {
        guard page >= 1, page <= 100_000 else { throw ProviderRequestError.invalid("page", "Numéro de page invalide") }
        guard (1...Self.maxPageSize).contains(pageSize) else {
            throw ProviderRequestError.invalid("page_size", "Taille de page invalide : entre 1 et 100")
        }
    }
}

extension ProviderRequestFilter {
    /// Reads the list's query string: `status`, `urgency`, `service`, `zone` (comma-separated lists), `from`, `to`
    /// (AAAA-MM-JJ), `q`, `sort`, `page`, `page_size`. Unknown keys are ignored; a bad value throws `invalid_parameter`.
    public static func parse(query: [String: String]) throws -> (filter: ProviderRequestFilter, paging: ProviderRequestPaging) {
        func list(_ key: String) -> [String] {
            guard let value = query[key] else { return [] }
            var seen: Set<String> = []
            return value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && seen.insert($0).inserted }
        }
        func values<T: RawRepresentable<String>>(_ key: String, _ type: T.Type, _ message: String) throws -> [T] {
            try list(key).map { raw in
                guard let value = T(rawValue: raw) else { throw ProviderRequestError.invalid(key, "\(message) : \(raw.prefix(40))") }
                return value
            }
        }
        func integer(_ key: String, _ fallback: Int) throws -> Int {
            guard let text = query[key], !text.isEmpty else { return fallback }
            guard text.count <= 6, let value = Int(text) else { throw ProviderRequestError.invalid(key, "Nombre entier attendu") }
            return value
        }
        var filter = ProviderRequestFilter(
            statuses: try values("status", StatusGroup.self, "Statut inconnu"),
            urgencies: try values("urgency", Urgency.self, "Urgence inconnue"), serviceCodes: list("service"), zoneCodes: list("zone"),
            from: query["from"].flatMap { $0.isEmpty ? nil : $0 }, to: query["to"].flatMap { $0.isEmpty ? nil : $0 }, search: query["q"])
        if let sort = query["sort"], !sort.isEmpty {
            guard let parsed = ProviderRequestSort(rawValue: sort) else { throw ProviderRequestError.invalid("sort", "Tri inconnu") }
            filter.sort = parsed
        }
        let paging = ProviderRequestPaging(page: try integer("page", 1), pageSize: try integer("page_size", ProviderRequestPaging.defaultPageSize))
        try filter.checkCodes()
        _ = try filter.createdRange()
        _ = try filter.searchText()
        try paging.check()
        return (filter, paging)
    }
}
