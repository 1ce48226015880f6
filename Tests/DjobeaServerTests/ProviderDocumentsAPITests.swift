import DjobeaDomain
import DjobeaServer
import DjobeaStore
import DjobeaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The invoice PDF and the statement exports over real HTTP, opened with real readers; their totals against the
/// earnings API for the same period.
@Suite("Provider documents API", .serialized)
struct ProviderDocumentsAPITests {
    static let disposition = HTTPField.Name.contentDisposition

    /// The last 30 Douala days, today included: the demo's 7 days of history are in them whatever the date.
    static var lastThirtyDays: DateInterval {
        DoualaCalendar().lastDays(30, now: Date())
    }

    /// A provider of the demo with invoices and money received in the last 30 days, logged in.
    static func providerWithMoney(_ harness: ProviderAPIHarness, _ client: some TestClientProtocol) async throws -> (token: String, phone: String) {
        let (from, to) = dayKeys(lastThirtyDays)
        for listing in harness.providers {
            let token = try await harness.login(client, phone: listing.phone)
            let earnings = try await client.execute(
                uri: "/provider/finance/earnings/custom?from=\(from)&to=\(to)", method: .get, headers: harness.bearer(token))
            let invoices = try await client.execute(uri: "/provider/finance/invoices", method: .get, headers: harness.bearer(token))
            if try decode(ProviderEarnings.self, earnings).gross > 0, try decode(ProviderInvoicePage.self, invoices).totalItems > 0 {
                return (token, listing.phone)
            }
        }
        throw NoDemoProvider()
    }

    /// Months from the one of `from` to the one of `to`, both included.
    static func monthCount(_ from: String, _ to: String) -> Int {
        let index = { (day: String) in (Int(day.prefix(4)) ?? 0) * 12 + (Int(day.dropFirst(5).prefix(2)) ?? 0) }
        return index(to) - index(from) + 1
    }

    static func dayKeys(_ interval: DateInterval) -> (from: String, to: String) {
        let calendar = DoualaCalendar()
        return (calendar.dayKey(interval.start), calendar.dayKey(interval.end.addingTimeInterval(-1)))
    }

    @Test("an invoice's PDF: application/pdf, inline with its number as file name, qpdf passes, the text has number, client and total")
    func invoicePDF() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await harness.application().test(.live) { client in
            let (token, _) = try await Self.providerWithMoney(harness, client)
            let page = try decode(
                ProviderInvoicePage.self, try await client.execute(uri: "/provider/finance/invoices", method: .get, headers: harness.bearer(token)))
            for invoice in page.items.prefix(3) {
                let response = try await client.execute(
                    uri: "/provider/finance/invoices/\(invoice.id)/pdf", method: .get, headers: harness.bearer(token))
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/pdf")
                #expect(response.headers[Self.disposition] == "inline; filename=\"\(invoice.number).pdf\"")
                let pdf = Data(buffer: response.body)
                _ = try DocumentReaders.qpdfCheck(pdf)
                let text = try DocumentReaders.pdfText(pdf)
                #expect(text.contains(invoice.number))
                #expect(text.contains(invoice.clientName), "\(invoice.clientName) in \(text)")
                #expect(text.contains(DocumentReaders.plainSpaces(invoice.totalLabel)))
                #expect(text.contains(DocumentReaders.plainSpaces(invoice.amountDueLabel)), "the balance")
                for line in invoice.lines { #expect(text.contains(line.kindLabel)) }
            }
        }
    }

    @Test("another provider's invoice, an unknown or malformed id: 404 not_found; no token: 401")
    func invoicePDFIsPrivate() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await harness.application().test(.live) { client in
            let (token, phone) = try await Self.providerWithMoney(harness, client)
            let page = try decode(
                ProviderInvoicePage.self, try await client.execute(uri: "/provider/finance/invoices", method: .get, headers: harness.bearer(token)))
            let invoiceId = try #require(page.items.first?.id)
            let other = try #require(harness.providers.first { $0.phone != phone })
            let otherToken = try await harness.login(client, phone: other.phone)
            for (uri, bearer) in [
                ("/provider/finance/invoices/\(invoiceId)/pdf", otherToken), ("/provider/finance/invoices/\(DjobeaID.v7())/pdf", token),
                ("/provider/finance/invoices/not-an-id/pdf", token),
            ] {
                let response = try await client.execute(uri: uri, method: .get, headers: harness.bearer(bearer))
                #expect(response.status == .notFound, "\(uri)")
                #expect(try errorCode(response) == "not_found")
            }
            for uri in ["/provider/finance/invoices/\(invoiceId)/pdf", "/provider/finance/export/csv?from=2026-01-01&to=2026-01-31"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .unauthorized, "\(uri)")
            }
        }
    }

    @Test("bad periods and formats: 400 invalid_parameter with a French message, for the exports and the custom earnings")
    func badPeriods() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await harness.application().test(.live) { client in
            let token = try await harness.login(client, phone: try #require(harness.providers.first?.phone))
            for query in [
                "", "?from=2026-01-01", "?to=2026-01-31", "?from=2026-02-01&to=2026-01-31", "?from=2025-01-01&to=2026-01-02",
                "?from=2026-02-30&to=2026-03-01", "?from=01/01/2026&to=2026-03-01", "?from=2026-1-1&to=2026-03-01", "?from=1999-12-31&to=2000-01-02",
                "?from=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-01-01&to=2026-01-02", "?from=2026-01-01%00&to=2026-01-02",
            ] {
                for path in ["/provider/finance/export/csv", "/provider/finance/export/xlsx", "/provider/finance/earnings/custom"] {
                    let response = try await client.execute(uri: path + query, method: .get, headers: harness.bearer(token))
                    #expect(response.status == .badRequest, "\(path)\(query)")
                    #expect(try errorCode(response) == "invalid_parameter", "\(path)\(query)")
                    #expect(try errorMessage(response).contains("invalide"), "\(path)\(query)")
                }
            }
            let format = try await client.execute(
                uri: "/provider/finance/export/docx?from=2026-01-01&to=2026-01-31", method: .get, headers: harness.bearer(token))
            #expect(format.status == .badRequest)
            let leapYear = try await client.execute(
                uri: "/provider/finance/export/csv?from=2024-01-01&to=2024-12-31", method: .get, headers: harness.bearer(token))
            #expect(leapYear.status == .ok, "a whole leap year (366 days) is accepted")
        }
    }

    @Test("CSV, XLSX and PDF statements of the last 30 days, this quarter and the last: totals equal the earnings API's, per month too")
    func exportsMatchEarnings() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await harness.application().test(.live) { client in
            let (token, _) = try await Self.providerWithMoney(harness, client)
            let now = Date()
            let quarter = EarningsPeriod.quarter.interval(containing: now)
            let lastQuarter = EarningsPeriod.quarter.previous(quarter)
            var checkedMoney = false
            for (interval, calendarPeriod) in [(Self.lastThirtyDays, nil), (quarter, "quarter"), (lastQuarter, nil)] {
                let (from, to) = Self.dayKeys(interval)
                let custom = try decode(
                    ProviderEarnings.self,
                    try await client.execute(
                        uri: "/provider/finance/earnings/custom?from=\(from)&to=\(to)", method: .get, headers: harness.bearer(token)))
                #expect(custom.range.period == "custom")
                #expect(custom.range.start == UTCTimestamp.format(interval.start))
                #expect(custom.range.end == UTCTimestamp.format(interval.end))
                if let calendarPeriod {
                    let calendar = try decode(
                        ProviderEarnings.self,
                        try await client.execute(uri: "/provider/finance/earnings/\(calendarPeriod)", method: .get, headers: harness.bearer(token)))
                    #expect((custom.gross, custom.commission, custom.net) == (calendar.gross, calendar.commission, calendar.net))
                    #expect(custom.byService == calendar.byService)
                    #expect(custom.paymentHistory.totalItems == calendar.paymentHistory.totalItems)
                }
                checkedMoney = checkedMoney || custom.gross > 0
                let expected: [Int?] = [custom.gross, custom.commission, custom.net]

                // CSV.
                let csv = try await client.execute(
                    uri: "/provider/finance/export/csv?from=\(from)&to=\(to)", method: .get, headers: harness.bearer(token))
                #expect(csv.status == .ok)
                #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(csv.headers[Self.disposition] == "attachment; filename=\"releve-\(from)_\(to).csv\"")
                let csvData = Data(buffer: csv.body)
                #expect(Array(csvData.prefix(3)) == [0xEF, 0xBB, 0xBF])
                let lines = String(decoding: csvData.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n")
                let totals = try #require(lines.first { $0.hasPrefix("Total;;;;;;;;") }).split(separator: ";", omittingEmptySubsequences: false)
                #expect(totals.suffix(3).map { Int($0) } == expected)
                let header = try #require(lines.firstIndex { $0.hasPrefix("Date;Type;") })
                let entryRows = lines[(header + 1)...].prefix { !$0.hasPrefix("Total;") }.map {
                    $0.split(separator: ";", omittingEmptySubsequences: false)
                }
                #expect(entryRows.compactMap { Int($0[$0.count - 3]) }.reduce(0, +) == custom.gross, "the entries add up to the gross")
                let monthTotal = try #require(lines.last { $0.hasPrefix("Total;") }).split(separator: ";")
                #expect(monthTotal.suffix(3).map { Int($0) } == expected)

                // XLSX.
                let xlsx = try await client.execute(
                    uri: "/provider/finance/export/xlsx?from=\(from)&to=\(to)", method: .get, headers: harness.bearer(token))
                #expect(xlsx.status == .ok)
                #expect(xlsx.headers[.contentType] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                #expect(xlsx.headers[Self.disposition] == "attachment; filename=\"releve-\(from)_\(to).xlsx\"")
                let sheets = try DocumentReaders.xlsxSheets(Data(buffer: xlsx.body))
                let operations = try #require(sheets["Opérations"])
                let totalRow = try #require(operations.last)
                #expect(totalRow[0] as? String == "Total")
                #expect(totalRow.suffix(3).map { $0 as? Int } == expected)
                #expect(operations.dropFirst().dropLast().compactMap { $0[8] as? Int }.reduce(0, +) == custom.gross)
                let months = try #require(sheets["Par mois"])
                let monthCount = Self.monthCount(from, to)
                #expect(months.count == 2 + monthCount, "header, each month of the span, total")
                #expect(months.last?.suffix(3).map { $0 as? Int } == expected)

                // PDF.
                let pdf = try await client.execute(
                    uri: "/provider/finance/export/pdf?from=\(from)&to=\(to)", method: .get, headers: harness.bearer(token))
                #expect(pdf.status == .ok)
                #expect(pdf.headers[.contentType] == "application/pdf")
                let pdfData = Data(buffer: pdf.body)
                _ = try DocumentReaders.qpdfCheck(pdfData)
                let text = try DocumentReaders.pdfText(pdfData)
                #expect(text.contains(DocumentReaders.plainSpaces(XAF(custom.gross).formatted)))
                #expect(text.contains(DocumentReaders.plainSpaces(XAF(custom.net).formatted)))
                #expect(text.contains("Relevé des revenus"))
            }
            #expect(checkedMoney, "the last 30 days have money in the demo")
        }
    }

    @Test("/openapi.json documents the files: a PDF for the invoice, PDF, XLSX or CSV for the export, with from and to required")
    func documented() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await harness.application().test(.router) { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            func content(_ path: String) -> [String: Any]? {
                let operation = paths[path]?["get"] as? [String: Any]
                return ((operation?["responses"] as? [String: Any])?["200"] as? [String: Any])?["content"] as? [String: Any]
            }
            #expect(content("/provider/finance/invoices/{invoice_id}/pdf").map { Set($0.keys) } == ["application/pdf"])
            #expect(
                content("/provider/finance/export/{format}").map { Set($0.keys) }
                    == ["application/pdf", "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"])
            let parameters = (paths["/provider/finance/export/{format}"]?["get"] as? [String: Any])?["parameters"] as? [[String: Any]] ?? []
            #expect(parameters.filter { $0["required"] as? Bool == true }.compactMap { $0["name"] as? String }.sorted() == ["format", "from", "to"])
            #expect(content("/provider/finance/earnings/custom")?["application/json"] != nil)
        }
    }

    @Test("a past year's statement answers, empty months included, and the earnings API agrees (zero)")
    func pastYear() async throws {
        let harness = try await ProviderAPIHarness.make()
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        try await harness.application().test(.live) { client in
            let token = try await harness.login(client, phone: try #require(harness.providers.first?.phone))
            let sheets = try DocumentReaders.xlsxSheets(
                Data(
                    buffer: try await client.execute(
                        uri: "/provider/finance/export/xlsx?from=2021-01-01&to=2021-12-31", method: .get, headers: harness.bearer(token)
                    ).body))
            #expect(sheets["Par mois"]?.count == 14, "header, twelve months, total")
            #expect(sheets["Par mois"]?.last?.suffix(3).map { $0 as? Int } == [0, 0, 0])
            let earnings = try decode(
                ProviderEarnings.self,
                try await client.execute(
                    uri: "/provider/finance/earnings/custom?from=2021-01-01&to=2021-12-31", method: .get, headers: harness.bearer(token)))
            #expect((earnings.gross, earnings.commission, earnings.net) == (0, 0, 0))
            #expect(earnings.range.label == "Du 1er janvier 2021 au 31 décembre 2021")
            #expect(earnings.comparison.previous.label == "Du 2 janvier 2020 au 31 décembre 2020", "the 365 days before")
        }
    }
}

private struct NoDemoProvider: Error {}

private func errorCode(_ response: TestResponse) throws -> String? {
    let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
    return (object?["error"] as? [String: Any])?["code"] as? String
}

private func errorMessage(_ response: TestResponse) throws -> String {
    let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
    return (object?["error"] as? [String: Any])?["message"] as? String ?? ""
}
