import DjobeaDocuments
import DjobeaDomain
import DjobeaStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Quotes (devis): made from the provider's templates or typed lines, offline at the hub; sent to the client with the
/// link to their page, where they accept (their name as a signature) or refuse; an accepted quote becomes the invoice.
struct QuoteController: Sendable {
    let database: NodeDatabase
    let commands: ProviderRequestCommands
    /// Where the client pages are served (the gateway, central by default): `public_url` = base + `/c/` + token.
    let clientPageBase: ClientPageLinks?

    static let quoteId = APIOperation.Parameter("quote_id", in: "path", required: true, "Identifiant du devis")

    func register(on routes: DocumentedRoutes) {
        let request = ProviderRequestsController.requestId
        let key = ProviderRequestsController.idempotencyKey
        let errors = ["not_found", "invalid_parameter", "illegal_transition", "idempotency_key_reused"]
        routes.add(
            .get, "/provider/quote-templates", "Modèles de devis : ceux du prestataire et les modèles communs (travaux courants, lignes et prix)",
            response: [QuoteTemplateView].self
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            return try JSONResponse.make(try await commands.quoteTemplates(providerId: identity.providerId), for: httpRequest)
        }
        routes.add(
            .post, "/provider/quote-templates", "Enregistrer un modèle de devis du prestataire (nom, service, lignes)", body: QuoteTemplateBody.self,
            response: QuoteTemplateView.self, status: 201, errors: ["invalid_parameter", "too_many_templates"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let body = try await RequestDecoding.decode(QuoteTemplateBody.self, from: httpRequest)
            let made = try await commands.createQuoteTemplate(
                providerId: identity.providerId, title: body.title, service: body.service, lines: body.lines)
            return try JSONResponse.make(made, for: httpRequest, status: .created)
        }
        routes.add(
            .delete, "/provider/quote-templates/{template_id}", "Supprimer un de ses modèles de devis",
            parameters: [.init("template_id", in: "path", required: true, "Identifiant du modèle")], status: 204, errors: ["not_found"]
        ) { _, context in
            let identity = try context.requireProvider()
            try await commands.deleteQuoteTemplate(providerId: identity.providerId, templateId: context.parameters.get("template_id") ?? "")
            return Response(status: .noContent)
        }
        routes.add(
            .post, "/provider/requests/{request_id}/quotes",
            "Créer un devis (brouillon) : lignes (main d'œuvre, matériel, déplacement) ou modèle ; validité en jours ; répond avec son public_url",
            parameters: [request, key], body: QuoteBody.self, response: QuoteCommandResult.self, status: 201, errors: errors + ["invoice_exists"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let id = try ProviderRequestsController.id(context)
            let body = try await RequestDecoding.decode(QuoteBody.self, from: httpRequest)
            let result = try await commands.createQuote(
                providerId: identity.providerId, requestId: id, lines: body.lines, templateId: body.templateId, validDays: body.validDays,
                publicBase: clientPageBase, idempotencyKey: httpRequest.headers.idempotencyKey)
            return try JSONResponse.make(result, for: httpRequest, status: .created)
        }
        routes.add(
            .get, "/provider/requests/{request_id}/quotes", "Les devis de la demande, du plus récent au plus ancien", parameters: [request],
            response: [QuoteView].self, errors: ["not_found"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let id = try ProviderRequestsController.id(context)
            let provider = identity.providerId
            let visible = try await database.read { db in
                try ProviderRequestsQuery.detail(providerId: provider, requestId: id, now: Date(), in: db) != nil
            }
            guard visible else { throw ProviderRequestError.notFound }
            return try JSONResponse.make(
                try await commands.quotes(providerId: identity.providerId, requestId: id, publicBase: clientPageBase), for: httpRequest)
        }
        routes.add(
            .get, "/provider/quotes/{quote_id}", "Un devis : lignes, total, statut (brouillon, envoyé, accepté, refusé, expiré), lien client",
            parameters: [Self.quoteId], response: QuoteView.self, errors: ["not_found"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            return try JSONResponse.make(
                try await commands.quote(providerId: identity.providerId, quoteId: Self.id(context), publicBase: clientPageBase), for: httpRequest)
        }
        routes.add(
            .put, "/provider/quotes/{quote_id}", "Modifier un devis encore en brouillon (ses lignes, sa validité) ; envoyé, il ne change plus",
            parameters: [Self.quoteId, key], body: QuoteEditBody.self, response: QuoteCommandResult.self,
            errors: ["not_found", "invalid_parameter", "quote_sent", "idempotency_key_reused"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let body = try await RequestDecoding.decode(QuoteEditBody.self, from: httpRequest)
            let result = try await commands.editQuote(
                providerId: identity.providerId, quoteId: Self.id(context), lines: body.lines, validDays: body.validDays,
                publicBase: clientPageBase, idempotencyKey: httpRequest.headers.idempotencyKey)
            return try JSONResponse.make(result, for: httpRequest)
        }
        routes.add(
            .post, "/provider/quotes/{quote_id}/send", "Envoyer le devis au client par WhatsApp, avec le lien de sa page (accepter ou refuser)",
            parameters: [Self.quoteId, key], response: QuoteCommandResult.self,
            errors: ["not_found", "quote_closed", "client_page_unavailable", "idempotency_key_reused"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let result = try await commands.sendQuote(
                providerId: identity.providerId, quoteId: Self.id(context), publicBase: clientPageBase,
                idempotencyKey: httpRequest.headers.idempotencyKey)
            return try JSONResponse.make(result, for: httpRequest)
        }
        routes.add(
            .post, "/provider/quotes/{quote_id}/invoice",
            "Transformer le devis accepté en facture (ses lignes), envoyée au client comme une demande de paiement",
            parameters: [Self.quoteId, key], response: QuoteCommandResult.self, status: 201,
            errors: ["not_found", "quote_not_accepted", "illegal_transition", "invoice_exists", "idempotency_key_reused"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let result = try await commands.convertQuote(
                providerId: identity.providerId, quoteId: Self.id(context), publicBase: clientPageBase,
                idempotencyKey: httpRequest.headers.idempotencyKey)
            return try JSONResponse.make(result, for: httpRequest, status: .created)
        }
        routes.add(
            .get, "/provider/quotes/{quote_id}/pdf", "Devis en PDF (A4)", parameters: [Self.quoteId], produces: ["application/pdf"],
            errors: ["not_found"]
        ) { _, context in
            let identity = try context.requireProvider()
            let document = try await commands.quoteDocument(providerId: identity.providerId, quoteId: Self.id(context), publicBase: clientPageBase)
            let billing = Self.billingDocument(document)
            return ProviderDocumentsController.download(
                BillingDocumentRenderer.pdf(billing), contentType: "application/pdf", fileName: billing.fileName, inline: true)
        }
    }

    static func id(_ context: NodeRequestContext) throws -> String {
        guard let id = context.parameters.get("quote_id"), DjobeaID.isValid(id) else { throw ProviderRequestError.notFound }
        return id
    }

    static func billingDocument(_ document: QuoteDocument) -> BillingDocument {
        let quote = document.quote
        let created = UTCTimestamp.parse(quote.createdAt) ?? Date(timeIntervalSince1970: 0)
        return BillingDocument(
            kind: .quote, number: quote.number, providerName: document.providerName, providerPhone: document.providerPhone,
            clientName: document.clientName, subject: document.requestTitle, serviceName: document.serviceName, issuedAt: created,
            dueOrValidUntil: UTCTimestamp.parse(quote.validUntil) ?? created,
            lines: quote.lines.map { .init(kindLabel: $0.kindLabel, label: $0.label, quantity: $0.quantity, unitPrice: XAF($0.unitPrice)) },
            total: XAF(quote.total))
    }
}
