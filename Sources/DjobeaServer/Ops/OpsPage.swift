import Foundation

/// The ops console's HTML: server-rendered, no script, no external asset, inline CSS, system fonts; mobile first
/// from 320 px, 16 px text and 48 px targets at least, dark mode, AAA contrast (every text pair ≥ 7:1).
enum OpsPage {
    /// The login form, with a French error when the last attempt failed.
    static func login(role: String, error: String? = nil) -> String {
        let alert = error.map { "<p class=\"box err\" role=\"alert\">\(escape($0))</p>" } ?? ""
        return document(
            title: "Connexion — console ops",
            body: """
                <main class="narrow">
                <h1>Console ops</h1>
                <p class="muted">Djobea Edge — \(role == "central" ? "nœud central" : "hub de quartier")</p>
                \(alert)
                <form method="post" action="/ops/login" class="stack">
                <label for="password">Mot de passe</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
                <button type="submit">Se connecter</button>
                </form>
                <p class="muted">Le mot de passe est dans le fichier <code>ops-password</code> du dossier de données du nœud \
                (ou dans la variable <code>DJOBEA_OPS_PASSWORD</code>).</p>
                </main>
                """)
    }

    /// The hidden field that carries the session's CSRF token: put it in every ops `<form method="post">` (see
    /// `OpsSession` and `OpsController.checkedForm`).
    static func csrfField(_ token: String) -> String {
        "<input type=\"hidden\" name=\"\(OpsSession.csrfFieldName)\" value=\"\(escape(token))\">"
    }

    /// Open conflicts shown on the page (the JSON has up to 100).
    static let conflictsShown = 20

    /// The status page: a card per hub and the open conflicts; reloads itself every 30 s. `csrfToken` is the session's,
    /// sent back by the page's forms. At central, `report.hubs` are the hubs `filter` selects, most behind first: the
    /// page shows the fleet counts, the filter form and one page of cards (`OpsFleet.pageSize`).
    static func status(_ report: OpsSyncStatus, csrfToken: String, filter: OpsFleetFilter = OpsFleetFilter()) -> String {
        let central = report.role == "central"
        let heading = central ? "Console ops — central" : "Console ops — \(report.hubs.first?.name ?? "hub")"
        let hubsTitle = central ? "Hubs (\(OpsWording.count(report.fleet?.total ?? report.hubs.count)))" : "Synchronisation avec le central"
        let cards =
            central
            ? fleet(report, filter: filter)
            : "<div class=\"cards\">\(report.hubs.map { hubCard($0, central: false) }.joined())</div>"
        let shownConflicts = report.conflicts.prefix(conflictsShown)
        let conflicts =
            report.conflicts.isEmpty
            ? "<p>Aucun conflit ouvert.</p>"
            : """
            <p class="muted">\(report.openConflicts > shownConflicts.count ? "Les \(shownConflicts.count) plus récents (tous : données brutes). " : "")\
            Chaque conflit montre les deux côtés et la règle qui a tranché.</p>
            <ol class="conflicts">\(shownConflicts.map(conflictItem).joined())</ol>
            """
        return document(
            title: heading, refresh: 30, extraStyle: central ? fleetStyle : "",
            body: """
                <header class="top">
                <div>
                <h1>\(escape(heading))</h1>
                <p class="muted">Nœud <code>\(escape(report.nodeId))</code> · protocole \(report.protocolVersion) · schéma \(report.schemaVersion)<br>\
                Mis à jour le \(escape(OpsWording.timestamp(report.generatedAt))), actualisé toutes les 30 s</p>
                </div>
                <form method="post" action="/ops/logout">\(csrfField(csrfToken))<button type="submit" class="secondary">Se déconnecter</button></form>
                </header>
                <main>
                <section aria-labelledby="hubs">
                <h2 id="hubs">\(escape(hubsTitle))</h2>
                \(cards)
                </section>
                \(backupSection(report.lastVerifiedBackup, central: central))
                <section aria-labelledby="conflicts">
                <h2 id="conflicts">Conflits ouverts (\(OpsWording.count(report.openConflicts)))</h2>
                \(conflicts)
                </section>
                <p>\(central ? "<a class=\"button\" href=\"/ops/actions\">Actions ops</a> " : "")\
                \(central ? "<a class=\"button\" href=\"/ops/commission\">Commissions et niveaux</a> " : "")\
                <a class="button secondary" href="/ops/sync-status">Données brutes (JSON)</a></p>
                </main>
                """)
    }

    // MARK: - Document

    static func document(title: String, refresh: Int? = nil, extraStyle: String = "", body: String) -> String {
        let meta = refresh.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? ""
        return """
            <!doctype html>
            <html lang="fr">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <meta name="robots" content="noindex">
            \(meta)
            <title>\(escape(title))</title>
            <style>\(css)\(extraStyle)</style>
            </head>
            <body>
            \(body)
            </body>
            </html>
            """
    }

    /// Escapes text for HTML content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    // Contrast (WCAG AAA, ≥ 7:1): light #111 on #fff 18.9, #333 on #f3f3f1 11.4, #fff on #064e2b 9.9, #1a1200 on
    // #fff3cd 16.8; dark #f5f5f5 on #121212 17.7, #d6d6d6 on #1e1e1e 11.5, #08240f on #8ee6b0 10.9.
    static let css = """
        :root{color-scheme:light dark;--bg:#fff;--fg:#111;--muted:#333;--card:#f3f3f1;--line:#6b6b6b;--accent:#064e2b;\
        --accent-fg:#fff;--warn-bg:#fff3cd;--warn-fg:#1a1200;--err-bg:#fde2e1;--err-fg:#2a0000;--ok:#0a7d38;--late:#b35c00;\
        --error:#c0161b;--never:#6b6b6b}
        @media (prefers-color-scheme:dark){:root{--bg:#121212;--fg:#f5f5f5;--muted:#d6d6d6;--card:#1e1e1e;--line:#9a9a9a;\
        --accent:#8ee6b0;--accent-fg:#08240f;--warn-bg:#3a2a00;--warn-fg:#fff1c4;--err-bg:#3d0c0c;--err-fg:#ffe1e1;--ok:#4cd07d;\
        --late:#ffb347;--error:#ff6b6b;--never:#a8a8a8}}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
        body{margin:0;background:var(--bg);color:var(--fg);font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",\
        "Helvetica Neue",Arial,sans-serif;overflow-wrap:anywhere}
        main,.top{max-width:64rem;margin:0 auto;padding:1rem}
        .narrow{max-width:26rem;padding-top:2rem}
        .top{display:flex;flex-wrap:wrap;gap:1rem;justify-content:space-between;align-items:flex-start;padding-bottom:0}
        h1{font-size:1.375rem;line-height:1.3;margin:0 0 .25rem}
        h2{font-size:1.25rem;margin:1.5rem 0 .75rem}
        h3{font-size:1.125rem;margin:0 0 .5rem}
        h4{font-size:1rem;margin:0 0 .25rem}
        p{margin:.5rem 0}
        .muted{color:var(--muted)}
        code{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:1rem}
        .cards{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,18rem),1fr))}
        .card{background:var(--card);color:var(--fg);border:1px solid var(--line);border-radius:.75rem;padding:1rem}
        .status{display:flex;align-items:center;gap:.5rem;font-weight:700;margin:0 0 .25rem}
        .dot{width:1.125rem;height:1.125rem;border-radius:50%;flex:none;border:2px solid var(--fg)}
        .dot.ok{background:var(--ok)}.dot.late{background:var(--late)}.dot.error{background:var(--error)}.dot.never{background:var(--never)}
        dl{display:grid;grid-template-columns:1fr auto;gap:.25rem 1rem;margin:.75rem 0 0}
        dt{color:var(--muted)}
        dd{margin:0;font-weight:700;text-align:right}
        .box{border-radius:.5rem;padding:.5rem .75rem;margin:.5rem 0}
        .warn{background:var(--warn-bg);color:var(--warn-fg)}
        .err{background:var(--err-bg);color:var(--err-fg)}
        .conflicts{list-style:none;margin:0;padding:0;display:grid;gap:1rem}
        .sides{display:grid;gap:.75rem;grid-template-columns:1fr;margin-top:.75rem}
        @media (min-width:40rem){.sides{grid-template-columns:1fr 1fr}}
        .side{border-left:4px solid var(--line);padding-left:.75rem}
        .side.winner{border-left-color:var(--ok)}.side.loser{border-left-color:var(--error)}
        .stack{display:grid;gap:.75rem;margin:1rem 0}
        label{font-weight:700}
        input,select{font:inherit;min-height:3rem;width:100%;padding:.5rem .75rem;border:2px solid var(--line);border-radius:.5rem;\
        background:var(--bg);color:var(--fg)}
        button,.button{display:inline-flex;align-items:center;justify-content:center;min-height:3rem;min-width:3rem;padding:.5rem 1.25rem;\
        font:inherit;font-weight:700;border-radius:.5rem;border:2px solid var(--accent);background:var(--accent);color:var(--accent-fg);\
        cursor:pointer;text-decoration:none}
        button.secondary,.button.secondary{background:transparent;color:var(--fg);border-color:var(--line)}
        :focus-visible{outline:3px solid var(--fg);outline-offset:2px}
        """
}
