import DjobeaDocuments
import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The client's page for a quote (`/c/{token}`), served by the gateway node: French, no login, no script, a few KB,
/// fine on any phone browser. The client accepts or refuses with their name as signature, and once the quote became
/// an invoice pays it by MTN MoMo or Orange Money. Forms post back and are redirected to the page (no double submit on
/// reload). Whoever holds the link sees this one quote and nothing else.
struct ClientPageController: Sendable {
    let storage: any ReplicaStorage
    /// Checks a link's signature before anything is read (SPEC.md 4.9).
    let links: ClientPageLinkCheck
    /// Wakes the collection loop after a payment is started here.
    let collections: CollectionGateway?
    static let maxForm = 4 * 1024

    func register(on router: Router<NodeRequestContext>, docs: APIDocumentation) {
        let routes = DocumentedRoutes(group: router.group(), docs: docs, tag: "Page client", authenticated: false)
        let token = APIOperation.Parameter("token", in: "path", required: true, "Jeton du lien envoyé au client")
        routes.add(.get, "/c/{token}", "Page client d'un devis (HTML) : lignes, total, Accepter / Refuser, paiement mobile", parameters: [token]) {
            _, context in
            let link = context.parameters.get("token") ?? ""
            let now = Date()
            guard let token = try await links.token(of: link),
                let page = try await storage.replicaRead({ db in try ClientPageStore.page(token: token, now: now, in: db) })
            else {
                return Self.html(ClientPageHTML.notFound(), status: .notFound)
            }
            return Self.html(ClientPageHTML.render(page, token: link, notice: nil))
        }
        routes.add(
            .get, "/c/{token}/pdf", "Le devis en PDF (ou la facture, une fois le devis facturé), pour le client", parameters: [token],
            produces: ["application/pdf"]
        ) { _, context in
            let now = Date()
            guard let token = try await links.token(of: context.parameters.get("token") ?? ""),
                let page = try await storage.replicaRead({ db in try ClientPageStore.page(token: token, now: now, in: db) })
            else {
                return Self.html(ClientPageHTML.notFound(), status: .notFound)
            }
            let document = Self.billingDocument(page)
            return ProviderDocumentsController.download(
                BillingDocumentRenderer.pdf(document), contentType: "application/pdf", fileName: document.fileName, inline: true)
        }
        for (action, accept) in [("accept", true), ("refuse", false)] {
            routes.add(
                .post, "/c/{token}/\(action)",
                accept ? "Le client accepte le devis (formulaire : name)" : "Le client refuse le devis (formulaire : name)",
                parameters: [token]
            ) { request, context in
                let link = context.parameters.get("token") ?? ""
                guard let token = try await links.token(of: link) else { return Self.html(ClientPageHTML.notFound(), status: .notFound) }
                let form = try await Self.form(request)
                let name = form["name"] ?? ""
                do {
                    try await storage.localWrite(critical: true, now: Date()) { tx in
                        try ClientPageStore.decide(token: token, accept: accept, name: name, in: tx)
                    }
                } catch let refusal as ClientPageRefusal {
                    return try await refused(refusal, token: token, link: link)
                }
                return Self.backToPage(link)
            }
        }
        routes.add(
            .post, "/c/{token}/pay", "Le client paie la facture par MTN MoMo ou Orange Money (formulaire : method, phone)", parameters: [token]
        ) { request, context in
            let link = context.parameters.get("token") ?? ""
            guard let token = try await links.token(of: link) else { return Self.html(ClientPageHTML.notFound(), status: .notFound) }
            let form = try await Self.form(request)
            guard let method = form["method"].flatMap(CollectionMethod.init(rawValue:)) else {
                return try await refused(
                    ClientPageRefusal(code: "invalid_method", messageFR: "Choisissez MTN MoMo ou Orange Money."), token: token, link: link)
            }
            do {
                _ = try await storage.localWrite(critical: true, now: Date()) { tx in
                    try ClientPageStore.startCollection(token: token, method: method, phone: form["phone"] ?? "", in: tx)
                }
            } catch let refusal as ClientPageRefusal {
                return try await refused(refusal, token: token, link: link)
            }
            await collections?.wake()
            return Self.backToPage(link)
        }
    }

    private func refused(_ refusal: ClientPageRefusal, token: String, link: String) async throws -> Response {
        let now = Date()
        guard refusal.code != "not_found",
            let page = try await storage.replicaRead({ db in try ClientPageStore.page(token: token, now: now, in: db) })
        else { return Self.html(ClientPageHTML.notFound(), status: .notFound) }
        return Self.html(ClientPageHTML.render(page, token: link, notice: refusal.messageFR), status: .badRequest)
    }

    /// The quote, or once invoiced the invoice, as the PDF prints it.
    static func billingDocument(_ page: ClientQuotePage) -> BillingDocument {
        let quote = page.quote
        let invoiced = page.invoiceNumber != nil
        let issued = UTCTimestamp.parse((invoiced ? page.invoiceIssuedAt : nil) ?? quote.sentAt ?? quote.createdAt) ?? Date(timeIntervalSince1970: 0)
        let until = UTCTimestamp.parse((invoiced ? page.invoiceDueAt : nil) ?? quote.validUntil) ?? issued
        let lines = invoiced ? page.invoiceLines : quote.lines
        return BillingDocument(
            kind: invoiced ? .invoice : .quote, number: page.invoiceNumber ?? quote.number, providerName: page.providerName,
            providerPhone: page.providerPhone, clientName: page.clientFirstName, subject: page.requestTitle, serviceName: page.serviceName,
            issuedAt: issued, dueOrValidUntil: until,
            lines: lines.map { .init(kindLabel: $0.kindLabel, label: $0.label, quantity: $0.quantity, unitPrice: XAF($0.unitPrice)) },
            total: XAF(page.invoiceTotal ?? quote.total), paid: invoiced ? XAF(page.paid) : nil)
    }

    static func form(_ request: Request) async throws -> [String: String] {
        var request = request
        do {
            return OpsController.formFields(String(buffer: try await request.collectBody(upTo: maxForm)))
        } catch {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "Formulaire trop volumineux.")
        }
    }

    static func backToPage(_ link: String) -> Response {
        OpsController.redirect(to: "/c/\(link)")
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        if let csp = HTTPField.Name("Content-Security-Policy") {
            headers[csp] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        }
        if let referrer = HTTPField.Name("Referrer-Policy") { headers[referrer] = "no-referrer" }
        if let robots = HTTPField.Name("X-Robots-Tag") { headers[robots] = "noindex" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The signature check of client page links: a link this node signed itself, or at central one signed by a hub (its
/// key derived from central's master key and the hub's id). Anything else is not found.
struct ClientPageLinkCheck: Sendable {
    let own: ClientPageLinks?
    /// Central's master key of client page links.
    let master: String?

    /// The token of a well-signed link component, else nil.
    func token(of component: String) async throws -> String? {
        guard let (token, signer, signature) = ClientPageLinks.parse(component) else { return nil }
        if let own, own.signer == signer { return own.verifies(token: token, signature: signature) ? token : nil }
        guard let master, DjobeaID.isValid(signer) else { return nil }
        let key = ClientPageLinks.key(secret: ClientPageLinks.hubKey(master: master, hubId: signer))
        return ClientPageLinks.isValid(token: token, signature: signature, key: key) ? token : nil
    }
}

/// The client page's HTML: pure functions of what it shows.
enum ClientPageHTML {
    static func escape(_ text: String) -> String { OpsPage.escape(text) }

    static let style = """
        body{margin:0;font:18px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;background:#fff}
        main{max-width:36rem;margin:0 auto;padding:1rem}h1{font-size:1.4rem;margin:.25rem 0}h2{font-size:1.15rem;margin:1.25rem 0 .5rem}
        table{width:100%;border-collapse:collapse}td,th{padding:.4rem .25rem;border-bottom:1px solid #767676;text-align:left;vertical-align:top}
        .n{text-align:right;white-space:nowrap}.total td{font-weight:700;border-bottom:0}
        .status{padding:.5rem .75rem;border-left:6px solid #1e4d72;background:#eef3f8}.ok{border-color:#176128;background:#edf6ef}
        .ko{border-color:#9b1c28;background:#fbeeee}.notice{color:#9b1c28;font-weight:700}
        label{display:block;font-weight:600;margin:.75rem 0 .25rem}input[type=text],input[type=tel]{box-sizing:border-box;width:100%;min-height:48px;font:inherit;padding:.5rem;border:2px solid #555;border-radius:6px}
        button{min-height:48px;min-width:48px;font:inherit;font-weight:700;padding:.6rem 1rem;border-radius:6px;border:2px solid #111;margin:.5rem .5rem 0 0}
        .yes{background:#176128;color:#fff;border-color:#176128}.no{background:#fff;color:#9b1c28;border-color:#9b1c28}
        .pay{background:#1e4d72;color:#fff;border-color:#1e4d72}small{color:#444}a{color:#0b4f96;display:inline-block;min-height:48px;line-height:48px}
        @media (prefers-color-scheme:dark){body{background:#121212;color:#f2f2f2}td,th{border-color:#8a8a8a}.status{background:#1c2733}
        .ok{background:#13261a}.ko{background:#2d1518}.notice{color:#ff9aa4}small{color:#cfcfcf}input[type=text],input[type=tel]{background:#1e1e1e;color:#f2f2f2;border-color:#bbb}
        .no{background:#121212;color:#ff9aa4;border-color:#ff9aa4}button{border-color:#f2f2f2}a{color:#8fc9ff}}
        """

    static func document(title: String, body: String, refresh: Bool = false) -> String {
        """
        <!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">\
        \(refresh ? "<meta http-equiv=\"refresh\" content=\"10\">" : "")<title>\(escape(title))</title><style>\(style)</style></head>\
        <body><main>\(body)</main></body></html>
        """
    }

    static func notFound() -> String {
        document(
            title: "Lien introuvable",
            body: "<h1>Lien introuvable</h1><p>Ce lien ne correspond à aucun devis. Vérifiez le message reçu ou contactez votre prestataire.</p>")
    }

    static func date(_ timestamp: String?) -> String {
        guard let timestamp, let date = UTCTimestamp.parse(timestamp) else { return "" }
        return DoualaCalendar().dayKey(date).split(separator: "-").reversed().joined(separator: "/")
    }

    static func render(_ page: ClientQuotePage, token: String, notice: String?) -> String {
        let quote = page.quote
        let base = "/c/" + escape(token)
        let isInvoice = quote.status == "facture"
        let what = isInvoice ? "la facture" : "le devis"
        var html = "<p><small>Djobea · \(isInvoice ? "facture" : "devis") de votre prestataire</small></p>"
        html += "<h1>\(isInvoice ? "Facture" : "Devis") \(escape(quote.number))</h1>"
        html += "<p>Bonjour \(escape(page.clientFirstName)),<br>voici \(what) de <strong>\(escape(page.providerName))</strong>"
        html += " (\(escape(PhoneNumber.displayCameroon(page.providerPhone) ?? page.providerPhone))) pour « \(escape(page.requestTitle)) ».</p>"
        html += "<table><thead><tr><th>Désignation</th><th class=\"n\">Qté</th><th class=\"n\">Montant</th></tr></thead><tbody>"
        for line in quote.lines {
            html += "<tr><td>\(escape(line.label))<br><small>\(escape(line.kindLabel)) · \(XAF(line.unitPrice).formatted) l'unité</small></td>"
            html += "<td class=\"n\">\(line.quantity)</td><td class=\"n\">\(XAF(line.total).formatted)</td></tr>"
        }
        html += "<tr class=\"total\"><td colspan=\"2\">Total</td><td class=\"n\">\(escape(quote.totalLabel))</td></tr></tbody></table>"
        html += "<p><a href=\"\(base)/pdf\">Télécharger \(page.invoiceNumber == nil ? "le devis" : "la facture") en PDF</a></p>"
        if let notice { html += "<p class=\"notice\" role=\"alert\">\(escape(notice))</p>" }
        var refresh = false
        switch quote.status {
        case "facture": break
        case "envoye":
            html += "<p class=\"status\">Valable jusqu'au \(date(quote.validUntil)). Votre réponse est transmise à votre prestataire.</p>"
            html += "<form method=\"post\" action=\"\(base)/accept\"><label for=\"name\">Votre nom (signature)</label>"
            html += "<input type=\"text\" id=\"name\" name=\"name\" required minlength=\"2\" maxlength=\"80\" autocomplete=\"name\">"
            html += "<button class=\"yes\" type=\"submit\">Accepter le devis</button>"
            html += "<button class=\"no\" type=\"submit\" formaction=\"\(base)/refuse\">Refuser</button></form>"
        case "accepte":
            html += "<p class=\"status ok\">Devis accepté par \(escape(quote.decidedByName ?? "vous")) le \(date(quote.decidedAt)). Merci !</p>"
        case "refuse":
            html += "<p class=\"status ko\">Devis refusé par \(escape(quote.decidedByName ?? "vous")) le \(date(quote.decidedAt)).</p>"
        default:
            html += "<p class=\"status ko\">Ce devis a expiré le \(date(quote.validUntil)) : demandez-en un nouveau à votre prestataire.</p>"
        }
        if let number = page.invoiceNumber, let total = page.invoiceTotal {
            html += isInvoice ? "<p>Total \(XAF(total).formatted)" : "<h2>Facture \(escape(number))</h2><p>Total \(XAF(total).formatted)"
            if page.credited > 0 { html += " · avoirs \(XAF(page.credited).formatted)" }
            html += " · déjà payé \(XAF(page.paid).formatted)"
            html += " · reste à payer <strong>\(XAF(page.balance).formatted)</strong></p>"
            if let collection = page.collection {
                switch collection.status {
                case "pending":
                    refresh = true
                    html += "<p class=\"status\">\(escape(collection.methodLabel)) : validez le paiement de \(escape(collection.amountLabel))"
                    html +=
                        " sur votre téléphone (\(escape(PhoneNumber.displayCameroon(collection.payerPhone) ?? collection.payerPhone))). Cette page se met à jour seule.</p>"
                case "successful":
                    html +=
                        "<p class=\"status ok\">Paiement de \(escape(collection.amountLabel)) reçu par \(escape(collection.methodLabel)). Merci !</p>"
                default:
                    html += "<p class=\"status ko\">Paiement non abouti : \(escape(collection.failureLabel ?? "raison inconnue")).</p>"
                }
            }
            if page.balance > 0, page.collection?.status != "pending" {
                let phone = PhoneNumber.displayCameroon(page.clientPhone) ?? ""
                html += "<form method=\"post\" action=\"\(base)/pay\"><label for=\"phone\">Numéro Mobile Money</label>"
                html += "<input type=\"tel\" id=\"phone\" name=\"phone\" required value=\"\(escape(phone))\" autocomplete=\"tel\">"
                html += "<button class=\"pay\" type=\"submit\" name=\"method\" value=\"mtn_momo\">Payer par MTN MoMo</button>"
                html += "<button class=\"pay\" type=\"submit\" name=\"method\" value=\"orange_money\">Payer par Orange Money</button></form>"
            }
        }
        return document(title: "\(isInvoice ? "Facture" : "Devis") \(quote.number)", body: html, refresh: refresh)
    }
}
