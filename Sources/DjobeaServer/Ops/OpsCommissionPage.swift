import DjobeaDomain
import DjobeaStore
import Foundation

/// Central's `/ops/commission` page, in French, without script: the rate grid per level with its dates, the form that
/// adds a version, the level rule with each provider's level, the recompute and override forms, and the audit trail of
/// rate and level changes. No auto-refresh: a form being typed is never lost.
extension OpsPage {
    static func commission(
        csrfToken: String, grid: CommissionRateGrid, levels: ProviderLevelsReport, log: [OpsAuditEntry], outcome: ActionOutcome? = nil
    ) -> String {
        func form(_ action: String, _ title: String, _ fields: String, button: String) -> String {
            """
            <article class="card"><h3>\(escape(title))</h3>
            <form method="post" action="/ops/commission/\(action)">\(csrfField(csrfToken))\
            <input type="hidden" name="idempotency_key" value="\(DjobeaID.v7())">
            \(fields)
            <button type="submit">\(escape(button))</button></form></article>
            """
        }
        var fieldCount = 0
        func nextId(_ name: String) -> String {
            fieldCount += 1
            return "f\(fieldCount)-\(name)"
        }
        func field(_ name: String, _ label: String, type: String = "text", required: Bool = false, hint: String? = nil, extra: String = "")
            -> String
        {
            let id = nextId(name)
            let help = hint.map { "<small id=\"\(id)-aide\" class=\"muted\">\(escape($0))</small>" } ?? ""
            let described = hint == nil ? "" : " aria-describedby=\"\(id)-aide\""
            return """
                <p><label for="\(id)">\(escape(label))</label><br><input id="\(id)" name="\(name)" type="\(type)" autocomplete="off"\
                \(required ? " required" : "")\(described)\(extra)>\(help)</p>
                """
        }
        func select(_ name: String, _ label: String, _ options: [(String, String)]) -> String {
            let id = nextId(name)
            return "<p><label for=\"\(id)\">\(escape(label))</label><br><select id=\"\(id)\" name=\"\(name)\">"
                + options.map { "<option value=\"\(escape($0.0))\">\(escape($0.1))</option>" }.joined() + "</select></p>"
        }
        func version(_ rate: CommissionRateVersion) -> String {
            "<strong>\(escape(rate.percent))</strong> à partir du \(escape(OpsWording.timestamp(rate.effectiveFrom)))"
                + (rate.level == nil ? " <span class=\"muted\">(taux général)</span>" : "")
        }
        func list(_ rates: [CommissionRateVersion]) -> String {
            rates.isEmpty ? "<span class=\"muted\">aucune</span>" : "<ul>" + rates.map { "<li>\(version($0))</li>" }.joined() + "</ul>"
        }
        let banner = outcome.map { "<p class=\"box \($0.ok ? "ok" : "err")\" role=\"status\">\(escape($0.message))</p>" } ?? ""
        let gridRows = grid.levels.map { level in
            """
            <tr><th scope="row">\(escape(level.levelLabel))</th><td>\(level.current.map(version) ?? "<span class=\"muted\">aucun taux</span>")</td>\
            <td>\(list(level.future))</td><td>\(list(level.history))</td></tr>
            """
        }.joined()
        let general =
            grid.general.isEmpty
            ? ""
            : "<p class=\"muted\">Taux général (niveaux sans version propre) : "
                + grid.general.map { "\(escape($0.percent)) à partir du \(escape(OpsWording.timestamp($0.effectiveFrom)))" }.joined(separator: " ; ")
                + ".</p>"
        let levelOptions = ProviderLevel.allCases.map { ($0.rawValue, $0.labelFR) }
        let rateForm = form(
            "rate", "Ajouter une version de taux",
            select("level", "Niveau", levelOptions)
                + field(
                    "basis_points", "Taux en points de base", type: "number", required: true, hint: "1 500 = 15 % ; de 0 à 10 000.",
                    extra: " min=\"0\" max=\"10000\" step=\"1\" inputmode=\"numeric\"")
                + field(
                    "effective_from", "Date d'effet (heure de Douala)", type: "datetime-local",
                    hint: "Vide : maintenant. Jamais dans le passé, ni avant la dernière version du niveau.")
                + field("reason", "Motif", required: true, extra: " maxlength=\"500\""), button: "Ajouter la version")
        let thresholds = levels.thresholds.map {
            "<li>\(escape($0.levelLabel)) : \($0.minimumMissions) missions terminées, \($0.minimumRatings) avis, note moyenne ≥ "
                + "\(escape(OpsWording.decimal($0.minimumAverage))) ★</li>"
        }.joined()
        let providerRows =
            levels.providers.isEmpty
            ? "<p>Aucun prestataire.</p>"
            : """
            <div class="scroll"><table><caption>Niveau de chaque prestataire (activité des \(levels.windowDays) derniers jours)</caption>
            <thead><tr><th scope="col">Prestataire</th><th scope="col">Niveau</th><th scope="col">Selon la règle</th>\
            <th scope="col">Activité</th><th scope="col">Identifiant</th></tr></thead><tbody>
            """
                + levels.providers.map { provider in
                    let note = provider.manualOverride ? " <span class=\"tag\">fixé à la main</span>" : ""
                    let differs = provider.level != provider.computedLevel ? " <span class=\"tag\">diffère</span>" : ""
                    return """
                        <tr><th scope="row">\(escape(provider.name))\(provider.accountStatus == "suspended" ? " <span class=\"muted\">(suspendu)</span>" : "")</th>\
                        <td>\(escape(provider.levelLabel))\(note)</td><td>\(escape(provider.computedLevelLabel))\(differs)</td>\
                        <td>\(escape(provider.activity))</td><td><code>\(escape(provider.providerId))</code></td></tr>
                        """
                }.joined() + "</tbody></table></div>"
        let levelForms = [
            form(
                "recompute", "Recalculer les niveaux selon la règle",
                "<p class=\"muted\">Chaque changement est inscrit au journal ; les niveaux fixés à la main ne changent pas.</p>"
                    + field("reason", "Motif", extra: " maxlength=\"500\""), button: "Recalculer"),
            form(
                "level", "Fixer le niveau d'un prestataire",
                field("provider_id", "Identifiant du prestataire", required: true)
                    + select("level", "Niveau", levelOptions + [("auto", "Selon la règle (rendre à la règle)")])
                    + field("reason", "Motif", required: true, extra: " maxlength=\"500\""), button: "Appliquer"),
        ]
        let rows =
            log.isEmpty
            ? "<p>Aucun changement de taux ni de niveau pour l'instant.</p>"
            : "<ol class=\"conflicts\">"
                + log.map { entry in
                    """
                    <li class="card"><h3>\(escape(kindLabel(entry.kind)))</h3><p>\(escape(entry.summary))</p>
                    <p class="muted">Par \(escape(entry.actor)) le \(escape(OpsWording.timestamp(entry.createdAt)))\
                    \(entry.reason.map { " · motif : \(escape($0))" } ?? "")</p></li>
                    """
                }.joined() + "</ol>"
        return document(
            title: "Commissions et niveaux — central", extraStyle: commissionCSS,
            body: """
                <header class="top"><div><h1>Commissions et niveaux — central</h1>
                <p class="muted">Taux mis à jour le \(escape(OpsWording.timestamp(grid.generatedAt))).</p>
                </div><p><a class="button secondary" href="/ops/actions">Actions ops</a> \
                <a class="button secondary" href="/ops">Retour à la console</a></p></header>
                <main>\(banner)
                <section aria-labelledby="taux"><h2 id="taux">Grille des taux de commission</h2>
                <p>\(escape(grid.rule))</p>
                <div class="scroll"><table><caption>Taux par niveau de prestataire</caption>
                <thead><tr><th scope="col">Niveau</th><th scope="col">En vigueur</th><th scope="col">À venir</th>\
                <th scope="col">Versions passées</th></tr></thead><tbody>\(gridRows)</tbody></table></div>
                \(general)
                <div class="cards">\(rateForm)</div></section>
                <section aria-labelledby="niveaux"><h2 id="niveaux">Niveaux des prestataires</h2>
                <p>\(escape(levels.rule))</p><ul>\(thresholds)</ul>
                \(providerRows)
                <div class="cards">\(levelForms.joined())</div></section>
                <section aria-labelledby="journal"><h2 id="journal">Journal des taux et des niveaux</h2>\(rows)</section>
                </main>
                """)
    }

    // Contrast as the console's (AAA): the table uses the page's own colours; the tag is --fg on --warn-bg (16.8:1).
    static let commissionCSS = """
        .scroll{overflow-x:auto}
        table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
        caption{text-align:left;font-weight:700;padding:.25rem 0}
        th,td{border:1px solid var(--line);padding:.5rem;text-align:left;vertical-align:top}
        td ul{margin:0;padding-left:1.25rem}
        .tag{display:inline-block;background:var(--warn-bg);color:var(--warn-fg);border-radius:.25rem;padding:0 .375rem;font-size:1rem}
        select{font:inherit;min-height:3rem;width:100%;padding:.5rem .75rem;border:2px solid var(--line);border-radius:.5rem;\
        background:var(--bg);color:var(--fg)}
        .ok{background:var(--card);color:var(--fg);border:2px solid var(--ok)}
        """
}
