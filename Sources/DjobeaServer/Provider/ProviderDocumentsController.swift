import DjobeaDocuments
import DjobeaDomain
import DjobeaStore
import Foundation
import HTTPTypes
import Hummingbird

/// Documents a provider downloads: an invoice's PDF and the statement of any span of days as CSV, XLSX or PDF
/// (`/provider/finance/invoices/{invoice_id}/pdf`, `/provider/finance/export/{format}`), and the earnings of such a
/// span (`/provider/finance/earnings/custom`, registered before the calendar periods' route).
struct ProviderDocumentsController: Sendable {
    let database: NodeDatabase
    let cache: ResponseCache

    /// The export formats.
    enum ExportFormat: String, CaseIterable {
        case csv, xlsx, pdf

        var contentType: String {
            switch self {
            case .csv: "text/csv; charset=utf-8"
            case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            case .pdf: "application/pdf"
            }
        }
    }

    static let periodParameters: [APIOperation.Parameter] = [
        .init("from", required: true, "Premier jour inclus, AAAA-MM-JJ (heure de Douala)"),
        .init("to", required: true, "Dernier jour inclus, AAAA-MM-JJ ; \(StatementPeriod.maxDays) jours au plus"),
    ]

    func register(on routes: DocumentedRoutes) {
        routes.add(
            .get, "/provider/finance/earnings/custom", "Revenus d'une période choisie (du … au …), mêmes calculs que les autres périodes",
            parameters: Self.periodParameters + [.init("history_page", type: "integer", "Page de l'historique des paiements")],
            response: ProviderEarnings.self, errors: ["invalid_parameter"]
        ) { request, context in
            let identity = try context.requireProvider()
            let query = ProviderRequestsController.query(request)
            let period = try Self.period(query)
            let page = try ProviderAccountController.positiveInt(query["history_page"], "history_page") ?? 1
            return try await cache.json(request, owner: identity.providerId, database: database) {
                try await FinanceStore(database).earnings(providerId: identity.providerId, days: period, historyPage: page)
            }
        }
        routes.add(
            .get, "/provider/finance/invoices/{invoice_id}/pdf", "Facture en PDF (A4)",
            parameters: [.init("invoice_id", in: "path", required: true, "Identifiant de la facture")], produces: ["application/pdf"],
            errors: ["not_found"]
        ) { _, context in
            let identity = try context.requireProvider()
            guard let id = context.parameters.get("invoice_id"), DjobeaID.isValid(id),
                let document = try await FinanceStore(database).invoiceDocument(providerId: identity.providerId, invoiceId: id)
            else { throw APIError.notFound() }
            let billing = Self.billingDocument(document)
            return Self.download(BillingDocumentRenderer.pdf(billing), contentType: "application/pdf", fileName: billing.fileName, inline: true)
        }
        routes.add(
            .get, "/provider/finance/export/{format}",
            "Relevé des revenus d'une période (paiements, commissions, corrections, totaux, récapitulatif mensuel) en CSV, XLSX ou PDF",
            parameters: [.init("format", in: "path", required: true, enum: ExportFormat.allCases.map(\.rawValue), "Format")]
                + Self.periodParameters,
            produces: ExportFormat.allCases.map { String($0.contentType.prefix { $0 != ";" }) }, errors: ["invalid_parameter"]
        ) { request, context in
            let identity = try context.requireProvider()
            guard let raw = context.parameters.get("format"), let format = ExportFormat(rawValue: raw) else {
                throw APIError(.badRequest, code: "invalid_parameter", message: "Paramètre « format » invalide : csv, xlsx ou pdf")
            }
            let period = try Self.period(ProviderRequestsController.query(request))
            let stored = try await FinanceStore(database).statement(providerId: identity.providerId, period: period)
            let statement = Self.statementDocument(stored)
            let data: Data =
                switch format {
                case .csv: StatementCSV.data(statement)
                case .xlsx: try StatementXLSX.data(statement)
                case .pdf: StatementPDF.data(statement)
                }
            return Self.download(data, contentType: format.contentType, fileName: "\(statement.baseFileName).\(format.rawValue)", inline: false)
        }
    }

    /// `from` and `to` validated; a 400 `invalid_parameter` with the French reason otherwise.
    static func period(_ query: [String: String]) throws -> StatementPeriod {
        do {
            return try StatementPeriod(from: query["from"], to: query["to"])
        } catch {
            throw APIError(.badRequest, code: "invalid_parameter", message: "Paramètre « \(error.parameter) » invalide : \(error.messageFR)")
        }
    }

    /// A file answer: never cached by a shared cache, named for the download.
    static func download(_ data: Data, contentType: String, fileName: String, inline: Bool) -> Response {
        var headers: HTTPFields = [.contentType: contentType, .cacheControl: "private, no-store"]
        headers[.contentDisposition] = "\(inline ? "inline" : "attachment"); filename=\"\(DocumentFileName.safe(fileName))\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func billingDocument(_ document: ProviderInvoiceDocument) -> BillingDocument {
        let invoice = document.invoice
        let issued = UTCTimestamp.parse(invoice.issuedAt) ?? Date(timeIntervalSince1970: 0)
        var document = BillingDocument(
            kind: .invoice, number: invoice.number, providerName: document.providerName, providerPhone: document.providerPhone,
            clientName: invoice.clientName, subject: invoice.requestTitle, serviceName: invoice.serviceName, issuedAt: issued,
            dueOrValidUntil: UTCTimestamp.parse(invoice.dueAt) ?? issued,
            lines: invoice.lines.map {
                .init(kindLabel: $0.kindLabel, label: $0.label, quantity: $0.quantity, unitPrice: XAF($0.unitPrice), total: XAF($0.amount))
            }, total: XAF(invoice.total), paid: XAF(invoice.paid))
        document.credited = XAF(invoice.credited)
        return document
    }

    static func statementDocument(_ statement: ProviderStatement, now: Date = Date()) -> StatementDocument {
        StatementDocument(
            providerName: statement.providerName, providerPhone: statement.providerPhone, fromDay: statement.period.fromDay,
            toDay: statement.period.toDay, generatedAt: now,
            entries: statement.entries.map { entry in
                .init(
                    recordedAt: entry.recordedAt, kindLabel: entry.kindLabel, requestTitle: entry.requestTitle, clientName: entry.clientName,
                    serviceName: entry.serviceName, methodLabel: entry.method?.labelFR ?? "", operatorRef: entry.operatorRef ?? "",
                    invoiceNumber: entry.invoiceNumber ?? "", gross: entry.gross, commission: entry.commission)
            },
            months: statement.months.map {
                .init(monthKey: $0.monthKey, label: $0.label, gross: $0.gross, commission: $0.commission, payments: $0.payments)
            }, gross: statement.gross, commission: statement.commission, pendingReversals: statement.pendingReversals)
    }
}
