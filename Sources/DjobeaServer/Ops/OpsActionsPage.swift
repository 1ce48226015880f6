import DjobeaDomain
import DjobeaStore
import Foundation

/// Central's `/ops/actions` page: the ops actions as forms (CSRF-protected, each with a fresh Idempotency-Key so a
/// double submit does the action once) and the log of recent actions, in French. No auto-refresh: a form being typed
/// is never lost.
extension OpsPage {
    /// What the last submitted action did, shown above the forms.
    struct ActionOutcome {
        var ok: Bool
        var message: String
    }

    static func actions(
        csrfToken: String, hubs: [(id: String, name: String)], log: [OpsActionRecord], outcome: ActionOutcome? = nil
    ) -> String {
        func form(_ kind: String, _ title: String, _ fields: String, button: String) -> String {
            """
            <article class="card"><h3>\(escape(title))</h3>
            <form method="post" action="/ops/actions/\(kind)">\(csrfField(csrfToken))\
            <input type="hidden" name="idempotency_key" value="\(DjobeaID.v7())">
            \(fields)
            <button type="submit">\(escape(button))</button></form></article>
            """
        }
        func field(_ name: String, _ label: String, required: Bool = false, hint: String? = nil) -> String {
            let attributes = required ? " required" : ""
            let help = hint.map { "<small class=\"muted\">\(escape($0))</small>" } ?? ""
            return "<p><label>\(escape(label))<br><input name=\"\(name)\" autocomplete=\"off\"\(attributes)></label>\(help)</p>"
        }
        let hubOptions = hubs.map { "<option value=\"\(escape($0.id))\">\(escape($0.name))</option>" }.joined()
        let banner =
            outcome.map { "<p class=\"box \($0.ok ? "ok" : "err")\" role=\"status\">\(escape($0.message))</p>" } ?? ""
        let rows =
            log.isEmpty
            ? "<p>Aucune action pour l'instant.</p>"
            : "<ol class=\"conflicts\">"
                + log.map { action in
                    """
                    <li class="card"><h3>\(escape(kindLabel(action.kind)))</h3><p>\(escape(action.summary))</p>
                    <p class="muted">Par \(escape(action.actor)) le \(escape(OpsWording.timestamp(action.createdAt))) · cible \
                    <code>\(escape(action.target))</code>\(action.reason.map { " · motif : \(escape($0))" } ?? "")</p></li>
                    """
                }.joined() + "</ol>"
        let forms = [
            form(
                "cancel", "Annuler une demande",
                field("request_id", "Identifiant de la demande", required: true) + field("reason", "Motif", required: true)
                    + "<p><label>Annulée par<br><select name=\"by\"><option value=\"client\">le client</option>"
                    + "<option value=\"ops\">l'équipe Djobea</option></select></label></p>", button: "Annuler la demande"),
            form(
                "reassign", "Réattribuer une demande",
                field("request_id", "Identifiant de la demande", required: true)
                    + field("provider_id", "Prestataire (identifiant)", hint: "Vide : la demande est reproposée par le hub de sa zone.")
                    + field("reason", "Motif"), button: "Réattribuer"),
            form(
                "reverse", "Contre-passer un paiement (remboursement, contestation)",
                field("payment_id", "Identifiant de l'écriture de paiement", required: true) + field("reason", "Motif", required: true)
                    + field("amount", "Montant (FCFA)", hint: "Vide : tout le paiement."), button: "Contre-passer"),
            form(
                "provider", "Modifier un prestataire",
                field("provider_id", "Identifiant du prestataire", required: true) + field("name", "Nom")
                    + field("services", "Services (codes séparés par des virgules)", hint: "Remplace la liste entière.")
                    + field("zones", "Zones (codes séparés par des virgules)", hint: "Une zone d'un autre hub y transfère le prestataire.")
                    + field("level", "Niveau (bronze, argent, or, platine)") + field("reason", "Motif"), button: "Enregistrer"),
            form(
                "suspend", "Suspendre ou réactiver un prestataire",
                field("provider_id", "Identifiant du prestataire", required: true) + field("reason", "Motif")
                    + "<p><label>Action<br><select name=\"action\"><option value=\"suspend\">Suspendre</option>"
                    + "<option value=\"reinstate\">Réactiver</option></select></label></p>", button: "Appliquer"),
            form(
                "zone", "Rattacher une zone à un autre hub",
                field("code", "Code de la zone", required: true)
                    + "<p><label>Nouveau hub<br><select name=\"to_hub\" required>\(hubOptions)</select></label></p>" + field("reason", "Motif"),
                button: "Déplacer la zone"),
        ]
        return document(
            title: "Actions ops — central",
            body: """
                <header class="top"><div><h1>Actions ops — central</h1>
                <p class="muted">Chaque action est enregistrée avec son auteur et atteint les hubs concernés à leur prochaine synchronisation.</p>
                </div><p><a class="button secondary" href="/ops/commission">Commissions et niveaux</a> \
                <a class="button secondary" href="/ops">Retour à la console</a></p></header>
                <main>\(banner)
                <section aria-labelledby="forms"><h2 id="forms">Agir</h2><div class="cards">\(forms.joined())</div></section>
                <section aria-labelledby="log"><h2 id="log">Dernières actions</h2>\(rows)</section>
                </main>
                """)
    }

    static func kindLabel(_ kind: String) -> String {
        switch kind {
        case "cancel_request": "Demande annulée"
        case "reassign_request": "Demande réattribuée"
        case "reverse_payment": "Paiement contre-passé"
        case "update_provider": "Prestataire modifié"
        case "suspend_provider": "Prestataire suspendu"
        case "reinstate_provider": "Prestataire réactivé"
        case "move_zone": "Zone rattachée à un autre hub"
        case "add_commission_rate": "Nouvelle version de taux de commission"
        case "recompute_levels": "Niveaux recalculés"
        case "set_provider_level": "Niveau changé selon la règle"
        case "override_provider_level": "Niveau fixé à la main"
        default: "Action « \(kind) »"
        }
    }
}
