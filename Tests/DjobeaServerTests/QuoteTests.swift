import DjobeaDomain
import DjobeaGateway
import DjobeaGatewayFakes
import DjobeaStore
import DjobeaTestSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import DjobeaServer

/// Quotes (devis): made at the hub, sent with the link to the client page, accepted or refused there with a name,
/// turned into the invoice, paid by mobile money from the page. Here the hub is its own gateway (one node serves the
/// provider API and the client page); `QuoteProcessTests` runs hub and central as processes.
@Suite("Quotes: made at the hub, accepted on the client's page, invoiced, paid from the page")
struct QuoteTests: ReadsJSONResponses {
    static let base = "https://djobea.test"
    /// How the test hub signs its client page links (it serves its own pages: it is its own gateway here).
    static let links = ClientPageLinks(base: base, signer: "hub-test", secret: "secret de signature du hub de test")

    /// The page's path of a stored token, as the hub signs it.
    static func pagePath(_ token: String) -> String { String(links.url(token: token).dropFirst(base.count)) }

    static func lines(_ items: [(String, String, Int, Int)]) -> [[String: Any]] {
        items.map { ["kind": $0.0, "label": $0.1, "quantity": $0.2, "unit_price": $0.3] }
    }

    static func result(_ response: TestResponse) throws -> QuoteCommandResult {
        try JSONCoding.decoder.decode(QuoteCommandResult.self, from: Data(buffer: response.body))
    }

    /// The hub with the provider API and the gateway (client page, collections on `collectors`).
    static func node(_ harness: ProviderAPIHarness, collectors: [any MobileMoneyCollector] = []) async throws -> Node {
        let made = try await GatewayServices.make(
            storage: harness.database, dataDirectory: harness.directory, driver: .console, environment: [:], logger: Logger(label: "test"))
        var collectionSettings = CollectionGateway.Settings()
        collectionSettings.firstCheckAfter = 0
        collectionSettings.maximumCheckInterval = 0.01
        let collections = CollectionGateway(
            storage: harness.database, collectors: collectors, settings: collectionSettings, logger: Logger(label: "test"))
        var node = harness.node()
        var provider = harness.services
        provider.clientPageBase = links
        node.provider = provider
        node.gateway = GatewayServices(
            messages: made.messages, pushes: made.pushes, collections: collections, webhooks: made.webhooks, vapidPublicKey: made.vapidPublicKey,
            background: [])
        return node
    }

    /// A walk-in request of the first provider, accepted (walk-ins start accepted) and logged in.
    static func request(_ harness: ProviderAPIHarness, _ client: some TestClientProtocol) async throws -> (String, String) {
        let provider = try #require(harness.providers.first)
        let requestId = try await MissionWorkAPITests.walkIn(harness, provider: provider.id)
        return (requestId, try await harness.login(client, phone: provider.phone))
    }

    static func form(_ fields: [(String, String)]) -> (HTTPFields, ByteBuffer) {
        ([.contentType: "application/x-www-form-urlencoded"], ByteBuffer(bytes: FakeForm.encode(fields)))
    }

    @Test(
        "a quote made from lines, sent by WhatsApp with its link, accepted on the client page with a name, then invoiced with its lines; its PDF reads right"
    )
    func acceptedAndInvoiced() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await Self.node(harness).application().test(.live) { client in
            let (requestId, token) = try await Self.request(harness, client)
            let created = try await client.execute(
                uri: "/provider/requests/\(requestId)/quotes", method: .post, headers: harness.bearer(token),
                body: harness.body([
                    "lines": Self.lines([("main_oeuvre", "Remplacement du siphon", 1, 10_000)]), "valid_days": 10,
                ]))
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let quote = try Self.result(created).quote
            #expect(quote.number.hasPrefix("D-") && quote.status == "brouillon" && quote.total == 10_000)
            let link = try #require(quote.publicUrl)
            #expect(link.hasPrefix(Self.base + "/c/") && link.count >= Self.base.count + 3 + 32)
            let path = String(link.dropFirst(Self.base.count))
            #expect(try await client.execute(uri: path, method: .get).status == .notFound, "a draft is not shown to the client")

            let edited = try await client.execute(
                uri: "/provider/quotes/\(quote.id)", method: .put, headers: harness.bearer(token),
                body: harness.body([
                    "lines": Self.lines([("main_oeuvre", "Remplacement du siphon", 1, 12_000), ("materiel", "Siphon PVC Ø40", 2, 3_500)])
                ]))
            let editedTotal = try Self.result(edited).quote.total
            #expect(edited.status == .ok && editedTotal == 19_000, "a draft is edited before it is sent")
            let sent = try await client.execute(uri: "/provider/quotes/\(quote.id)/send", method: .post, headers: harness.bearer(token))
            #expect(sent.status == .ok, "\(String(buffer: sent.body))")
            let messageId = try #require(try Self.result(sent).messageId)
            let message = try await harness.database.read { db -> [String?] in
                let row = try Row.fetchOne(db, sql: "SELECT template_name, body FROM messages WHERE id = ?", arguments: [messageId])
                return [row?["template_name"], row?["body"]]
            }
            #expect(message.first == "devis_envoye")
            #expect(message.last??.contains(link) == true, "the client gets the link")
            // The gateway sends it as the template with the quote's PDF in its document header.
            let node = harness.database.nodeId
            let due = try await harness.database.replicaRead { db in
                try GatewayOutbox.due(node: node, isDefault: true, now: Date(), limit: 50, in: db)
            }
            let row = try #require(due.first { $0.id == messageId })
            if case .send(let outbound) = OutboundPlan.make(row, channels: [.whatsapp]), case .template(let call) = outbound.content {
                #expect(call.name == "devis_envoye" && call.document?.link == link + "/pdf" && call.document?.filename == quote.number + ".pdf")
            } else {
                Issue.record("the quote's message is not a template send")
            }

            let page = try await client.execute(uri: path, method: .get)
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(buffer: page.body)
            #expect(html.utf8.count < 20_000, "\(html.utf8.count) bytes")
            for expected in ["Devis \(quote.number)", "Remplacement du siphon", "Siphon PVC Ø40", "Accepter le devis", "Refuser", "Awa"] {
                #expect(html.contains(expected), "\(expected)")
            }
            #expect(html.contains(XAF(19_000).formatted))
            #expect(!html.contains("<script"))
            #expect(page.headers.first { $0.name.canonicalName == "content-security-policy" }?.value.contains("default-src 'none'") == true)

            let late = try await client.execute(
                uri: "/provider/quotes/\(quote.id)", method: .put, headers: harness.bearer(token),
                body: harness.body(["lines": Self.lines([("main_oeuvre", "Autre", 1, 1)])]))
            #expect(late.status == .conflict && Self.errorCode(late) == "quote_sent", "sent, it does not change")
            let (formHeaders, noName) = Self.form([("name", " ")])
            let refusedName = try await client.execute(uri: path + "/accept", method: .post, headers: formHeaders, body: noName)
            #expect(refusedName.status == .badRequest && String(buffer: refusedName.body).contains("Écrivez votre nom"))
            let (_, signed) = Self.form([("name", "Awa  Ngo")])
            let accepted = try await client.execute(uri: path + "/accept", method: .post, headers: formHeaders, body: signed)
            #expect(accepted.status == .seeOther && accepted.headers[.location] == path)
            let again = try await client.execute(uri: path + "/accept", method: .post, headers: formHeaders, body: signed)
            #expect(again.status == .seeOther, "the same answer again changes nothing")
            let refuse = try await client.execute(uri: path + "/refuse", method: .post, headers: formHeaders, body: signed)
            #expect(refuse.status == .badRequest && String(buffer: refuse.body).contains("déjà été accepté"))
            #expect(String(buffer: try await client.execute(uri: path, method: .get).body).contains("Devis accepté par Awa Ngo"))

            let shown = try await client.execute(uri: "/provider/quotes/\(quote.id)", method: .get, headers: harness.bearer(token))
            let view = try JSONCoding.decoder.decode(QuoteView.self, from: Data(buffer: shown.body))
            #expect(view.status == "accepte" && view.decidedByName == "Awa Ngo" && view.statusLabel == "Accepté par le client")

            let early = try await client.execute(uri: "/provider/quotes/\(quote.id)/invoice", method: .post, headers: harness.bearer(token))
            #expect(early.status == .conflict && Self.errorCode(early) == "illegal_transition", "invoiced at Réparation")
            for stage in ["arrived", "diagnosed", "repairing"] {
                let moved = try await client.execute(
                    uri: "/provider/requests/\(requestId)/update-status", method: .put, headers: harness.bearer(token),
                    body: harness.body(["stage": stage]))
                #expect(moved.status == .ok)
            }
            let invoiced = try await client.execute(uri: "/provider/quotes/\(quote.id)/invoice", method: .post, headers: harness.bearer(token))
            #expect(invoiced.status == .created, "\(String(buffer: invoiced.body))")
            let invoice = try #require(try Self.result(invoiced).invoice)
            #expect(invoice.total == 19_000 && invoice.lines.map(\.label) == ["Remplacement du siphon", "Siphon PVC Ø40"])
            let twice = try await client.execute(uri: "/provider/quotes/\(quote.id)/invoice", method: .post, headers: harness.bearer(token))
            #expect(twice.status == .conflict && Self.errorCode(twice) == "invoice_exists")
            let invoicePage = String(buffer: try await client.execute(uri: path, method: .get).body)
            #expect(invoicePage.contains("Facture \(invoice.number)") && invoicePage.contains("Payer par MTN MoMo"))
            #expect(invoicePage.contains("Télécharger la facture en PDF"))

            let clientPDF = try await client.execute(uri: path + "/pdf", method: .get)
            #expect(clientPDF.status == .ok && clientPDF.headers[.contentType] == "application/pdf")
            let invoiceText = try DocumentReaders.pdfText(Data(buffer: clientPDF.body))
            #expect(invoiceText.contains(invoice.number) && invoiceText.contains("Awa"), "once invoiced, the client's PDF is the invoice")
            let pdf = try await client.execute(uri: "/provider/quotes/\(quote.id)/pdf", method: .get, headers: harness.bearer(token))
            #expect(pdf.status == .ok && pdf.headers[.contentType] == "application/pdf")
            let bytes = Data(buffer: pdf.body)
            _ = try DocumentReaders.qpdfCheck(bytes)
            let text = try DocumentReaders.pdfText(bytes)
            for expected in [quote.number, "Awa Ngo", "Siphon PVC Ø40", "19 000"] { #expect(text.contains(expected), "\(expected) in \(text)") }
        }
    }

    @Test("the client pays the invoice from the page by MTN MoMo: one collection by the client, one payment once MTN confirms")
    func paidFromThePage() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        let fake = try await FakeMTNMoMo.start()
        defer { Task { await fake.stop() } }
        let node = try await Self.node(harness, collectors: [try MTNMoMoCollector.fromEnvironment(fake.environment)])
        let collections = try #require(node.gateway?.collections)
        try await node.application().test(.live) { client in
            let (requestId, token) = try await Self.request(harness, client)
            let quote = try Self.result(
                try await client.execute(
                    uri: "/provider/requests/\(requestId)/quotes", method: .post, headers: harness.bearer(token),
                    body: harness.body(["lines": Self.lines([("main_oeuvre", "Main d'œuvre", 1, 8_000)])]))
            ).quote
            let path = String(try #require(quote.publicUrl).dropFirst(Self.base.count))
            #expect(try await client.execute(uri: "/provider/quotes/\(quote.id)/send", method: .post, headers: harness.bearer(token)).status == .ok)
            let (headers, signed) = Self.form([("name", "Awa Ngo")])
            #expect(try await client.execute(uri: path + "/accept", method: .post, headers: headers, body: signed).status == .seeOther)
            for stage in ["arrived", "diagnosed", "repairing"] {
                _ = try await client.execute(
                    uri: "/provider/requests/\(requestId)/update-status", method: .put, headers: harness.bearer(token),
                    body: harness.body(["stage": stage]))
            }
            #expect(
                try await client.execute(uri: "/provider/quotes/\(quote.id)/invoice", method: .post, headers: harness.bearer(token)).status
                    == .created)

            let (_, badPhone) = Self.form([("method", "mtn_momo"), ("phone", "222 33 44 55")])
            let refused = try await client.execute(uri: path + "/pay", method: .post, headers: headers, body: badPhone)
            #expect(refused.status == .badRequest && String(buffer: refused.body).contains("Numéro mobile camerounais"))
            let (_, pay) = Self.form([("method", "mtn_momo"), ("phone", "6 77 00 02 33")])
            #expect(try await client.execute(uri: path + "/pay", method: .post, headers: headers, body: pay).status == .seeOther)
            let pending = String(buffer: try await client.execute(uri: path, method: .get).body)
            #expect(pending.contains("validez le paiement") && pending.contains("http-equiv=\"refresh\""), "the page waits and refreshes itself")
            #expect(await collections.collectDue().requested == 1)
            #expect(await collections.collectDue().paid == 1)
            let done = String(buffer: try await client.execute(uri: path, method: .get).body)
            #expect(done.contains("reçu par MTN MoMo") && !done.contains("Payer par MTN MoMo"))
            let rows = try await harness.database.read { db in
                try Row.fetchAll(db, sql: "SELECT requested_by_role, amount FROM collections").map { row -> String in
                    let role: String = row["requested_by_role"]
                    let amount: Int = row["amount"]
                    return "\(role) \(amount)"
                }
            }
            #expect(rows == ["client 8000"])
            #expect(fake.prompts.count == 1)
        }
    }

    @Test("the provider's own templates: saved, listed before the common ones, used for a quote, deleted; another provider cannot touch them")
    func ownTemplates() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await Self.node(harness).application().test(.live) { client in
            let (requestId, token) = try await Self.request(harness, client)
            let service = try await harness.database.read { db in try String.fetchOne(db, sql: "SELECT code FROM services ORDER BY code LIMIT 1") }
            let saved = try await client.execute(
                uri: "/provider/quote-templates", method: .post, headers: harness.bearer(token),
                body: harness.body([
                    "title": "Débouchage évier", "service": try #require(service),
                    "lines": Self.lines([("main_oeuvre", "Débouchage", 1, 7_000), ("deplacement", "Déplacement", 1, 1_500)]),
                ]))
            #expect(saved.status == .created, "\(String(buffer: saved.body))")
            let template = try JSONCoding.decoder.decode(QuoteTemplateView.self, from: Data(buffer: saved.body))
            let listed = try JSONCoding.decoder.decode(
                [QuoteTemplateView].self,
                from: Data(buffer: try await client.execute(uri: "/provider/quote-templates", method: .get, headers: harness.bearer(token)).body))
            #expect(listed.first?.id == template.id && listed.first?.own == true)
            let quote = try Self.result(
                try await client.execute(
                    uri: "/provider/requests/\(requestId)/quotes", method: .post, headers: harness.bearer(token),
                    body: harness.body(["template_id": template.id]))
            ).quote
            #expect(quote.total == 8_500 && quote.lines.map(\.label) == ["Débouchage", "Déplacement"])
            let badTemplate = try await client.execute(
                uri: "/provider/quote-templates", method: .post, headers: harness.bearer(token),
                body: harness.body(["title": "x", "service": "inconnu", "lines": Self.lines([("main_oeuvre", "x", 1, 1)])]))
            #expect(badTemplate.status.code == 422)
            let stranger = try #require(harness.providers.dropFirst().first)
            let strangerToken = try await harness.login(client, phone: stranger.phone)
            let foreign = try await client.execute(
                uri: "/provider/quote-templates/\(template.id)", method: .delete, headers: harness.bearer(strangerToken))
            #expect(foreign.status == .notFound)
            let strangers = try JSONCoding.decoder.decode(
                [QuoteTemplateView].self,
                from: Data(
                    buffer: try await client.execute(uri: "/provider/quote-templates", method: .get, headers: harness.bearer(strangerToken)).body))
            #expect(!strangers.contains { $0.id == template.id })
            let deleted = try await client.execute(uri: "/provider/quote-templates/\(template.id)", method: .delete, headers: harness.bearer(token))
            #expect(deleted.status == .noContent)
        }
    }

    @Test("a payment request's invoice has its own page: the message carries its link and its PDF; the client sees the lines and pays from it")
    func invoicePage() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await Self.node(harness).application().test(.live) { client in
            let (requestId, token) = try await Self.request(harness, client)
            for stage in ["arrived", "diagnosed", "repairing"] {
                _ = try await client.execute(
                    uri: "/provider/requests/\(requestId)/update-status", method: .put, headers: harness.bearer(token),
                    body: harness.body(["stage": stage]))
            }
            let made = try await client.execute(
                uri: "/provider/requests/\(requestId)/payment-request", method: .post, headers: harness.bearer(token),
                body: harness.body(["labour": 15_000, "travel": 2_000]))
            #expect(made.status == .created)
            let invoice = try JSONCoding.decoder.decode(MissionPaymentRequestResult.self, from: Data(buffer: made.body))
            let stored = try await harness.database.read { db -> [String?] in
                let row = try Row.fetchOne(
                    db, sql: "SELECT m.template_name, m.body, i.public_token FROM messages m JOIN invoices i ON i.id = ? WHERE m.id = ?",
                    arguments: [invoice.invoiceId, invoice.messageId])
                return [row?["template_name"], row?["body"], row?["public_token"]]
            }
            let pageToken = try #require(stored[2])
            let path = Self.pagePath(pageToken)
            #expect(stored[0] == "facture_envoyee" && stored[1]?.contains(Self.base + path) == true, "the message carries the page's link")
            let node = harness.database.nodeId
            let due = try await harness.database.replicaRead { db in
                try GatewayOutbox.due(node: node, isDefault: true, now: Date(), limit: 50, in: db)
            }
            let row = try #require(due.first { $0.id == invoice.messageId })
            if case .send(let outbound) = OutboundPlan.make(row, channels: [.whatsapp]), case .template(let call) = outbound.content {
                #expect(call.document?.link == Self.base + path + "/pdf" && call.document?.filename == invoice.number + ".pdf")
            } else {
                Issue.record("the invoice's message is not a template send")
            }
            let html = String(buffer: try await client.execute(uri: path, method: .get).body)
            for expected in ["Facture \(invoice.number)", "Main d&#39;œuvre", "Déplacement", "Payer par MTN MoMo", "Télécharger la facture en PDF"] {
                #expect(html.contains(expected), "\(expected)")
            }
            #expect(!html.contains("Accepter le devis"))
            let pdf = try await client.execute(uri: path + "/pdf", method: .get)
            let text = try DocumentReaders.pdfText(Data(buffer: pdf.body))
            #expect(text.contains(invoice.number) && text.contains("17 000"))
            let (headers, pay) = Self.form([("method", "orange_money"), ("phone", "6 91 11 22 33")])
            #expect(try await client.execute(uri: path + "/pay", method: .post, headers: headers, body: pay).status == .seeOther)
            #expect(String(buffer: try await client.execute(uri: path, method: .get).body).contains("Orange Money : validez le paiement"))
            let (_, signed) = Self.form([("name", "Awa Ngo")])
            #expect(try await client.execute(uri: path + "/accept", method: .post, headers: headers, body: signed).status == .notFound)
        }
    }

    @Test("bad input and strangers: invalid lines, unknown template, a closed request, another provider's quote, a forged or unknown link")
    func refusals() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await Self.node(harness).application().test(.live) { client in
            let (requestId, token) = try await Self.request(harness, client)
            let before = try harness.changeCount()
            let bad: [[String: Any]] = [
                [:], ["lines": []], ["lines": Self.lines([("pose", "x", 1, 1)])], ["lines": Self.lines([("main_oeuvre", "", 1, 1)])],
                ["lines": Self.lines([("main_oeuvre", "x", 0, 1)])], ["lines": Self.lines([("main_oeuvre", "x", 1, -5)])],
                ["lines": Self.lines([("main_oeuvre", "x", 1, 0)])], ["lines": Self.lines(Array(repeating: ("materiel", "x", 1, 1), count: 31))],
                ["lines": Self.lines([("main_oeuvre", "x", 1, 1)]), "valid_days": 0], ["template_id": "not-an-id"],
                ["template_id": DjobeaID.v7()], ["lines": "siphon"],
            ]
            for body in bad {
                let refused = try await client.execute(
                    uri: "/provider/requests/\(requestId)/quotes", method: .post, headers: harness.bearer(token), body: harness.body(body))
                #expect([400, 422].contains(refused.status.code), "\(body): \(String(buffer: refused.body))")
            }
            #expect(try harness.changeCount() == before, "nothing written")
            let made = try Self.result(
                try await client.execute(
                    uri: "/provider/requests/\(requestId)/quotes", method: .post, headers: harness.bearer(token),
                    body: harness.body(["lines": Self.lines([("main_oeuvre", "Main d'œuvre", 1, 5_000)])]))
            ).quote
            let stranger = try #require(harness.providers.dropFirst().first)
            let strangerToken = try await harness.login(client, phone: stranger.phone)
            for (method, uri) in [
                (HTTPRequest.Method.get, "/provider/quotes/\(made.id)"), (.post, "/provider/quotes/\(made.id)/send"),
                (.post, "/provider/quotes/\(made.id)/invoice"), (.get, "/provider/quotes/\(made.id)/pdf"),
                (.get, "/provider/requests/\(requestId)/quotes"), (.post, "/provider/requests/\(requestId)/quotes"),
            ] {
                let hidden = try await client.execute(
                    uri: uri, method: method, headers: harness.bearer(strangerToken),
                    body: harness.body(["lines": Self.lines([("main_oeuvre", "x", 1, 1)])]))
                #expect(hidden.status == .notFound, "\(method) \(uri)")
            }
            // The stored token alone, or signed by a key that is not this hub's (a guess, another deployment), finds nothing.
            let storedToken = try #require(
                try await harness.database.read { db in
                    try String.fetchOne(db, sql: "SELECT public_token FROM quotes WHERE id = ?", arguments: [made.id])
                })
            let forged = ClientPageLinks(base: Self.base, signer: "hub-test", secret: "une autre clé")
            for path in [
                "/c/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/c/short", "/c/%27%20OR%201%3D1%20--%20aaaaaaaaaaaa", "/c/\(storedToken)",
                String(forged.url(token: storedToken).dropFirst(Self.base.count)),
                Self.pagePath(storedToken).replacingOccurrences(of: ".hub-test.", with: ".\(DjobeaID.v7())."),
            ] {
                #expect(try await client.execute(uri: path, method: .get).status == .notFound, "\(path)")
                let (headers, signed) = Self.form([("name", "Awa Ngo")])
                #expect(try await client.execute(uri: path + "/accept", method: .post, headers: headers, body: signed).status == .notFound, "\(path)")
            }
            #expect(try harness.changeCount() == before + 2, "the quote and its line only")
            let templates = try await client.execute(uri: "/provider/quote-templates", method: .get, headers: harness.bearer(token))
            #expect(templates.status == .ok)
        }
    }
}
