import Foundation

/// One approved WhatsApp template: what a business-initiated message to a client (or a provider) says when the
/// 24-hour window after their last message is closed. The same catalogue is written out for the operator, with the
/// text to submit to Meta or Twilio, in `deploy/whatsapp-templates/` (a test keeps the two equal).
public struct WhatsAppTemplate: Sendable, Equatable, Codable {
    /// A quick-reply button: its French title and the payload WhatsApp sends back when pressed.
    public struct QuickReply: Sendable, Equatable, Codable {
        public var title: String
        public var payload: String
    }

    /// The template name as approved (`demande_acceptee`).
    public var name: String
    /// Meta's category: `UTILITY` for everything tied to a request, `MARKETING` for none of ours.
    public var category: String
    /// The French body, variables `{{1}}`, `{{2}}`… in order.
    public var body: String
    /// What each variable holds, in order (for the operator and the sample values).
    public var variables: [String]
    /// Sample values, in order (Meta asks for them at submission).
    public var examples: [String]
    public var quickReplies: [QuickReply]
    /// Whether the message is essential to the job (sent by SMS to a client without WhatsApp, sent to a client who
    /// answered STOP).
    public var essential: Bool
    /// The template's header is a document (a PDF): the gateway attaches the one the message names (`documentFor`).
    public var documentHeader: Bool? = nil

    /// The PDF a message of this template carries in its header: the client page's PDF (the link, its last parameter,
    /// followed by `/pdf`), named after the document's number (the parameter shaped `X-2026-0001`).
    public func documentFor(_ parameters: [String]) -> (link: String, filename: String)? {
        guard documentHeader == true, parameters.count == variables.count, let link = parameters.last, link.hasPrefix("http"),
            let number = parameters.first(where: Self.isDocumentNumber)
        else { return nil }
        return (link + "/pdf", number + ".pdf")
    }

    /// "F-2026-0007", "D-2026-0001".
    static func isDocumentNumber(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0].count == 1 && parts[0].allSatisfy(\.isUppercase) && parts[1].count == 4
            && parts[1].allSatisfy(\.isNumber) && !parts[2].isEmpty && parts[2].allSatisfy(\.isNumber)
    }

    /// `body` with the variables replaced by `parameters` (missing ones left as `{{n}}`).
    public func render(_ parameters: [String]) -> String {
        var text = body
        for (index, value) in parameters.enumerated().reversed() {
            text = text.replacingOccurrences(of: "{{\(index + 1)}}", with: value)
        }
        return text
    }
}

/// The catalogue of our WhatsApp templates, language `fr`.
public enum WhatsAppTemplates {
    public static let language = "fr"

    public static let acceptance = WhatsAppTemplate(
        name: "demande_acceptee", category: "UTILITY",
        body: "Bonjour {{1}}, votre demande « {{2}} » a été acceptée par {{3}}. Votre prestataire vous contactera très bientôt.",
        variables: ["prénom du client", "titre de la demande", "nom du prestataire"],
        examples: ["Awa", "Fuite sous l'évier", "Jean-Paul Mbarga"], quickReplies: [], essential: true)

    /// Any text a provider writes to a client (quick reply, question, note) when the window is closed.
    public static let providerMessage = WhatsAppTemplate(
        name: "message_prestataire", category: "UTILITY",
        body: "Message de {{1}} au sujet de votre demande « {{2}} » : {{3}}",
        variables: ["nom du prestataire", "titre de la demande", "texte du message"],
        examples: ["Jean-Paul Mbarga", "Fuite sous l'évier", "Pouvez-vous m'envoyer une photo de la fuite ?"], quickReplies: [],
        essential: true)

    public static let slotProposal = WhatsAppTemplate(
        name: "nouveau_creneau", category: "UTILITY",
        body: "{{1}} vous propose un nouveau créneau pour « {{2}} » : {{3}}. Répondez 1 pour accepter ou 2 pour refuser.",
        variables: ["nom du prestataire", "titre de la demande", "créneau proposé"],
        examples: ["Jean-Paul Mbarga", "Fuite sous l'évier", "mardi 2 décembre entre 9 h et 11 h"],
        quickReplies: [.init(title: "1 - J'accepte", payload: "creneau_oui"), .init(title: "2 - Je refuse", payload: "creneau_non")],
        essential: true)

    public static let paymentRequest = WhatsAppTemplate(
        name: "demande_paiement", category: "UTILITY",
        body:
            "Bonjour {{1}}, votre mission « {{2}} » est terminée. Total à payer : {{3}} (facture {{4}}). Vous pouvez payer en espèces, par MTN MoMo ou par Orange Money.",
        variables: ["prénom du client", "titre de la demande", "montant", "numéro de facture"],
        examples: ["Awa", "Fuite sous l'évier", "20 500 FCFA", "F-2026-0001"], quickReplies: [], essential: true)

    public static let quoteSent = WhatsAppTemplate(
        name: "devis_envoye", category: "UTILITY",
        body:
            "Bonjour {{1}}, voici le devis {{2}} de {{3}} pour « {{4}} » : {{5}}, valable jusqu'au {{6}}. Pour le consulter, l'accepter ou le refuser : {{7}}",
        variables: ["prénom du client", "numéro du devis", "nom du prestataire", "titre de la demande", "montant", "date limite", "lien du devis"],
        examples: [
            "Awa", "D-2026-0001", "Jean Kouam", "Fuite sous l'évier", "20 500 FCFA", "21/12/2026", "https://djobea.cm/c/AbCdEfGhIjKlMnOpQrStUv",
        ],
        quickReplies: [], essential: true, documentHeader: true)

    public static let invoiceSent = WhatsAppTemplate(
        name: "facture_envoyee", category: "UTILITY",
        body:
            "Bonjour {{1}}, votre mission « {{2}} » : facture {{3}} de {{4}}. Pour la consulter et payer en espèces, par MTN MoMo ou par Orange Money : {{5}}",
        variables: ["prénom du client", "titre de la demande", "numéro de facture", "montant", "lien de la facture"],
        examples: ["Awa", "Fuite sous l'évier", "F-2026-0001", "20 500 FCFA", "https://djobea.cm/c/AbCdEfGhIjKlMnOpQrStUv"],
        quickReplies: [], essential: true, documentHeader: true)

    public static let absenceNotice = WhatsAppTemplate(
        name: "absence_prestataire", category: "UTILITY",
        body: "Bonjour {{1}}, {{2}} n'est pas disponible jusqu'au {{3}}. Votre demande « {{4}} » reste enregistrée. {{5}}",
        variables: ["prénom du client", "nom du prestataire", "date de retour", "titre de la demande", "message du prestataire"],
        examples: ["Awa", "Jean-Paul Mbarga", "lundi 8 décembre", "Fuite sous l'évier", "Je vous recontacte à mon retour."],
        quickReplies: [], essential: false)

    public static let ratingRequest = WhatsAppTemplate(
        name: "demande_avis", category: "UTILITY",
        body:
            "Bonjour {{1}}, merci d'avoir fait appel à {{2}} pour « {{3}} ». Quelle note donnez-vous à cette mission, de 1 à 5 ? Vous pouvez ajouter un commentaire après votre note.",
        variables: ["prénom du client", "nom du prestataire", "titre de la demande"],
        examples: ["Awa", "Jean-Paul Mbarga", "Fuite sous l'évier"],
        quickReplies: (1...5).map { .init(title: String(repeating: "★", count: $0), payload: "note_\($0)") }, essential: false)

    /// To the provider: their weekly or monthly figures.
    public static let activitySummary = WhatsAppTemplate(
        name: "resume_activite", category: "UTILITY",
        body: "Bonjour {{1}}, votre résumé Djobea {{2}} : {{3}}, {{4}} encaissés, {{5}}. Bon travail !",
        variables: ["prénom du prestataire", "période", "missions terminées (avec leur nombre)", "montant encaissé", "note moyenne"],
        examples: ["Jean-Paul", "de la semaine du 30 novembre au 6 décembre", "7 missions terminées", "84 000 FCFA", "note moyenne 4,6/5"],
        quickReplies: [], essential: false)

    /// A reminder of an unpaid invoice (automatic, or the provider's "Relancer"): what is left to pay.
    public static let paymentReminder = WhatsAppTemplate(
        name: "relance_paiement", category: "UTILITY",
        body:
            "Bonjour {{1}}, petit rappel : la facture {{2}} pour « {{3}} » n'est pas encore réglée. Reste à payer : {{4}}. Vous pouvez payer en espèces, par MTN MoMo ou par Orange Money. Merci !",
        variables: ["prénom du client", "numéro de facture", "titre de la demande", "montant restant à payer"],
        examples: ["Awa", "F-2026-0001", "Fuite sous l'évier", "12 500 FCFA"], quickReplies: [], essential: true)

    /// A credit note (avoir) on the client's invoice: how much less they owe, why, and what is left to pay.
    public static let creditNote = WhatsAppTemplate(
        name: "avoir_emis", category: "UTILITY",
        body:
            "Bonjour {{1}}, un avoir {{2}} de {{3}} a été fait sur votre facture {{4}} pour « {{5}} » (motif : {{6}}). Reste à payer : {{7}}.",
        variables: [
            "prénom du client", "numéro de l'avoir", "montant de l'avoir", "numéro de facture", "titre de la demande", "motif",
            "montant restant à payer",
        ],
        examples: ["Awa", "A-2026-0001", "2 500 FCFA", "F-2026-0001", "Fuite sous l'évier", "joint fourni par le client", "12 500 FCFA"],
        quickReplies: [], essential: true)

    public static let all: [WhatsAppTemplate] = [
        acceptance, providerMessage, slotProposal, paymentRequest, invoiceSent, quoteSent, absenceNotice, ratingRequest, activitySummary,
        paymentReminder, creditNote,
    ]

    public static func named(_ name: String) -> WhatsAppTemplate? {
        all.first { $0.name == name }
    }
}
