import DjobeaDomain
import Foundation

/// A card per hub and an item per conflict.
extension OpsPage {
    static func hubCard(_ hub: OpsHubStatus, central: Bool) -> String {
        var lines: [String] = []
        lines.append("<h3>\(escape(hub.name))</h3>")
        lines.append("<p class=\"status\"><span class=\"dot \(escape(hub.status))\" aria-hidden=\"true\"></span>\(escape(hub.statusLabel))</p>")
        if let age = hub.lastSuccessAgeSeconds {
            lines.append("<p>Dernière synchro \(OpsWording.ago(seconds: age))</p>")
        } else {
            lines.append("<p>Dernière synchro : jamais</p>")
        }
        if hub.revoked { lines.append("<p class=\"box err\">Hub révoqué : ses synchronisations sont refusées.</p>") }
        if hub.state == "late", let age = hub.lastSeenAgeSeconds {
            lines.append(
                "<p class=\"box warn\">En retard : aucune synchro depuis \(OpsWording.duration(seconds: age)) "
                    + "(attendue toutes les \(OpsWording.interval(seconds: hub.expectedIntervalSeconds))).</p>")
        }
        if let error = hub.lastError, hub.status == "error" {
            let when = hub.lastErrorAgeSeconds.map { " (\(OpsWording.ago(seconds: $0)))" } ?? ""
            lines.append("<p class=\"box err\">Dernière erreur\(when) : \(escape(error))</p>")
        }
        if hub.clockDrift, let offset = hub.clockOffsetMs {
            lines.append(
                "<p class=\"box warn\">⚠ Horloge décalée de \(OpsWording.offset(milliseconds: offset)) : plus de 5 min (règle 6). "
                    + "Réglez l'heure de la machine.</p>")
        }
        if hub.heldChanges > 0 {
            let until = hub.heldUntil.map { " ; elles prendront effet vers \(OpsWording.timestamp($0))" } ?? ""
            lines.append(
                "<p class=\"box warn\">⚠ \(OpsWording.count(hub.heldChanges)) modification(s) retenue(s) : datée(s) de plus de 5 min dans le "
                    + "futur (horloge en avance)\(escape(until)). Réglez l'heure de la machine du hub.</p>")
        }
        var facts: [(String, String)] = []
        if central {
            if let estimate = hub.pendingToHubEstimate {
                let value = hub.pendingToHub.map { OpsWording.count($0) } ?? "≤ \(OpsWording.count(estimate))"
                facts.append(("À envoyer au hub", value))
            }
            facts.append(("En attente venant du hub", OpsWording.count(hub.pendingFromHub)))
        } else {
            facts.append(("À envoyer au central", OpsWording.count(hub.pendingFromHub)))
        }
        facts.append(("Plus ancien non synchronisé", hub.oldestPendingAgeSeconds.map(OpsWording.ago(seconds:)) ?? "—"))
        facts.append(("Photos en attente", OpsWording.size(bytes: hub.photoBacklogBytes)))
        facts.append(("Conflits ouverts", OpsWording.count(hub.openConflicts)))
        facts.append(("Décalage d'horloge", hub.clockOffsetMs.map { (hub.clockDrift ? "⚠ " : "") + OpsWording.offset(milliseconds: $0) } ?? "—"))
        let versions = [hub.protocolVersion.map { "protocole \($0)" }, hub.schemaVersion.map { "schéma \($0)" }].compactMap { $0 }
        facts.append(("Versions", versions.isEmpty ? "—" : versions.joined(separator: " · ")))
        facts.append(("Reçu · envoyé", "\(OpsWording.size(bytes: hub.bytesIn)) · \(OpsWording.size(bytes: hub.bytesOut))"))
        lines.append("<dl>" + facts.map { "<dt>\(escape($0.0))</dt><dd>\(escape($0.1))</dd>" }.joined() + "</dl>")
        if let hubId = hub.hubId { lines.append("<p class=\"muted\">Hub <code>\(escape(hubId))</code></p>") }
        return "<article class=\"card\">\(lines.joined(separator: "\n"))</article>"
    }

    /// « Dernière sauvegarde vérifiée »: when, how big, what was checked; a warning when it is missing or old. Central
    /// on PostgreSQL backs up with PostgreSQL's tools: the section only appears there once a verification is recorded.
    static func backupSection(_ backup: OpsBackupStatus?, central: Bool) -> String {
        let fix =
            "Lancez une sauvegarde vérifiée : <code>sudo systemctl start djobea-backup.service</code>, puis "
            + "<code>journalctl -u djobea-backup.service -n 50</code> si elle échoue."
        let body: String
        if let backup {
            let age = backup.ageSeconds.map { " (\(OpsWording.ago(seconds: $0)))" } ?? ""
            let facts: [(String, String)] = [
                ("Prise le", OpsWording.timestamp(backup.takenAt) + age), ("Vérifiée le", OpsWording.timestamp(backup.verifiedAt)),
                ("Fichier", backup.file), ("Taille", OpsWording.size(bytes: Int64(backup.bytes))),
                ("Contrôles", "intégrité \(backup.integrity), schéma \(backup.schemaVersion), \(OpsWording.count(backup.rows)) lignes retrouvées"),
            ]
            let warning =
                backup.late
                ? "<p class=\"box warn\">⚠ Plus de 36 h sans sauvegarde vérifiée : la sauvegarde de la nuit a échoué. \(fix)</p>" : ""
            body = warning + "<dl>" + facts.map { "<dt>\(escape($0.0))</dt><dd>\(escape($0.1))</dd>" }.joined() + "</dl>"
        } else if central {
            return ""
        } else {
            body = "<p class=\"box warn\">⚠ Aucune sauvegarde vérifiée sur cette machine. \(fix)</p>"
        }
        return """
            <section aria-labelledby="backup">
            <h2 id="backup">Dernière sauvegarde vérifiée</h2>
            <article class="card">\(body)</article>
            </section>
            """
    }

    static func conflictItem(_ conflict: OpsConflict) -> String {
        var lines: [String] = []
        let critical = conflict.severity == ConflictSeverity.critical.rawValue ? "<p class=\"box err\">Argent en jeu : à vérifier.</p>" : ""
        lines.append("<h3>\(escape(conflict.kindLabel))</h3>")
        lines.append(critical)
        lines.append(
            "<p class=\"muted\">\(escape(OpsWording.tableLabel(conflict.table))) · clé <code>\(escape(conflict.key))</code> · détecté le "
                + "\(escape(OpsWording.timestamp(conflict.detectedAt)))</p>")
        lines.append("<p>Règle appliquée : \(escape(conflict.ruleLabel)) <span class=\"muted\">(\(escape(conflict.rule)))</span></p>")
        lines.append(
            "<div class=\"sides\">"
                + side("Gagnant", "winner", conflict.winner, origin: conflict.winnerOrigin, empty: "Aucun : le changement est simplement refusé.")
                + side("Perdant", "loser", conflict.loser, origin: conflict.loserOrigin, empty: "—") + "</div>")
        return "<li class=\"card\">\(lines.filter { !$0.isEmpty }.joined(separator: "\n"))</li>"
    }

    /// One side of a conflict: who made the change, its number at its origin and when (its HLC), and any detail.
    static func side(_ title: String, _ style: String, _ values: [String: ColumnValue]?, origin: OpsChangeOrigin?, empty: String) -> String {
        var parts: [String] = []
        if let origin {
            parts.append("Fait par <strong>\(escape(origin.name))</strong>")
            if let seq = origin.originSeq { parts.append("changement n° \(seq)") }
            if let madeAt = origin.madeAt { parts.append("le \(escape(OpsWording.timestamp(madeAt)))") }
        }
        let labels = ["column": "champ", "reason": "raison", "entry_id": "écriture", "event_id": "événement"]
        for (key, value) in (values ?? [:]).sorted(by: { $0.key < $1.key }) where !["origin_node", "origin_seq", "hlc", "message"].contains(key) {
            let text = value.textValue ?? value.integerValue.map(String.init) ?? "—"
            parts.append("\(escape(labels[key] ?? key)) <code>\(escape(text))</code>")
        }
        var html = parts.isEmpty && values?["message"] == nil ? escape(empty) : parts.joined(separator: ", ")
        if let message = values?["message"]?.textValue { html += (html.isEmpty ? "" : "<br>") + escape(message) }
        return "<div class=\"side \(style)\"><h4>\(escape(title))</h4><p>\(html)</p></div>"
    }
}
