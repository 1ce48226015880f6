import DjobeaDomain
import DjobeaStore
import Foundation
import Hummingbird

/// The invoice's actions on the Finances screen: "Relancer" (a payment reminder to the client) and "Faire un avoir"
/// (a credit note; a sent invoice is never edited). Another provider's invoice is `404 not_found`; writes honour
/// `Idempotency-Key` like the other provider commands.
struct InvoiceActionsController: Sendable {
    let commands: ProviderRequestCommands
    /// Where the gateway serves client pages (the link in the message of a sent draft).
    let clientPageBase: ClientPageLinks?

    init(database: NodeDatabase, clientPageBase: ClientPageLinks? = nil) {
        self.commands = ProviderRequestCommands(database: database)
        self.clientPageBase = clientPageBase
    }

    static let invoiceId = APIOperation.Parameter("invoice_id", in: "path", required: true, "Identifiant de la facture")

    func register(on routes: DocumentedRoutes) {
        let key = ProviderRequestsController.idempotencyKey
        routes.add(
            .post, "/provider/finance/invoices/{invoice_id}/remind",
            "Relancer le client par WhatsApp (reste à payer) ; refusé si la facture est payée ou relancée il y a moins de 24 h",
            parameters: [Self.invoiceId, key], response: InvoiceReminderResult.self, status: 201,
            errors: ["not_found", "invoice_paid", "invoice_draft", "reminder_too_soon", "idempotency_key_reused", "invalid_parameter"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let result = try await commands.remind(
                providerId: identity.providerId, invoiceId: context.parameters.get("invoice_id") ?? "",
                idempotencyKey: httpRequest.headers.idempotencyKey)
            return try JSONResponse.make(result, for: httpRequest, status: .created)
        }
        routes.add(
            .put, "/provider/finance/invoices/{invoice_id}",
            "Modifier une facture en brouillon (toutes ses lignes) ; une facture envoyée ne change plus (un avoir la corrige)",
            parameters: [Self.invoiceId, key], body: InvoiceDraftBody.self, response: MissionPaymentRequestResult.self,
            errors: ["not_found", "invalid_parameter", "invoice_sent", "idempotency_key_reused"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let body = try await RequestDecoding.decode(InvoiceDraftBody.self, from: httpRequest)
            let result = try await commands.editInvoiceDraft(
                providerId: identity.providerId, invoiceId: context.parameters.get("invoice_id") ?? "", lines: body.lines,
                idempotencyKey: httpRequest.headers.idempotencyKey)
            return try JSONResponse.make(result, for: httpRequest)
        }
        routes.add(
            .post, "/provider/finance/invoices/{invoice_id}/send",
            "Envoyer au client une facture en brouillon : numéro attribué maintenant, WhatsApp avec le montant, le lien et le PDF",
            parameters: [Self.invoiceId, key], body: InvoiceSendBody.self, response: MissionPaymentRequestResult.self,
            errors: ["not_found", "invalid_parameter", "invoice_sent", "idempotency_key_reused"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let body = try await RequestDecoding.decode(InvoiceSendBody.self, from: httpRequest)
            let result = try await commands.sendInvoice(
                providerId: identity.providerId, invoiceId: context.parameters.get("invoice_id") ?? "", note: body.note,
                publicBase: clientPageBase, idempotencyKey: httpRequest.headers.idempotencyKey)
            return try JSONResponse.make(result, for: httpRequest)
        }
        routes.add(
            .post, "/provider/finance/invoices/{invoice_id}/credit-notes",
            "Faire un avoir sur une facture envoyée (montant, motif) : le client doit le total moins les avoirs",
            parameters: [Self.invoiceId, key], body: CreditNoteBody.self, response: CreditNoteResult.self, status: 201,
            errors: ["not_found", "invalid_parameter", "invoice_draft", "credit_exceeds_invoice", "idempotency_key_reused"]
        ) { httpRequest, context in
            let identity = try context.requireProvider()
            let body = try await RequestDecoding.decode(CreditNoteBody.self, from: httpRequest)
            let result = try await commands.creditNote(
                providerId: identity.providerId, invoiceId: context.parameters.get("invoice_id") ?? "", amount: body.amount, reason: body.reason,
                idempotencyKey: httpRequest.headers.idempotencyKey)
            return try JSONResponse.make(result, for: httpRequest, status: .created)
        }
    }
}

/// `POST /provider/finance/invoices/{invoice_id}/credit-notes`.
struct CreditNoteBody: Codable, Sendable {
    /// Francs, > 0, at most the invoice's total less its credit notes.
    let amount: Int
    /// Why (1 to 500 characters), shown on the credit note.
    let reason: String?
}
