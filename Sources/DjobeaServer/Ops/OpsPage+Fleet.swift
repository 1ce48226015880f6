import Foundation

/// Central's fleet view: the counts of every group, the filter form (a plain GET form), one page of hub cards.
extension OpsPage {
    static func fleet(_ report: OpsSyncStatus, filter: OpsFleetFilter) -> String {
        let counts = report.fleet ?? OpsFleet.counts(report.hubs)
        guard counts.total > 0 else { return "<p>Aucun hub enrôlé. Enrôlez-en un avec <code>djobea central enroll-hub</code>.</p>" }
        let groups: [(OpsFleet.Category, Int)] = [
            (.late, counts.late), (.error, counts.error), (.never, counts.never), (.ok, counts.ok), (.revoked, counts.revoked),
        ]
        let summary =
            groups.map { category, count in
                let text = category.counted(count)
                let query = OpsFleetFilter(category: category).query()
                return count > 0 ? "<a href=\"/ops\(escape(query))\">\(escape(text))</a>" : escape(text)
            }
            .joined(separator: " · ")
        let total = report.hubs.count
        let pages = max(1, (total + OpsFleet.pageSize - 1) / OpsFleet.pageSize)
        let page = min(filter.page, pages)
        let shown = report.hubs.dropFirst((page - 1) * OpsFleet.pageSize).prefix(OpsFleet.pageSize)
        let first = (page - 1) * OpsFleet.pageSize + 1
        var lines: [String] = []
        lines.append("<p class=\"summary\">\(escape(OpsWording.count(counts.total))) hubs : \(summary)</p>")
        lines.append(filterForm(filter))
        if shown.isEmpty {
            lines.append("<p class=\"box warn\">Aucun hub ne correspond à ce filtre.</p>")
        } else {
            let selection = filter.isEmpty ? "" : " correspondant au filtre"
            lines.append(
                "<p class=\"muted\">Hubs \(first) à \(first + shown.count - 1) sur \(OpsWording.count(total))\(selection), "
                    + "le plus en retard d'abord.</p>")
            lines.append("<div class=\"cards\">\(shown.map { hubCard($0, central: true) }.joined())</div>")
            let after = total - (first + shown.count - 1)
            if after > 0 {
                lines.append(
                    "<p class=\"box warn\">\(OpsWording.count(after)) autres hubs : affinez le filtre ou passez à la page suivante.</p>")
            }
            var links: [String] = []
            if page > 1 {
                links.append("<a class=\"button secondary\" href=\"/ops\(escape(filter.query(page: page - 1)))\">Page précédente</a>")
            }
            if after > 0 { links.append("<a class=\"button\" href=\"/ops\(escape(filter.query(page: page + 1)))\">Page suivante</a>") }
            if !links.isEmpty {
                lines.append("<nav aria-label=\"Pages\" class=\"pages\">Page \(page) sur \(pages) \(links.joined(separator: " "))</nav>")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The filter: text (name, id, zone) and group; submitting reloads `/ops` with `q` and `etat`.
    static func filterForm(_ filter: OpsFleetFilter) -> String {
        let options = ([("tous", "Tous les hubs")] + OpsFleet.Category.allCases.map { ($0.rawValue, $0.label) }).map { value, label in
            let selected = (filter.category?.rawValue ?? "tous") == value ? " selected" : ""
            return "<option value=\"\(value)\"\(selected)>\(escape(label))</option>"
        }
        let reset = filter.isEmpty ? "" : " <a class=\"button secondary\" href=\"/ops\">Tout afficher</a>"
        return """
            <form method="get" action="/ops" class="filter" role="search">
            <div><label for="q">Hub ou zone</label>
            <input id="q" name="q" type="search" maxlength="\(OpsFleetFilter.maxTextLength)" value="\(escape(filter.text))" \
            placeholder="ex. Makepe, bonamoussadi"></div>
            <div><label for="etat">État</label>
            <select id="etat" name="etat">\(options.joined())</select></div>
            <div><button type="submit">Filtrer</button>\(reset)</div>
            </form>
            """
    }

    static let fleetStyle = """
        .filter{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,14rem),1fr));align-items:end;margin:1rem 0}
        .pages{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin:1rem 0}
        """
}
