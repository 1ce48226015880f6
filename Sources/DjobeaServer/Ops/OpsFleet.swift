import Foundation

/// The fleet view of central's ops console: one group per hub, the order (most behind first), the counts, and the
/// filter of `/ops` and `/ops/sync-status` (`q`, `etat`, `page`). Pure.
enum OpsFleet {
    /// The group a hub is filed under, most urgent first. A revoked hub is out of service on purpose: last.
    enum Category: String, CaseIterable, Sendable {
        case late, error, never, ok, revoked

        /// The group in the fleet counts: "195 en retard", "5 révoqués".
        func counted(_ count: Int) -> String {
            let plural = count > 1 ? "s" : ""
            switch self {
            case .late: return "\(OpsWording.count(count)) en retard"
            case .error: return "\(OpsWording.count(count)) en erreur"
            case .never: return "\(OpsWording.count(count)) jamais synchronisé\(plural)"
            case .ok: return "\(OpsWording.count(count)) à jour"
            case .revoked: return "\(OpsWording.count(count)) révoqué\(plural)"
            }
        }

        var label: String {
            switch self {
            case .late: "En retard"
            case .error: "En erreur"
            case .never: "Jamais synchronisé"
            case .ok: "À jour"
            case .revoked: "Révoqué"
            }
        }

        var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    }

    /// Hub cards per page of `/ops`: the page stays well under 100 KB whatever the fleet.
    static let pageSize = 25

    static func category(_ hub: OpsHubStatus) -> Category {
        if hub.revoked { return .revoked }
        if hub.state == "late" || hub.status == "late" { return .late }
        if hub.status == "error" { return .error }
        if hub.state == "never" || hub.status == "never" { return .never }
        return .ok
    }

    /// Most behind first: late hubs (longest silent first), hubs in error (the same), hubs never synced (by name), hubs
    /// on time (longest silent first), revoked hubs (by name); ties by name.
    static func sorted(_ hubs: [OpsHubStatus]) -> [OpsHubStatus] {
        hubs.sorted { a, b in
            let (ca, cb) = (category(a), category(b))
            if ca != cb { return ca.rank < cb.rank }
            let byName = ca == .never || ca == .revoked
            let (sa, sb) = byName ? (0, 0) : (a.lastSeenAgeSeconds ?? -1, b.lastSeenAgeSeconds ?? -1)
            if sa != sb { return sa > sb }
            let (pa, pb) = byName ? (0, 0) : (a.oldestPendingAgeSeconds ?? -1, b.oldestPendingAgeSeconds ?? -1)
            if pa != pb { return pa > pb }
            let order = a.name.localizedStandardCompare(b.name)
            return order == .orderedSame ? (a.hubId ?? "") < (b.hubId ?? "") : order == .orderedAscending
        }
    }

    /// How many hubs in each group, over the whole fleet.
    static func counts(_ hubs: [OpsHubStatus]) -> OpsFleetCounts {
        var counts = OpsFleetCounts(total: hubs.count)
        for hub in hubs {
            switch category(hub) {
            case .late: counts.late += 1
            case .error: counts.error += 1
            case .never: counts.never += 1
            case .ok: counts.ok += 1
            case .revoked: counts.revoked += 1
            }
        }
        return counts
    }

    /// Lower case, without accents: "Makèpè" finds "makepe".
    static func folded(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
    }
}

/// How many hubs in each group of the fleet view (`OpsFleet.Category`), all hubs counted whatever the filter.
public struct OpsFleetCounts: Codable, Sendable, Equatable {
    public var total: Int
    public var late = 0
    public var error = 0
    public var never = 0
    public var ok = 0
    public var revoked = 0
}

/// The filter of the fleet view: text (hub name, hub id or zone code), group, page. Read from the query string,
/// refused (422 `invalid_parameter`, French) when it cannot be what a form sends.
struct OpsFleetFilter: Sendable, Equatable {
    static let maxTextLength = 80
    static let maxPage = 10_000

    var text = ""
    var category: OpsFleet.Category?
    var page = 1

    var isEmpty: Bool { text.isEmpty && category == nil }

    /// - Parameter value: the query parameter's value by name (`q`, `etat`, `page`).
    static func parse(_ value: (String) -> String?) throws -> OpsFleetFilter {
        var filter = OpsFleetFilter()
        if let given = value("q") {
            let text = given.trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.count <= maxTextLength else {
                throw APIError.invalidParameter("q", "\(maxTextLength) caractères au plus (nom du hub ou zone).")
            }
            guard !text.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
                throw APIError.invalidParameter("q", "caractères de contrôle interdits.")
            }
            filter.text = text
        }
        if let given = value("etat"), !given.isEmpty, given != "tous" {
            guard let category = OpsFleet.Category(rawValue: given) else {
                let known = (["tous"] + OpsFleet.Category.allCases.map(\.rawValue)).joined(separator: ", ")
                throw APIError.invalidParameter("etat", "valeur inconnue (possibles : \(known)).")
            }
            filter.category = category
        }
        if let given = value("page"), !given.isEmpty {
            guard given.count <= 6, let page = Int(given), (1...maxPage).contains(page) else {
                throw APIError.invalidParameter("page", "un numéro de page entre 1 et \(maxPage) est attendu.")
            }
            filter.page = page
        }
        return filter
    }

    /// Reads the raw query string as a browser's GET form writes it (`+` for a space, percent-encoded UTF-8): the
    /// value of each name's first occurrence; a value that does not decode is refused.
    static func parse(query: String?) throws -> OpsFleetFilter {
        var values: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard ["q", "etat", "page"].contains(name), values[name] == nil else { continue }
            let raw = parts.count == 2 ? String(parts[1]).replacingOccurrences(of: "+", with: " ") : ""
            guard raw.utf8.count <= 4 * 1024, let value = raw.removingPercentEncoding else {
                throw APIError.invalidParameter(name, "texte mal encodé.")
            }
            values[name] = value
        }
        return try parse { values[$0] }
    }

    func matches(_ hub: OpsHubStatus) -> Bool {
        if let category, OpsFleet.category(hub) != category { return false }
        guard !text.isEmpty else { return true }
        let needle = OpsFleet.folded(text)
        let haystack = [hub.name, hub.hubId ?? ""] + hub.zones + hub.zones.map { $0.replacingOccurrences(of: "-", with: " ") }
        return haystack.contains { OpsFleet.folded($0).contains(needle) }
    }

    /// The query string that gives this filter at `page` ("" for none), for links.
    func query(page: Int? = nil) -> String {
        var items: [URLQueryItem] = []
        if !text.isEmpty { items.append(URLQueryItem(name: "q", value: text)) }
        if let category { items.append(URLQueryItem(name: "etat", value: category.rawValue)) }
        if let page, page > 1 { items.append(URLQueryItem(name: "page", value: String(page))) }
        guard !items.isEmpty else { return "" }
        var components = URLComponents()
        components.queryItems = items
        // `+` would read as a space in a query string.
        return "?" + (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }
}

extension OpsHubStatus {
    /// The hub with its fleet group filled in.
    func categorized() -> OpsHubStatus {
        var hub = self
        let category = OpsFleet.category(hub)
        (hub.category, hub.categoryLabel) = (category.rawValue, category.label)
        return hub
    }
}
